/**
 * What a bot reports about itself, in the bot host's messages to the supervisor (src/host/ipc.ts carries
 * them; zod validates them on arrival): why it gave up, how its polling fails, and its exit code.
 */
import { z } from 'zod';

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

/** A bot's exit code, one per reason (reported with the reason in the host's `bot-exit` message). */
export const EXIT_CODES = {
  /** Stopped on request. */
  stopped: 0,
  /** Unexpected failure (an uncaught error, a polling error other than 401/409). */
  crashed: 1,
  /** Telegram answered 401 Unauthorized. */
  unauthorized: 3,
  /** Telegram answered 409 Conflict (another getUpdates on the same token). */
  conflict: 4,
} as const;
