/**
 * One bot's update queue and its long poll, following the Bot API rules for getUpdates:
 * - update ids increase by one; `offset` confirms every update below it, a negative offset keeps only the
 *   last |offset| updates; https://core.telegram.org/bots/api#getupdates
 * - `allowed_updates` filters updates when they are created (not when fetched); an empty list means the
 *   default (everything except chat_member, message_reaction, message_reaction_count); omitted keeps the
 *   previous setting;
 * - at most one getUpdates is held per token: a newer one terminates the older one (409).
 */
import type { Update } from '@telegraf/types';
import type { BotApiError } from './errors.ts';

/** Every update kind the Bot API defines (Update fields other than update_id). */
export const UPDATE_TYPES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
] as const;

/** Kinds a bot does not receive unless it asks for them in allowed_updates. */
export const OPT_IN_UPDATE_TYPES: ReadonlySet<string> = new Set([
  'chat_member',
  'message_reaction',
  'message_reaction_count',
]);

/** An update before the queue numbers it. */
export type UpdatePayload = Update extends infer U
  ? U extends Update
    ? Omit<U, 'update_id'>
    : never
  : never;

const KNOWN_TYPES: ReadonlySet<string> = new Set(UPDATE_TYPES);

/** Whether `list` (as a client sent it) is exactly the setting in force (every poll repeats it). */
function sameList(list: readonly string[], current: readonly string[] | null): boolean {
  if (current === null || list.length !== current.length) return false;
  for (let i = 0; i < list.length; i++) if (list[i] !== current[i]) return false;
  return true;
}

/** A getUpdates request waiting for updates. */
export interface HeldPoll {
  /** New updates are queued: answer now. */
  wake(): void;
  /** Answer with an error (409 conflict, 401 revoked) or, when `error` is null, with no updates. */
  terminate(error: BotApiError | null): void;
}

/** Telegram keeps at most this many unconfirmed updates per bot here; older ones are dropped. */
const MAX_PENDING = 100_000;

export class UpdateQueue {
  #pending: Update[] = [];
  #nextId = 100_000_001;
  #allowed: ReadonlySet<string> | null = null;
  #allowedList: string[] | null = null;
  #held: HeldPoll | null = null;
  /** Called after an update is queued (the webhook deliverer listens here). */
  onPush: (() => void) | null = null;

  /**
   * getUpdates calls that found another one of the same token still held and ended it (Telegram answers
   * the older one 409): two pollers of one token. Counted for tests of several supervisor nodes.
   */
  pollConflicts = 0;

  /** Number of updates not yet confirmed. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** The last allowed_updates setting, or undefined for the default. */
  get allowedUpdates(): string[] | undefined {
    return this.#allowedList ?? undefined;
  }

  /** Apply an allowed_updates parameter: undefined keeps the setting, [] restores the default. */
  setAllowed(list: string[] | undefined): void {
    if (list === undefined || sameList(list, this.#allowedList)) return;
    const known = list.filter((t) => KNOWN_TYPES.has(t));
    this.#allowedList = known.length > 0 ? known : null;
    this.#allowed = known.length > 0 ? new Set(known) : null;
  }

  /** Whether an update of `type` would be queued under the current setting. */
  accepts(type: string): boolean {
    return this.#allowed ? this.#allowed.has(type) : !OPT_IN_UPDATE_TYPES.has(type);
  }

  /** Queue an update if its kind is allowed; returns it numbered, or null when filtered out. */
  push(payload: UpdatePayload): Update | null {
    const type = Object.keys(payload)[0] ?? '';
    if (!this.accepts(type)) return null;
    const update = { update_id: this.#nextId++, ...payload } as Update;
    this.#pending.push(update);
    if (this.#pending.length > MAX_PENDING) this.#pending.splice(0, this.#pending.length - MAX_PENDING);
    this.#held?.wake();
    this.onPush?.();
    return update;
  }

  /** Confirm updates: a positive offset drops ids below it; a negative one keeps the last |offset|. */
  confirm(offset: number): void {
    if (this.#pending.length === 0) return;
    if (offset > 0) {
      if ((this.#pending[0]?.update_id ?? offset) >= offset) return;
      const keepFrom = this.#pending.findIndex((u) => u.update_id >= offset);
      this.#pending = keepFrom === -1 ? [] : this.#pending.slice(keepFrom);
    } else if (offset < 0) {
      this.#pending = this.#pending.slice(Math.max(0, this.#pending.length + offset));
    }
  }

  /** The first `limit` unconfirmed updates (not removed). */
  peek(limit: number): Update[] {
    return this.#pending.slice(0, limit);
  }

  /** The oldest unconfirmed update, if any (webhook delivery). */
  first(): Update | undefined {
    return this.#pending[0];
  }

  /** Drop the oldest update once a webhook accepted it. */
  shift(): void {
    this.#pending.shift();
  }

  /** Forget every pending update (drop_pending_updates). */
  clear(): void {
    this.#pending = [];
  }

  /** The request currently held, if any. */
  get held(): HeldPoll | null {
    return this.#held;
  }

  /** Register `poll` as the held request; the caller must have terminated any older one first. */
  hold(poll: HeldPoll): void {
    this.#held = poll;
  }

  /** Forget `poll` if it is the held one (it answered or its client went away). */
  release(poll: HeldPoll): void {
    if (this.#held === poll) this.#held = null;
  }

  /** Answer the held request, if any, with `error` (or with no updates when null). */
  terminateHeld(error: BotApiError | null): void {
    const held = this.#held;
    this.#held = null;
    held?.terminate(error);
  }
}
