// @vitest-environment happy-dom
/**
 * The bot's status card says what the API says is true now: a degraded bot (getUpdates refused) shows
 * "Degraded", since when receiving its updates fails and Telegram's answer; a bot whose heartbeat
 * stopped shows "Unknown (not reporting)" with what to check — never "Running". A bot in a process of its
 * own shows so, with why in a sentence per reason (zh-CN and en); degraded and unknown still win.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_REASONS } from '../../../src/contracts/bot.ts';
import type { Bot, BotStatus } from '../../../src/web/ui/api/types.ts';
import BotStatusCard from '../../../src/web/ui/components/bot/BotStatusCard.vue';
import { en } from '../../../src/web/ui/i18n/en.ts';
import { zhCN } from '../../../src/web/ui/i18n/zh-CN.ts';
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
      isolation_reason: null,
      host_id: null,
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
    expect(text).toContain('Receiving its updates fails since');
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

  it.each([
    ['en', 'Running on its own'],
    ['zh-CN', '独立运行'],
  ] as const)('shows an isolated bot with why, in a sentence per reason (%s)', (locale, label) => {
    const messages = locale === 'en' ? en : zhCN;
    for (const reason of ['event-loop-blocked', 'memory', 'crash-loop'] as const) {
      const wrapper = mountPanel(
        BotStatusCard,
        { bot: bot({ state: 'isolated', isolation_reason: reason, host_id: '3' }) },
        locale,
      );
      const text = wrapper.text();
      wrapper.unmount();
      expect(text).toContain(label);
      expect(text).toContain(messages.botIsolation[reason]);
      expect(text).not.toContain(locale === 'en' ? 'Degraded' : '降级运行');
    }
    // Each reason has a sentence of its own.
    expect(new Set(Object.values(messages.botIsolation)).size).toBe(4);
  });

  it('shows a degraded bot in a process of its own as degraded, with the isolation sentence too', () => {
    const wrapper = mountPanel(BotStatusCard, {
      bot: bot({
        state: 'degraded',
        reason: 'polling-failing',
        polling_failing_since: '2026-11-29T10:04:00.000Z',
        polling_error_code: 502,
        isolation_reason: 'memory',
        host_id: '5',
      }),
    });
    unmount = () => wrapper.unmount();
    const text = wrapper.text();
    expect(text).toContain('Degraded');
    expect(text).not.toContain('Running on its own');
    expect(text).toContain('Telegram refuses to hand it updates');
    expect(text).toContain(en.botIsolation.memory);
  });

  it('shows an isolated bot without a fresh heartbeat as unknown, without the isolation sentence', () => {
    const wrapper = mountPanel(BotStatusCard, {
      bot: bot({
        state: 'unknown',
        reason: 'not-reporting',
        isolation_reason: 'event-loop-blocked',
        host_id: '2',
      }),
    });
    unmount = () => wrapper.unmount();
    const text = wrapper.text();
    expect(text).toContain('Unknown (not reporting)');
    expect(text).not.toContain('Running on its own');
    expect(text).not.toContain(en.botIsolation['event-loop-blocked']);
  });
});

describe('every reason a bot can stop or be degraded for', () => {
  it('has a sentence of what happened and what to do, in both languages', () => {
    for (const messages of [en, zhCN]) {
      const explained = messages.botReason as Record<string, { what: string; todo: string } | string>;
      for (const reason of BOT_REASONS) {
        const entry = explained[reason];
        expect(typeof entry === 'object' && entry.what && entry.todo, reason).toBeTruthy();
      }
    }
  });
});
