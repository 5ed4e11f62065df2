/**
 * Telegram's limits and rules as the sandbox enforces them: one typed object, every default in
 * {@link DEFAULT_LIMITS}, one validator ({@link sandboxLimitsPatchSchema}). Each rule can be switched off
 * (or a number set to 0) where a test needs it out of the way; `POST /_sandbox/limits` changes them at
 * run time.
 */
import { z } from 'zod';

export interface SandboxLimits {
  /** Sends and edits per bot per second before 429 (Telegram: 30). 0 = no limit. */
  botMessagesPerSecond: number;
  /** Sends and edits per bot per group/supergroup/channel per minute before 429 (Telegram: 20). 0 = no limit. */
  chatMessagesPerMinute: number;
  /** Maximum message text length in Unicode code points after entity parsing (Telegram: 4096). */
  maxMessageLength: number;
  /** Maximum callback_data length in UTF-8 bytes (Telegram: 64); the minimum is always 1. */
  maxCallbackDataBytes: number;
  /** Time a bot has to answer a callback query, in milliseconds (Telegram: about 15 s). */
  callbackTimeoutMs: number;
  /** A second getUpdates for one token answers the older one 409; off: the older one gets `[]`. */
  pollConflict: boolean;
  /** Private messages need the user to have started the bot (403 otherwise). */
  requireStart: boolean;
  /** parse_mode text with broken markup is refused with 400 `can't parse entities`; off: sent as plain text. */
  checkEntities: boolean;
  /** An edit that changes nothing is refused with 400 `message is not modified`. */
  rejectUnmodifiedEdits: boolean;
  /** getChatMember / getChatAdministrators in a channel need the bot to be an administrator there. */
  memberListRequiresAdmin: boolean;
  /** Bots in privacy mode only see commands, replies to them and service messages in groups. */
  privacyMode: boolean;
  /** First delay before re-delivering an update a webhook refused, in ms; doubles up to 16 times that. */
  webhookRetryMs: number;
  /** How long one webhook delivery may take before it counts as failed, in ms. */
  webhookTimeoutMs: number;
}

/** Telegram's own numbers and rules; what a fresh sandbox enforces. */
export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  botMessagesPerSecond: 30,
  chatMessagesPerMinute: 20,
  maxMessageLength: 4096,
  maxCallbackDataBytes: 64,
  callbackTimeoutMs: 15_000,
  pollConflict: true,
  requireStart: true,
  checkEntities: true,
  rejectUnmodifiedEdits: true,
  memberListRequiresAdmin: true,
  privacyMode: true,
  webhookRetryMs: 1_000,
  webhookTimeoutMs: 10_000,
});

const count = z.number().int().min(0).max(1_000_000);
const millis = z.number().int().min(0).max(3_600_000);

/** Validates a partial limits object (control API body, createSandbox option). Unknown keys are refused. */
export const sandboxLimitsPatchSchema = z
  .object({
    botMessagesPerSecond: count,
    chatMessagesPerMinute: count,
    maxMessageLength: z.number().int().min(1).max(1_000_000),
    maxCallbackDataBytes: z.number().int().min(1).max(4096),
    callbackTimeoutMs: millis,
    pollConflict: z.boolean(),
    requireStart: z.boolean(),
    checkEntities: z.boolean(),
    rejectUnmodifiedEdits: z.boolean(),
    memberListRequiresAdmin: z.boolean(),
    privacyMode: z.boolean(),
    webhookRetryMs: millis,
    webhookTimeoutMs: z.number().int().min(1).max(3_600_000),
  })
  .partial()
  .strict();

/**
 * Merge a patch over `base`.
 * @throws Error with a readable message when the patch is not a valid partial {@link SandboxLimits}.
 */
export function mergeLimits(base: SandboxLimits, patch: unknown): SandboxLimits {
  const parsed = sandboxLimitsPatchSchema.safeParse(patch ?? {});
  if (!parsed.success) throw new Error(`invalid limits: ${z.prettifyError(parsed.error)}`);
  const clean = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...base, ...clean };
}
