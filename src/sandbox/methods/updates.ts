/**
 * Getting updates: getUpdates (long polling), setWebhook, deleteWebhook, getWebhookInfo.
 * https://core.telegram.org/bots/api#getting-updates
 */
import type { Update, WebhookInfo } from '@telegraf/types';
import { BotApiError, badRequest, TG } from '../errors.ts';
import type { HeldPoll, UpdateQueue } from '../updates.ts';
import type { CallerWatcher, MethodContext, MethodHandler } from './context.ts';

/** Longest long poll the sandbox holds, in seconds (Telegram accepts large values; 50 is typical). */
const MAX_TIMEOUT_S = 600;

/** Read allowed_updates: undefined when absent (keep the setting), else a list of names. */
function allowedUpdates(ctx: MethodContext): string[] | undefined {
  const raw = ctx.params.json('allowed_updates');
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') return [raw];
  if (!Array.isArray(raw)) throw badRequest(TG.badJson('allowed_updates'));
  return raw.filter((x): x is string => typeof x === 'string');
}

/**
 * One held getUpdates: answered by the first of new updates (wake), a newer call or setWebhook or a
 * revoked token (terminate), its timeout, or its client going away (callerGone). One object, one timer
 * and one promise per held poll; no closures of its own beyond the promise's executor.
 */
class LongPoll implements HeldPoll, CallerWatcher {
  readonly #queue: UpdateQueue;
  readonly #limit: number;
  readonly #resolve: (updates: Update[]) => void;
  readonly #reject: (err: BotApiError) => void;
  readonly #timer: NodeJS.Timeout;
  #done = false;

  constructor(
    queue: UpdateQueue,
    limit: number,
    timeoutMs: number,
    resolve: (updates: Update[]) => void,
    reject: (err: BotApiError) => void,
  ) {
    this.#queue = queue;
    this.#limit = limit;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(expire, timeoutMs, this);
  }

  wake(): void {
    if (this.#finish()) this.#resolve(this.#queue.peek(this.#limit));
  }

  terminate(error: BotApiError | null): void {
    if (!this.#finish()) return;
    if (error) this.#reject(error);
    else this.#resolve([]);
  }

  callerGone(): void {
    if (this.#finish()) this.#resolve([]);
  }

  /** Mark answered and let go of the queue and the timer; false when already answered. */
  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#queue.release(this);
    return true;
  }
}

/** The timeout of a held poll: answer with whatever is pending (nothing, normally). */
function expire(poll: LongPoll): void {
  poll.wake();
}

/**
 * getUpdates: confirm `offset`, then answer at once when updates are pending or `timeout` is 0, else
 * hold the request up to `timeout` seconds. A newer call terminates a held one with 409; a client that
 * goes away releases its hold at once. `limit` is clamped to 1-100 (default 100).
 * @throws BotApiError 409 while a webhook is set.
 */
function getUpdates(ctx: MethodContext): Update[] | Promise<Update[]> {
  const { bot, params, state } = ctx;
  if (bot.webhook) throw new BotApiError(409, TG.conflictWebhook);
  const queue = bot.queue;
  queue.setAllowed(allowedUpdates(ctx));
  const offset = params.int('offset') ?? 0;
  const limit = Math.min(100, Math.max(1, params.int('limit') ?? 100));
  const timeout = Math.min(MAX_TIMEOUT_S, Math.max(0, params.int('timeout') ?? 0));
  if (queue.held) queue.pollConflicts++;
  if (queue.held)
    queue.terminateHeld(state.limits.pollConflict ? new BotApiError(409, TG.conflictPoll) : null);
  queue.confirm(offset);
  const ready = queue.peek(limit);
  if (ready.length > 0 || timeout === 0 || ctx.caller.gone) return ready;
  return new Promise<Update[]>((resolve, reject) => {
    const poll = new LongPoll(queue, limit, timeout * 1000, resolve, reject);
    queue.hold(poll);
    ctx.caller.watch(poll);
  });
}

/**
 * setWebhook: an empty url removes the webhook (like deleteWebhook). The sandbox accepts http:// as well
 * as https:// URLs. A held getUpdates is terminated with 409 `terminated by setWebhook request`.
 * @throws BotApiError 400 for a URL that is not http(s) or a secret token outside 1-256 of [A-Za-z0-9_-].
 */
function setWebhook(ctx: MethodContext): true {
  const { bot, params } = ctx;
  const url = (params.string('url') ?? '').trim();
  const dropPending = params.bool('drop_pending_updates') ?? false;
  const allowed = allowedUpdates(ctx);
  if (url === '') return deleteWebhook(ctx);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(TG.badWebhookUrl);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest(TG.badWebhookUrl);
  const secret = params.string('secret_token');
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest(TG.badSecretToken);
  const maxConnections = Math.min(100, Math.max(1, params.int('max_connections') ?? 40));
  if (bot.queue.held) bot.queue.terminateHeld(new BotApiError(409, TG.conflictSetWebhook));
  bot.queue.setAllowed(allowed);
  if (dropPending) bot.queue.clear();
  ctx.webhooks.stop(bot);
  bot.webhook = { url, maxConnections };
  if (secret !== undefined) bot.webhook.secretToken = secret;
  const ip = params.string('ip_address');
  if (ip !== undefined) bot.webhook.ipAddress = ip;
  ctx.webhooks.kick(bot);
  return true;
}

/** deleteWebhook: remove the webhook; `drop_pending_updates` forgets every pending update. */
function deleteWebhook(ctx: MethodContext): true {
  const { bot, params } = ctx;
  if (params.bool('drop_pending_updates')) bot.queue.clear();
  ctx.webhooks.stop(bot);
  bot.webhook = null;
  return true;
}

/** getWebhookInfo: url is "" when none is set, as Telegram answers. */
function getWebhookInfo(ctx: MethodContext): WebhookInfo {
  const { bot } = ctx;
  const hook = bot.webhook;
  const info: WebhookInfo = {
    url: hook?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: bot.queue.pendingCount,
  };
  if (hook) {
    info.max_connections = hook.maxConnections;
    if (hook.ipAddress !== undefined) info.ip_address = hook.ipAddress;
    if (hook.lastErrorDate !== undefined) info.last_error_date = hook.lastErrorDate;
    if (hook.lastErrorMessage !== undefined) info.last_error_message = hook.lastErrorMessage;
    const allowed = bot.queue.allowedUpdates;
    if (allowed) info.allowed_updates = allowed;
  }
  return info;
}

export const updateMethods: Record<string, MethodHandler> = {
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
};
