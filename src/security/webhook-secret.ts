/**
 * Webhook mode's per-bot secrets and addresses. Each bot's webhook gets its own path
 * (`/telegram/webhook/<tenant id>/<bot id>`) and its own `secret_token` (Bot API setWebhook: 1–256
 * characters of A–Z, a–z, 0–9, `_` and `-`; Telegram sends it back in the
 * `X-Telegram-Bot-Api-Secret-Token` header of every delivery). The secret is
 * HMAC-SHA256(key, "<tenant id>:<bot id>") in base64url (43 characters), the key derived from the
 * application secret by HKDF-SHA256 (RFC 5869) with its own purpose, so every node and web process
 * computes the same secret without storing it, and a leaked secret names one bot of one tenant only.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Where Telegram POSTs a bot's updates, under the public URL. */
export const WEBHOOK_PATH_PREFIX = '/telegram/webhook';

/** Derives and checks webhook secrets with one key. */
export interface WebhookSecrets {
  /** The `secret_token` of a tenant's bot (43 characters, base64url). */
  secretFor(tenantId: number, botId: number): string;
  /** Whether `header` is that secret; compared in constant time (no early exit on the first difference). */
  verify(tenantId: number, botId: number, header: string | undefined): boolean;
}

/**
 * @param appSecret the application secret (APP_SECRET or the generated one)
 */
export function createWebhookSecrets(appSecret: string): WebhookSecrets {
  const key = Buffer.from(hkdfSync('sha256', appSecret, 'tg-lottery', 'webhook-secret', 32));
  const mac = (tenantId: number, botId: number) =>
    createHmac('sha256', key).update(`${tenantId}:${botId}`).digest();
  return {
    secretFor: (tenantId, botId) => mac(tenantId, botId).toString('base64url'),
    verify(tenantId, botId, header) {
      if (typeof header !== 'string' || header.length === 0 || header.length > 256) return false;
      const expected = mac(tenantId, botId);
      // Compare digests of both sides: equal lengths whatever was sent, and nothing about the expected
      // value leaks through the time taken.
      const given = createHmac('sha256', key).update(header).digest();
      const wanted = createHmac('sha256', key).update(expected.toString('base64url')).digest();
      return timingSafeEqual(given, wanted);
    },
  };
}

/** The webhook URL of a tenant's bot under `publicUrl` (no trailing slash). */
export function webhookUrl(publicUrl: string, tenantId: number, botId: number): string {
  return `${publicUrl}${WEBHOOK_PATH_PREFIX}/${tenantId}/${botId}`;
}
