/**
 * Messages between the supervisor and a bot process over Node's IPC channel, validated with zod on
 * both sides (an invalid message is logged and dropped, never trusted).
 *
 * The token travels only in the `start` message: never in argv or env, which `ps` and /proc show.
 */
import { z } from 'zod';
import { BOT_TOKEN_PATTERN } from '../security/bot-token.ts';

/** Supervisor → bot process. */
export const parentMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    tenantId: z.string().min(1),
    tenantName: z.string(),
    token: z.string().regex(BOT_TOKEN_PATTERN, { error: 'not a bot token' }),
    /** Bot API root, e.g. `https://api.telegram.org`. */
    apiRoot: z.string().url(),
    /** Milliseconds between two heartbeats. */
    heartbeatMs: z.number().int().min(50).max(60_000).default(5000),
    /** The process exits on its own this long after a `stop` (ms), before the supervisor kills it. */
    stopDeadlineMs: z.number().int().min(100).max(600_000).default(4500),
    /**
     * PostgreSQL connection string for the lottery (entries, chats, the outbox). Absent: the bot only
     * greets (tests of the supervision alone). Like the token, it travels over IPC only.
     */
    databaseUrl: z.string().min(1).optional(),
    /** Outbox pacing: sends per second for the whole bot (Telegram: 30). */
    sendsPerSecond: z.number().min(0.1).max(1000).default(28),
    /** Outbox pacing: sends per minute into one group or channel (Telegram: 20). */
    sendsPerChatPerMinute: z.number().min(0.1).max(10_000).default(19),
    /** Minimum time between two edits of a post's entry count (ms). */
    countEditIntervalMs: z.number().int().min(50).max(600_000).default(5000),
  }),
  z.object({ type: z.literal('stop') }),
  /** New rows are waiting in this bot's outbox (relayed from NOTIFY `outbox_pending`). */
  z.object({ type: z.literal('wake') }),
]);
export type ParentMessage = z.input<typeof parentMessage>;
export type ParsedParentMessage = z.output<typeof parentMessage>;

/**
 * Why a bot gave up: 401 (token revoked or wrong), 409 (another poller), anything else; or `quarantine`:
 * its shared host stopped it for harming its neighbours (`isolation` says how; machines/placement.ts).
 */
export const fatalReason = z.object({
  kind: z.enum(['unauthorized', 'conflict', 'other', 'quarantine']),
  errorCode: z.number().int().optional(),
  description: z.string().max(2000).optional(),
  isolation: z.enum(['crash-loop', 'event-loop-blocked', 'memory']).optional(),
});
export type FatalReason = z.infer<typeof fatalReason>;

/** getUpdates failing (429, 5xx, network): since (epoch ms) and Telegram's last answer. */
export const pollError = z.object({
  since: z.number(),
  errorCode: z.number().int().optional(),
  description: z.string().max(300),
});
export type PollError = z.infer<typeof pollError>;

/** Bot process → supervisor. Times are epoch milliseconds. */
export const childMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), botId: z.number().int(), botUsername: z.string(), at: z.number() }),
  z.object({
    type: z.literal('heartbeat'),
    lastPollAt: z.number(),
    at: z.number(),
    /** getUpdates is failing: since when and Telegram's answer (absent while polling works). */
    pollError: pollError.optional(),
  }),
  z.object({ type: z.literal('fatal'), reason: fatalReason, at: z.number() }),
]);
export type ChildMessage = z.infer<typeof childMessage>;

/**
 * Exit codes of a bot process, one per reason, so the supervisor can tell them apart even when the
 * IPC `fatal` message was lost.
 */
export const EXIT_CODES = {
  /** Stopped on request. */
  stopped: 0,
  /** Unexpected failure (an uncaught error, a polling error other than 401/409). */
  crashed: 1,
  /** The `start` message was missing or invalid. */
  badStart: 2,
  /** Telegram answered 401 Unauthorized. */
  unauthorized: 3,
  /** Telegram answered 409 Conflict (another getUpdates on the same token). */
  conflict: 4,
} as const;

/** The fatal reason implied by an exit code, when the process could not say it over IPC. */
export function reasonFromExitCode(code: number | null): FatalReason | undefined {
  if (code === EXIT_CODES.unauthorized) return { kind: 'unauthorized', errorCode: 401 };
  if (code === EXIT_CODES.conflict) return { kind: 'conflict', errorCode: 409 };
  return undefined;
}
