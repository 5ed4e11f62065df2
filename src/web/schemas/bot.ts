/** Schemas of the bot config routes. The token goes in, and never comes out: only `token_hint`. */

import { z } from 'zod';
import { BOT_TOKEN_PATTERN } from '../../security/bot-token.ts';
import type { BotConfigRecord } from '../repositories/bot-configs.ts';
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
          .string()
          .describe(
            'idle, starting, running, degraded (running, but getUpdates fails), restarting, stopped, or unknown (running was reported, but no heartbeat for 90 s)',
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
      })
      .nullable()
      .describe('as last reported by the supervisor; null before its first report'),
  })
  .describe('Bot');
export type BotView = z.output<typeof botView>;

export const restartView = z.object({ restart_requested_at: instant }).describe('RestartRequested');

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
    },
  };
}
