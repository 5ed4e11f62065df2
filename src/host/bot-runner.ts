/**
 * One tenant's bot inside a bot host: the Telegraf adapter, the update handlers, the outbox worker and the
 * post count updater, over the host's shared database pool. What a bot process did alone before bot hosts,
 * as an object a host runs by the hundred.
 *
 * Life: `run()` → getMe (retried while Telegram is unreachable) → long polling → `onReady` after the first
 * successful getUpdates → outbox and counts start. It ends in one of three ways, each reported once
 * through `onExit`:
 * - `stop()`: polling stops and the offset is confirmed (F5), joins answered "checking" finish, the send in
 *   flight is recorded; code 0. Bounded by `stopDeadlineMs`, after which it is abandoned like a kill;
 * - `kill()`: polling is aborted at once; the outbox finishes its send in flight in the background and a
 *   later runner of the same tenant in this host waits for it (`outboxDone`) before it sends, so no message
 *   goes twice; code 0;
 * - on its own: 401 (F3), 409 (F1) or another fatal polling error (F2), or `fail()` (an uncaught error of
 *   this bot, or its host quarantining it); code from EXIT_CODES, with the reason.
 *
 * With a lease (the start message's `lease`, several supervisor nodes): every long poll waits while the
 * host's lease gate is closed, and first records the offset it confirms under the lease's epoch; the
 * database refuses that record once another node has the bot, and the poll then waits for the
 * supervisor, which stops this bot. Polling resumes at the offset the previous owner recorded. The
 * outbox claims and records under the same epoch (src/bot/outbox-worker.ts).
 */

import { CountSync } from '../bot/count-sync.ts';
import { type Handlers, registerHandlers } from '../bot/handlers.ts';
import { EXIT_CODES, type FatalReason, type PollError } from '../bot/ipc.ts';
import { type LeaseFence, LeaseGate, mayWork } from '../bot/lease-gate.ts';
import { OutboxWorker } from '../bot/outbox-worker.ts';
import { classifyError, type PollFence, TelegramAdapter } from '../bot/telegram.ts';
import { leaseRepository } from '../db/repositories/leases.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import type { ParsedToHost } from './ipc.ts';
import type { PumpHandle, UpdatePump } from './update-pump.ts';

export type StartMessage = Extract<ParsedToHost, { type: 'start' }>;

/**
 * The outbox's fallback poll in a host (ms). Wake-ups come from NOTIFY (relayed by the supervisor) and from
 * the bot's own enqueues; a poll per bot every few seconds would cost thousands of idle queries a minute.
 */
export const HOSTED_OUTBOX_POLL_MS = 300_000;

/**
 * Middleware installed on every bot before its handlers, by tenant name: a seam for tests (a fixture host
 * makes one tenant's handlers throw or block, test/fixtures/faulty-host.ts). Empty in the product.
 */
export const botRunnerHooks: Array<(bot: TelegramAdapter['bot'], tenantName: string) => void> = [];

export interface BotRunnerOptions {
  start: StartMessage;
  /** The host's pool; undefined = the bot only greets (supervision tests). */
  sql: Sql | undefined;
  logger: Logger;
  /** Resolves when a previous runner of this tenant in this host has finished its last send. */
  previousOutbox?: Promise<void>;
  /** The host's lease gate (until when its bots may poll and send); default always open. */
  gate?: LeaseGate;
  /** The host's reader of stored webhook updates; absent = none are read (no database). */
  pump?: UpdatePump;
  onReady(botId: number, botUsername: string): void;
  onExit(code: number, fatal: FatalReason | undefined): void;
}

function exitCodeFor(reason: FatalReason): number {
  if (reason.kind === 'unauthorized') return EXIT_CODES.unauthorized;
  if (reason.kind === 'conflict') return EXIT_CODES.conflict;
  return EXIT_CODES.crashed;
}

