// @vitest-environment happy-dom
/**
 * The bot's status card says what the API says is true now: a degraded bot (getUpdates refused) shows
 * "Degraded", since when Telegram refuses its polling and Telegram's answer; a bot whose heartbeat
 * stopped shows "Unknown (not reporting)" with what to check — never "Running".
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bot, BotStatus } from '../../../src/web/ui/api/types.ts';
import BotStatusCard from '../../../src/web/ui/components/bot/BotStatusCard.vue';
import { mountPanel } from './mount.ts';

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

function bot(status: Partial<BotStatus>): Bot {
  return {
    username: 'ann_giveaway_bot',
    bot_id: 42,
    enabled: true,
    token_hint: '…wxyz',
    updated_at: '2026-11-01T00:00:00.000Z',
    restart_requested_at: null,
    status: {
      state: 'running',
      reason: null,
      detail: null,
      since: '2026-11-29T10:00:00.000Z',
      restarts: 0,
      reported_at: '2026-11-29T10:05:00.000Z',
      polling_failing_since: null,
      polling_error_code: null,
      ...status,
    },
  };
}

describe('BotStatusCard', () => {
  it('shows a degraded bot with since when and Telegram’s answer', () => {
    const wrapper = mountPanel(BotStatusCard, {
      bot: bot({
        state: 'degraded',
        reason: 'polling-failing',
        detail: 'getUpdates 429: Too Many Requests: retry after 5',
        polling_failing_since: '2026-11-29T10:04:00.000Z',
        polling_error_code: 429,
      }),
    });
    unmount = () => wrapper.unmount();
    const text = wrapper.text();
    expect(text).toContain('Degraded');
    expect(text).not.toContain('Running');
    expect(text).toContain('Telegram refuses to hand it updates');
    expect(text).toContain('Telegram refuses its polling since');
    expect(text).toContain('getUpdates 429: Too Many Requests: retry after 5');
  });

  it('shows a bot without a fresh heartbeat as unknown, not running', () => {
    const wrapper = mountPanel(BotStatusCard, { bot: bot({ state: 'unknown', reason: 'not-reporting' }) });
    unmount = () => wrapper.unmount();
    const text = wrapper.text();
    expect(text).toContain('Unknown (not reporting)');
    expect(text).not.toContain('Running');
    expect(text).toContain('no heartbeat has arrived for more than 90 seconds');
  });
});
