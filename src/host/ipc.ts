/**
 * Messages between the supervisor and a bot host over Node's IPC channel, validated with zod on both sides
 * (an invalid message is logged and dropped, never trusted). A bot in a host is named by its tenant id and
 * the incarnation of its tenant machine, so a late message of a bot that was replaced is recognised.
 *
 * Tokens and the database URL travel only in these messages: never in argv or env, which `ps` and /proc show.
 */
import { z } from 'zod';
import { fatalReason, pollError } from '../bot/ipc.ts';
import { BOT_TOKEN_PATTERN } from '../contracts/bot.ts';

export { EXIT_CODES, type FatalReason, fatalReason, type PollError, pollError } from '../bot/ipc.ts';

const botKey = { tenantId: z.string().min(1), incarnation: z.number().int().min(0) };

/** Supervisor → host. */
export const toHost = z.discriminatedUnion('type', [
  /** First message: what every bot of this host shares. */
  z.object({
    type: z.literal('init'),
    hostId: z.string().min(1),
    /** The bot role's connection string; absent = bots only greet (supervision tests). */
    databaseUrl: z.string().min(1).optional(),
    /** Most connections of the host's one pool. */
    poolMax: z.number().int().min(1).max(100),
    /** Milliseconds between two host heartbeats (each carries every bot's polling). */
    heartbeatMs: z.number().int().min(20).max(60_000),
    /** A bot whose work holds the event loop this long in one stretch is quarantined (ms); 0 = never. */
    blockedLoopMs: z.number().int().min(0),
    /** Over this resident memory (MiB), the likeliest bot is quarantined; 0 = never. */
    memoryBudgetMb: z.number().int().min(0),
  }),
  z.object({
    type: z.literal('start'),
    ...botKey,
    tenantName: z.string(),
    token: z.string().regex(BOT_TOKEN_PATTERN, { error: 'not a bot token' }),
    /** Bot API root, e.g. `https://api.telegram.org`. */
    apiRoot: z.string().url(),
    /** A graceful stop of this bot ends by itself after this long (ms). */
    stopDeadlineMs: z.number().int().min(100).max(600_000).default(4500),
    /** Outbox pacing: sends per second for the whole bot (Telegram: 30). */
    sendsPerSecond: z.number().min(0.1).max(1000).default(28),
    /** Outbox pacing: sends per minute into one group or channel (Telegram: 20). */
    sendsPerChatPerMinute: z.number().min(0.1).max(10_000).default(19),
    /** Minimum time between two edits of a post's entry count (ms). */
    countEditIntervalMs: z.number().int().min(50).max(600_000).default(5000),
    /** Webhook mode: how often the bot checks its webhook at Telegram (getWebhookInfo) (ms). */
    webhookCheckMs: z.number().int().min(100).max(3_600_000).default(60_000),
    /** The bot is alone in this host (isolated or botsPerHost 1): never quarantined again. */
    dedicated: z.boolean().default(false),
    /**
     * The supervisor node's lease of this bot (src/db/repositories/leases.ts): the epoch its polling
     * offset and outbox work are fenced with, and the offset the previous owner recorded.
     */
    lease: z
      .object({ epoch: z.number().int().min(1), pollOffset: z.number().int().min(0).nullable() })
      .optional(),
    /**
     * How the bot receives updates: long polling (getUpdates), or a webhook (setWebhook with this URL,
     * secret and connection limit; the web stores the updates, the bot reads them from the database).
     */
    updates: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('polling') }),
        z.object({
          mode: z.literal('webhook'),
          url: z.string().url(),
          secretToken: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
          maxConnections: z.number().int().min(1).max(100),
        }),
      ])
      .default({ mode: 'polling' }),
  }),
  /** Until when (epoch ms) the bots of this host may poll and send: the node's leases were renewed. */
  z.object({
    type: z.literal('lease'),
    validUntil: z.number(),
    /** Tenants whose lease another node took over: their bots stop working at once. */
    lost: z.array(z.string().min(1)).max(100_000).default([]),
  }),
  /** Stop one bot gracefully: polling stops, the offset is confirmed, the send in flight is recorded. */
  z.object({ type: z.literal('stop'), ...botKey }),
  /** Stop one bot at once: polling and sends are abandoned (an unconfirmed offset is fetched again, F5). */
  z.object({ type: z.literal('kill'), ...botKey }),
  /**
   * New rows wait for this tenant's bot: in its outbox (`outbox`, relayed from NOTIFY `outbox_pending`)
   * or among the updates the web stored (`updates`, from NOTIFY `inbound_updates`).
   */
  z.object({
    type: z.literal('wake'),
    tenantId: z.string().min(1),
    what: z.enum(['outbox', 'updates']).default('outbox'),
  }),
  /** Stop every bot and exit. */
  z.object({ type: z.literal('shutdown') }),
]);
export type ToHost = z.input<typeof toHost>;
export type ParsedToHost = z.output<typeof toHost>;

/** One bot's polling, in a host heartbeat. */
export const botBeat = z.object({
  ...botKey,
  /** When its last getUpdates completed (epoch ms); 0 before the first. */
  lastPollAt: z.number(),
  pollError: pollError.optional(),
});
export type BotBeat = z.infer<typeof botBeat>;

/** Host → supervisor. Times are epoch milliseconds. */
export const fromHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('host-ready'), at: z.number() }),
  z.object({
    type: z.literal('heartbeat'),
    at: z.number(),
    /** The event loop's delay since the last heartbeat: p99 and max (ms). */
    loopDelayP99Ms: z.number(),
    loopDelayMaxMs: z.number(),
    rssBytes: z.number(),
    bots: z.array(botBeat),
  }),
  z.object({
    type: z.literal('bot-ready'),
    ...botKey,
    botId: z.number().int(),
    botUsername: z.string(),
    at: z.number(),
  }),
  /** The bot has ended: stopped or killed as asked (no reason), or on its own (`fatal`). */
  z.object({
    type: z.literal('bot-exit'),
    ...botKey,
    /** 0 = stopped as asked; otherwise the EXIT_CODES of the reason. */
    code: z.number().int(),
    fatal: fatalReason.optional(),
    at: z.number(),
  }),
]);
export type FromHost = z.infer<typeof fromHost>;