export class BotRunner {
  readonly tenantId: string;
  readonly incarnation: number;
  /** Updates whose handlers have not finished yet, and updates seen since the last heartbeat. */
  inFlight = 0;
  recentUpdates = 0;
  private readonly adapter: TelegramAdapter;
  private readonly log: Logger;
  private readonly fence: LeaseFence | undefined;
  private readonly lostController = new AbortController();
  private outbox: OutboxWorker | undefined;
  private inbox: PumpHandle | undefined;
  private botId = 0;
  /** Webhook mode: resolves when the bot is stopped, killed or failed (there is no polling to end). */
  private endedSignal = new AbortController();
  private counts: CountSync | undefined;
  private handlers: Handlers | undefined;
  private ended = false;
  private stopping: Promise<void> | undefined;
  /** Resolves when this runner's outbox has ended (its last send recorded). */
  outboxDone: Promise<void> = Promise.resolve();

  constructor(private readonly options: BotRunnerOptions) {
    const { start } = options;
    this.tenantId = start.tenantId;
    this.incarnation = start.incarnation;
    this.log = options.logger.child({ tenant: start.tenantId });
    const tenantId = Number(start.tenantId);
    this.fence =
      start.lease && Number.isSafeInteger(tenantId)
        ? {
            tenantId,
            epoch: start.lease.epoch,
            pollOffset: start.lease.pollOffset,
            gate: options.gate ?? new LeaseGate(Number.POSITIVE_INFINITY),
            lost: false,
            lostSignal: this.lostController.signal,
          }
        : undefined;
    this.adapter = new TelegramAdapter({
      token: start.token,
      apiRoot: start.apiRoot,
      ...(this.fence ? { pollFence: this.pollFence(this.fence) } : {}),
    });
  }

  /**
   * The fence of every long poll (see the module comment). The offset is recorded beside the poll, not
   * before it: a database that is slow or away must not hold up the updates (presses are answered "try
   * again" meanwhile). A record the database refused stops the next poll until the supervisor renews its
   * leases (and stops this bot if another node has it).
   */
  private pollFence(fence: LeaseFence): PollFence {
    let recorded = fence.pollOffset ?? 0;
    let refused = false;
    let first = true;
    const record = (offset: number) => {
      const { sql } = this.options;
      if (!sql) return;
      recorded = offset;
      leaseRepository.recordPollOffset(sql, fence, offset).then(
        (current) => {
          if (!current) refused = true;
        },
        // The database does not answer: the gate is the fence until it does.
        () => undefined,
      );
    };
    return {
      stopsOn: () =>
        fence.lostSignal ? AbortSignal.any([fence.gate.closesOn(), fence.lostSignal]) : fence.gate.closesOn(),
      mayWork: () => mayWork(fence),
      beforePoll: async (offset, signal) => {
        let next = offset;
        if (first && fence.pollOffset !== null && (next ?? 0) < fence.pollOffset) next = fence.pollOffset;
        first = false;
        while (!signal.aborted && (refused || !mayWork(fence))) {
          if (refused || fence.lost) {
            this.log.warn(
              { event: 'lease-not-current' },
              "this bot's lease is not the live one; polling waits for the supervisor",
            );
            await fence.gate.nextExtension(signal);
            refused = false;
            recorded = 0;
          } else {
            this.log.warn(
              { event: 'lease-gate-closed' },
              "polling and sending wait: the supervisor has not renewed this node's bot leases",
            );
            await fence.gate.whenOpen(signal);
          }
        }
        if (next !== undefined && next > recorded) record(next);
        return next;
      },
    };
  }

  /** Webhook mode (the start message's `updates`). */
  private get webhook() {
    const { updates } = this.options.start;
    return updates.mode === 'webhook' ? updates : undefined;
  }

  /**
   * When its last getUpdates completed (epoch ms), and whether polling is failing; in webhook mode, when
   * its stored updates were last read (now while none wait), and whether the database fails those reads.
   */
  get lastPollAt(): number {
    if (this.webhook) return this.inbox?.progressAt() ?? this.adapter.lastPollAt;
    return this.adapter.lastPollAt;
  }
  get pollFailure(): PollError | null {
    if (this.webhook) return this.inbox?.failure() ?? null;
    return this.adapter.pollFailure;
  }

  /** How long a graceful stop may take before it is abandoned (ms, the start message's). */
  get stopDeadlineMs(): number {
    return this.options.start.stopDeadlineMs;
  }

  /** Runs the bot until it ends; never rejects (a failure ends it with a reason). */
  async run(): Promise<void> {
    try {
      await this.runInner();
    } catch (err) {
      this.fail(classifyError(err));
    }
  }

