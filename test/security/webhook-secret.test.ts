/**
 * Webhook secrets (src/security/webhook-secret.ts): each bot of each tenant gets its own secret token, in
 * the characters setWebhook allows, the same from every process with the same APP_SECRET and different
 * with another; verification accepts only the exact secret.
 */
import { describe, expect, it } from 'vitest';
import { createWebhookSecrets, webhookUrl } from '../../src/security/webhook-secret.ts';

describe('webhook secrets', () => {
  const secrets = createWebhookSecrets('a-secret-of-at-least-16-chars');

  it('is a valid setWebhook secret_token, one per tenant and bot, stable across processes', () => {
    const s = secrets.secretFor(7, 123456);
    expect(s).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(createWebhookSecrets('a-secret-of-at-least-16-chars').secretFor(7, 123456)).toBe(s);
    expect(secrets.secretFor(8, 123456)).not.toBe(s);
    expect(secrets.secretFor(7, 123457)).not.toBe(s);
    expect(createWebhookSecrets('another-secret-of-16-chars').secretFor(7, 123456)).not.toBe(s);
  });

  it('verifies only the exact secret of that tenant and bot', () => {
    const s = secrets.secretFor(7, 123456);
    expect(secrets.verify(7, 123456, s)).toBe(true);
    expect(secrets.verify(7, 123456, undefined)).toBe(false);
    expect(secrets.verify(7, 123456, '')).toBe(false);
    expect(secrets.verify(7, 123456, `${s}x`)).toBe(false);
    expect(secrets.verify(7, 123456, s.slice(0, -1))).toBe(false);
    expect(secrets.verify(7, 123456, 'x'.repeat(300))).toBe(false);
    expect(secrets.verify(8, 123456, s)).toBe(false);
  });

  it('puts each bot on its own path', () => {
    expect(webhookUrl('https://g.example.com', 7, 123456)).toBe(
      'https://g.example.com/telegram/webhook/7/123456',
    );
  });
});
