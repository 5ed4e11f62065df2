/** Schemas of the bot config routes. The token goes in, and never comes out: only `token_hint`. */

import { z } from 'zod';
import { BOT_STATES, BOT_TOKEN_PATTERN, ISOLATION_REASONS } from '../../contracts/bot.ts';
import type { BotConfigRecord } from '../../db/repositories/bot-configs.ts';
import { shownState } from '../services/bot-liveness.ts';
import { instant, iso } from './common.ts';

/** A bot token as @BotFather shows it: `<bot id>:<secret>`. Surrounding spaces are ignored. */
export const tokenSchema = z
  .string()
  .trim()
  .max(128, { error: 'is too long to be a bot token' })
  .regex(BOT_TOKEN_PATTERN, {
    error: 'does not look like a bot token (123456789:AAE…): copy it again from @BotFather',
  });

export const putBotBody = z
  .strictObject({
    token: tokenSchema
      .optional()
      .describe('bot token from @BotFather; checked with getMe before it is saved'),
    enabled: z.boolean().optional().describe('run the bot (true) or stop it (false)'),
  })
  .refine((body) => body.token !== undefined || body.enabled !== undefined, {
    error: 'send token, enabled, or both',
  })
  .describe('PutBotBody');

export const botView = z
  .object({
    username: z.string().nullable().describe("the bot's @username, from getMe"),
    bot_id: z.number().int().nullable().describe("the bot's id, from getMe"),
    enabled: z.boolean(),
    token_hint: z.string().nullable().describe('"…" and the last 4 characters of the token'),
    updated_at: instant,
    restart_requested_at: instant.nullable(),
    status: z
      .object({
        state: z
          .enum(BOT_STATES)
          .describe(
            'idle, starting, running, degraded (running, but getUpdates fails), isolated (running, in a bot host of its own: see isolation_reason), restarting, stopped, or unknown (running was reported, but no heartbeat for 90 s); unknown wins over degraded, degraded over isolated',
          ),
        reason: z
          .string()
          .nullable()
          .describe(
            'why: invalid-token, crash-loop, ... ; polling-failing when degraded; not-reporting when unknown',
          ),
        detail: z
          .string()
          .nullable()
          .describe("the last error; when degraded, Telegram's answer to getUpdates"),
        since: instant,
        restarts: z.number().int(),
        reported_at: instant.describe(
          "the supervisor's last heartbeat of this bot (or when the state began)",
        ),
        polling_failing_since: instant.nullable().describe('degraded: getUpdates failing since'),
        polling_error_code: z
          .number()
          .int()
          .nullable()
          .describe("degraded: Telegram's error code (429, 502, ...)"),
        isolation_reason: z
          .enum(ISOLATION_REASONS)
          .nullable()
          .describe(
            "why the bot runs in a bot host of its own (it harmed the bots it shared one with): crash-loop, event-loop-blocked (held the host for seconds) or memory (over the host's memory budget); null while it shares a host. Set whenever the state is isolated, and kept under degraded or unknown",
          ),
        host_id: z
          .string()
          .nullable()
          .describe(
            "the bot host it runs in (as the supervisor's GET /status lists hosts); null when it runs nowhere",
          ),
      })
      .nullable()
      .describe('as last reported by the supervisor; null before its first report'),
  })
  .describe('Bot');
export type BotView = z.output<typeof botView>;

export const restartView = z.object({ restart_requested_at: instant }).describe('RestartRequested');

/**
 * A `bot_status.isolation` value as the API shows it: one of {@link ISOLATION_REASONS} (the column's
 * check constraint allows no other), else null.
 */
export function isolationReason(isolation: string | null): (typeof ISOLATION_REASONS)[number] | null {
  return ISOLATION_REASONS.find((reason) => reason === isolation) ?? null;
}

/** A bot config as the API shows it. */
export function toBotView(config: BotConfigRecord): BotView {
  return {
    username: config.botUsername,
    bot_id: config.botId,
    enabled: config.enabled,
    token_hint: config.tokenHint === null ? null : `…${config.tokenHint}`,
    updated_at: iso(config.updatedAt),
    restart_requested_at: iso(config.restartRequestedAt),
    status: config.status && {
      ...shownState(config.status),
      detail: config.status.detail,
      since: iso(config.status.since),
      restarts: config.status.restarts,
      reported_at: iso(config.status.reportedAt),
      polling_failing_since:
        config.status.pollFailingSince === null ? null : iso(config.status.pollFailingSince),
      polling_error_code: config.status.pollErrorCode,
      isolation_reason: isolationReason(config.status.isolation),
      host_id: config.status.hostId,
    },
  };
}