  private async runInner(): Promise<void> {
    const { start, sql } = this.options;
    const tenantId = Number(start.tenantId);
    const lottery = sql && Number.isSafeInteger(tenantId) ? { sql, tenantId } : undefined;
    const { bot } = this.adapter;
    bot.use(async (_ctx, next) => {
      this.inFlight++;
      this.recentUpdates++;
      try {
        await next();
      } finally {
        this.inFlight--;
      }
    });
    if (lottery) {
      this.outbox = new OutboxWorker({
        sql: lottery.sql,
        tenantId,
        api: this.adapter.api,
        pacing: { sendsPerSecond: start.sendsPerSecond, sendsPerChatPerMinute: start.sendsPerChatPerMinute },
        logger: this.log,
        pollMs: HOSTED_OUTBOX_POLL_MS,
        ...(this.fence ? { fence: this.fence } : {}),
      });
      this.counts = new CountSync({
        sql: lottery.sql,
        tenantId,
        intervalMs: start.countEditIntervalMs,
        logger: this.log,
        onQueued: () => this.outbox?.wake(),
      });
    }
    for (const hook of botRunnerHooks) hook(bot, start.tenantName);
    this.handlers = registerHandlers(this.adapter, {
      tenantName: start.tenantName,
      logger: this.log,
      lottery: lottery && {
        ...lottery,
        wakeOutbox: () => this.outbox?.wake(),
        entriesChanged: () => this.counts?.markDirty(),
      },
    });
    let me: Awaited<ReturnType<TelegramAdapter['getMe']>>;
    try {
      me = await this.adapter.getMe((err, waitMs) =>
        this.log.warn({ err }, `Telegram cannot be reached (getMe); retrying in ${waitMs / 1000} s`),
      );
    } catch (err) {
      if (!this.stopping) this.fail(classifyError(err));
      return;
    }
    if (this.stopping || this.ended) return;
    this.botId = me.id;
    const webhook = this.webhook;
    if (webhook) {
      await this.receiveByWebhook(webhook, me.username);
      return;
    }
    const { ready, done } = this.adapter.startPolling();
    ready.then(async () => {
      if (this.stopping || this.ended) return;
      this.log.info(`polling as @${me.username}`);
      this.options.onReady(me.id, me.username);
      // A runner of this tenant killed just before may still be recording its last send.
      await this.options.previousOutbox;
      if (this.stopping || this.ended) return;
      // What the web stored before the bot went back to polling is handled too.
      this.startInbox();
      this.outbox?.start();
      this.counts?.start();
    });
    const outcome = await done;
    if (outcome.kind === 'failed' && !this.stopping) this.fail(outcome.reason);
  }

  /**
   * Webhook mode: setWebhook (retried while Telegram cannot be reached), then ready; the updates come from
   * the database (the web stored them). Resolves when the bot ends. A refused setWebhook ends the bot.
   */
  private async receiveByWebhook(
    webhook: { url: string; secretToken: string; maxConnections: number },
    username: string,
  ): Promise<void> {
    try {
      await this.adapter.setWebhook(webhook, (err, waitMs) =>
        this.log.warn({ err }, `Telegram cannot be reached (setWebhook); retrying in ${waitMs / 1000} s`),
      );
    } catch (err) {
      if (!this.stopping) this.fail(classifyError(err));
      return;
    }
    if (this.stopping || this.ended) return;
    this.log.info(`receiving updates by webhook as @${username}`);
    this.options.onReady(Number(this.adapter.bot.botInfo?.id ?? 0), username);
    await this.options.previousOutbox;
    if (this.stopping || this.ended) return;
    this.startInbox();
    this.outbox?.start();
    this.counts?.start();
    await this.watchWebhook(webhook);
  }

  /**
   * Webhook mode has no getUpdates to tell that the token was revoked (401) or that someone else set the
   * bot's webhook: every `webhookCheckMs` (with up to 10 % jitter) getWebhookInfo says. 401 ends the bot
   * as polling's 401 does (F3); a webhook that is not ours any more is set again, with a warning.
   * Resolves when the bot ends.
   */
  private async watchWebhook(webhook: {
    url: string;
    secretToken: string;
    maxConnections: number;
  }): Promise<void> {
    const signal = this.endedSignal.signal;
    const everyMs = this.options.start.webhookCheckMs;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs * (1 + Math.random() * 0.1));
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (signal.aborted || this.stopping) return;
      if (this.fence && !mayWork(this.fence)) continue;
      try {
        const info = await this.adapter.api.call<{ url?: string }>('getWebhookInfo', {}, { signal });
        if (signal.aborted || this.stopping) return;
        if (info.url !== webhook.url) {
          this.log.warn(
            { event: 'webhook-changed' },
            `the bot's webhook was ${info.url ? 'changed elsewhere' : 'deleted elsewhere'}; it is set again`,
          );
          await this.adapter.setWebhook(webhook);
        }
      } catch (err) {
        if (signal.aborted || this.stopping) return;
        const reason = classifyError(err);
        if (reason.kind === 'unauthorized') {
          this.fail(reason);
          return;
        }
        // Telegram unreachable, or a refusal that is not about the token: the next check tells.
      }
    }
  }

  /** The stored updates of this bot, read by the host's pump from now on. */
  private startInbox(): void {
    const { pump } = this.options;
    if (!pump || this.inbox || this.stopping || this.ended) return;
    const { bot } = this.adapter;
    this.inbox = pump.add(`${this.tenantId}:${this.incarnation}`, {
      tenantId: Number(this.tenantId),
      botId: this.botId,
      ...(this.fence ? { fence: this.fence } : {}),
      logger: this.log,
      deliver: async (updates) => {
        await Promise.all(
          updates.map((u) =>
            bot
              .handleUpdate(u.body as never)
              .catch((err: unknown) =>
                this.log.error({ err, updateId: u.updateId }, 'handling a stored update failed'),
              ),
          ),
        );
        // Presses are answered beside their handler: the batch is marked once they are.
        await this.handlers?.pressesAnswered().catch(() => undefined);
      },
    });
  }

  /** Another node has this bot now: poll and send nothing more until stopped. */
  leaseLost(): void {
    if (this.fence && !this.fence.lost) {
      this.fence.lost = true;
      this.lostController.abort();
      this.log.warn({ event: 'lease-lost' }, 'another node has this bot now; it waits to be stopped');
    }
  }

  /** New rows are waiting in the outbox (stored updates wake the host's pump instead). */
  wake(): void {
    this.outbox?.wake();
  }

  /**
   * Graceful stop (see the module comment); resolves when it has ended and reported. Idempotent.
   * @param deadlineMs abandon whatever still runs after this long, default the start message's stopDeadlineMs
   */
  stop(deadlineMs = this.options.start.stopDeadlineMs): Promise<void> {
    this.stopping ??= (async () => {
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
      await Promise.race([this.graceful(), deadline]);
      this.end(EXIT_CODES.stopped, undefined);
    })();
    return this.stopping;
  }

  private async graceful(): Promise<void> {
    await this.adapter.stop();
    await this.inbox?.remove();
    await this.handlers?.settled();
    await this.counts?.stop();
    this.outboxDone = this.outbox ? this.outbox.stop().catch(() => {}) : Promise.resolve();
    await this.outboxDone;
  }

  /** Stop at once: polling aborted now, the outbox's send in flight finishes in the background. */
  kill(): void {
    if (this.ended) return;
    this.stopping ??= Promise.resolve();
    void this.adapter.stop().catch(() => {});
    this.inbox?.drop();
    void this.counts?.stop().catch(() => {});
    this.outboxDone = this.outbox ? this.outbox.stop().catch(() => {}) : Promise.resolve();
    this.end(EXIT_CODES.stopped, undefined);
  }

  /** Ends the bot for `reason` (its own error, or its host's quarantine): polling aborted, reported. */
  fail(reason: FatalReason): void {
    if (this.ended) return;
    this.log.error(
      { reason },
      `bot giving up: ${reason.errorCode ?? ''} ${reason.description ?? reason.kind}`.replace('  ', ' '),
    );
    this.stopping ??= Promise.resolve();
    void this.adapter.stop().catch(() => {});
    this.inbox?.drop();
    void this.counts?.stop().catch(() => {});
    this.outboxDone = this.outbox ? this.outbox.stop().catch(() => {}) : Promise.resolve();
    this.end(exitCodeFor(reason), reason);
  }

  private end(code: number, fatal: FatalReason | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.endedSignal.abort();
    this.options.onExit(code, fatal);
  }
}
