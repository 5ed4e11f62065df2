/**
 * The bot hosts at run time: which host processes exist, which bots each runs, and the IPC between them
 * and the supervisor. Lifecycle rules are in the host machine (machines/host.ts) and placement in
 * machines/placement.ts (`placeBot`); this module applies them:
 *
 * - `attach()` (called by a tenant's bot actor, hosted-bot.ts) places a bot: in a live host with room, or
 *   in a host it asks the supervisor machine to open (HOST.OPEN); the `start` waits in the host's queue
 *   until the host is ready. Every message of that bot is routed back to its listener only.
 * - The host machine's `hostProcess` actor (`hostProcessActor`) forks the process, relays its readiness,
 *   heartbeats and exit to the machine, and re-logs its output with the host's id.
 * - A host process that ends takes its bots with it: each of their listeners gets an exit, so exactly
 *   those tenant machines restart. Neighbours in other hosts hear nothing.
 * - Dedicated hosts (isolated bots, or botsPerHost 1) are closed when their bot exits; overflow shared
 *   hosts when they are empty; `spareHosts` idle dedicated hosts are kept started.
 * - A bot's KILL that its host has not confirmed within killGraceMs means the host's event loop is held:
 *   the host is killed (HOST.KILL), which ends all its bots.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fromCallback } from 'xstate';
import type { HostProcessCommand, HostProcessEvent, HostProcessInput } from '../../machines/host.ts';
import { type HostKind, type PlacementPolicy, placeBot, sharedHostCount } from '../../machines/placement.ts';
import type { FatalReason, PollError } from '../bot/ipc.ts';
import { type FromHost, fromHost, type ToHost } from '../host/ipc.ts';
import type { Logger } from '../log/logger.ts';
import { type ChildEntry, forkHost } from './host-entry.ts';

/** What a tenant's bot actor hears of its bot. */
export interface BotListener {
  onReady(pid: number, botUsername: string, at: number): void;
  onBeat(lastPollAt: number, pollError: PollError | undefined, at: number): void;
  /** Exactly once. `signal`: the host's, when the host process ended under the bot. */
  onExit(code: number | null, signal: string | null, fatal: FatalReason | undefined, at: number): void;
}

/** A placed bot, as its actor holds it. */
export interface BotHandle {
  readonly hostId: string;
  stop(): void;
  kill(): void;
  /** The actor is gone: kill the bot if it still runs, and forget it. */
  detach(): void;
}

/** A host as `/status` shows it. */
export interface HostStatus {
  hostId: string;
  kind: HostKind;
  state: 'starting' | 'up' | 'closing';
  pid: number | null;
  bots: number;
  loopDelayP99Ms: number | null;
  rssBytes: number | null;
  /** When the host last said it is alive (ready or heartbeat), epoch ms; null before it is ready. */
  lastHeartbeatAt: number | null;
}

type StartFields = Omit<
  Extract<ToHost, { type: 'start' }>,
  'type' | 'tenantId' | 'incarnation' | 'dedicated'
>;

interface PlacedBot {
  tenantId: string;
  incarnation: number;
  listener: BotListener;
  exited: boolean;
  killTimer?: NodeJS.Timeout;
  /** In a dedicated host: how the bot ended, reported once its host has exited too. */
  ended?: { code: number; fatal: FatalReason | undefined; at: number };
}

interface HostRecord {
  hostId: string;
  kind: HostKind;
  state: 'starting' | 'up' | 'closing';
  proc: ChildProcess | undefined;
  pid: number | null;
  /** Messages for the host before it is ready (starts, stops). */
  queue: ToHost[];
  bots: Map<string, PlacedBot>;
  /** A dedicated host no bot has used yet. */
  spare: boolean;
  loopDelayP99Ms: number | null;
  rssBytes: number | null;
  lastHeartbeatAt: number | null;
}

export interface HostPoolOptions {
  logger: Logger;
  entry: ChildEntry;
  policy: PlacementPolicy;
  /** The bot role's connection string for every host's pool; absent = bots only greet. */
  databaseUrl?: string;
  /** Milliseconds between host heartbeats (policy.hostHeartbeatMs unless tests shorten it). */
  heartbeatMs: number;
  /** Asks the supervisor machine to open, close or kill a host. */
  command(
    event:
      | { type: 'HOST.OPEN'; hostId: string; kind: HostKind }
      | { type: 'HOST.CLOSE' | 'HOST.KILL'; hostId: string; reason?: string },
  ): void;
}

export interface HostPool {
  /** Places one bot and sends its start; its events go to `listener`. */
  attach(
    bot: { tenantId: string; incarnation: number; isolated: boolean; start: StartFields },
    listener: BotListener,
  ): BotHandle;
  /** Relays a wake-up (new outbox rows, or stored updates) to the host running this tenant's bot. */
  wake(tenantId: string, what?: 'outbox' | 'updates'): void;
  /** Relays a wake-up of both kinds to every bot (NOTIFY was lost for a while). */
  wakeAll(): void;
  /** Until when (epoch ms) every host's bots may poll and send: the node's leases were renewed. */
  leaseValidUntil(until: number, lost?: readonly string[]): void;
  /** Whether a bot of this tenant is in a host now (started and not yet exited). */
  hasBot(tenantId: string): boolean;
  /** The host machine's process actor. */
  readonly hostProcessActor: ReturnType<typeof fromCallback<HostProcessCommand, HostProcessInput>>;
  hosts(): HostStatus[];
  /** The resolved number of shared hosts. */
  readonly sharedHosts: number;
  /** No new hosts or spares from now on (shutdown). */
  close(): void;
}

const keyOf = (tenantId: string, incarnation: number) => `${tenantId}:${incarnation}`;

function relayLines(stream: NodeJS.ReadableStream | null, logger: Logger): void {
  if (!stream) return;
  const lines = createInterface({ input: stream });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    try {
      const record = JSON.parse(line) as { level?: number; msg?: string } & Record<string, unknown>;
      const { level, msg, time: _t, proc: _p, pid, ...fields } = record;
      const l = level ?? 30;
      const method = l >= 50 ? 'error' : l >= 40 ? 'warn' : l >= 30 ? 'info' : 'debug';
      logger[method]({ ...fields, hostPid: pid }, msg ?? '');
    } catch {
      logger.warn(line);
    }
  });
}

/** Creates the pool. Hosts are opened on demand, and one spare once the first bot is placed. */
export function createHostPool(options: HostPoolOptions): HostPool {
  const { logger, policy } = options;
  const sharedHosts = sharedHostCount(policy, availableParallelism());
  const records = new Map<string, HostRecord>();
  /** The host of each tenant's current bot (for outbox wake-ups). */
  const hostOfTenant = new Map<string, HostRecord>();
  let nextId = 1;
  let closed = false;
  /** The latest lease validity, sent to every host (and to each new one after its init). */
  let validUntil = 0;

  const sendTo = (record: HostRecord, message: ToHost) => {
    if (record.state === 'starting' || !record.proc) {
      record.queue.push(message);
      return;
    }
    if (record.proc.connected) record.proc.send(message, () => undefined);
  };

  const open = (kind: HostKind, spare: boolean): HostRecord => {
    const hostId = String(nextId++);
    const record: HostRecord = {
      hostId,
      kind,
      state: 'starting',
      proc: undefined,
      pid: null,
      queue: [],
      bots: new Map(),
      spare,
      loopDelayP99Ms: null,
      rssBytes: null,
      lastHeartbeatAt: null,
    };
    records.set(hostId, record);
    options.command({ type: 'HOST.OPEN', hostId, kind });
    return record;
  };

  const spares = () => [...records.values()].filter((r) => r.spare && r.state !== 'closing').length;
  const refillSpares = () => {
    if (closed) return;
    for (let n = spares(); n < policy.spareHosts; n++) open('dedicated', true);
  };

  /** A host with nothing to do that placement will not use again is asked to stop. */
  const retireIfIdle = (record: HostRecord) => {
    if (record.bots.size > 0 || record.state === 'closing' || record.spare) return;
    const shared = [...records.values()].filter((r) => r.kind === 'shared' && r.state !== 'closing');
    const overflow = record.kind === 'shared' && shared.length > sharedHosts;
    if (record.kind === 'dedicated' || overflow) {
      record.state = 'closing';
      options.command({ type: 'HOST.CLOSE', hostId: record.hostId });
    }
  };

  const botExited = (
    record: HostRecord,
    bot: PlacedBot,
    code: number | null,
    signal: string | null,
    fatal: FatalReason | undefined,
    at: number,
  ) => {
    if (bot.exited) return;
    bot.exited = true;
    clearTimeout(bot.killTimer);
    record.bots.delete(keyOf(bot.tenantId, bot.incarnation));
    if (hostOfTenant.get(bot.tenantId) === record) hostOfTenant.delete(bot.tenantId);
    bot.listener.onExit(code, signal, fatal, at);
    retireIfIdle(record);
  };

  const route = (record: HostRecord, message: FromHost) => {
    if (message.type === 'host-ready' || message.type === 'heartbeat') return;
    const bot = record.bots.get(keyOf(message.tenantId, message.incarnation));
    if (!bot) return;
    if (message.type === 'bot-ready') bot.listener.onReady(record.pid ?? 0, message.botUsername, message.at);
    else if (message.type === 'bot-exit' && record.kind === 'dedicated') {
      // A process per bot: the bot has ended once its process has ("stopped" = no process left).
      bot.ended = { code: message.code, fatal: message.fatal, at: message.at };
      if (record.state !== 'closing') {
        record.state = 'closing';
        options.command({ type: 'HOST.CLOSE', hostId: record.hostId });
      }
    } else if (message.type === 'bot-exit')
      botExited(record, bot, message.code, null, message.fatal, message.at);
  };

  const hostProcessActor = fromCallback<HostProcessCommand, HostProcessInput>(
    ({ input, sendBack, receive }) => {
      const record = records.get(input.hostId);
      const log = logger.child({ host: input.hostId });
      const emit = (event: HostProcessEvent) => sendBack(event);
      let exited = false;
      const reportExit = (code: number | null, signal: string | null) => {
        if (exited) return;
        exited = true;
        if (record) {
          records.delete(record.hostId);
          const description = `its bot host (pid ${record.pid ?? '?'}) ended: ${signal ? `signal ${signal}` : `exit code ${code}`}`;
          for (const bot of [...record.bots.values()]) {
            if (bot.ended) botExited(record, bot, bot.ended.code, null, bot.ended.fatal, Date.now());
            else
              botExited(record, bot, code, signal ?? 'SIGKILL', { kind: 'other', description }, Date.now());
          }
          if (record.spare || record.kind === 'dedicated') refillSpares();
        }
        emit({ type: 'HOST.EXIT', code, signal, at: Date.now() });
      };
      if (!record) {
        queueMicrotask(() => reportExit(null, null));
        return () => {};
      }
      let proc: ChildProcess;
      try {
        proc = forkHost(options.entry);
      } catch (err) {
        log.error({ err }, 'could not start a bot host');
        queueMicrotask(() => reportExit(null, null));
        return () => {};
      }
      record.proc = proc;
      record.pid = proc.pid ?? null;
      relayLines(proc.stdout, log);
      relayLines(proc.stderr, log);
      proc.on('message', (raw: unknown) => {
        const parsed = fromHost.safeParse(raw);
        if (!parsed.success) {
          log.warn('ignored an invalid message from a bot host');
          return;
        }
        const message = parsed.data;
        if (message.type === 'host-ready') {
          if (record.state === 'starting') record.state = 'up';
          record.lastHeartbeatAt = message.at;
          for (const queued of record.queue.splice(0)) if (proc.connected) proc.send(queued, () => undefined);
          emit({ type: 'HOST.READY', pid: proc.pid ?? 0, at: message.at });
          return;
        }
        if (message.type === 'heartbeat') {
          record.loopDelayP99Ms = message.loopDelayP99Ms;
          record.rssBytes = message.rssBytes;
          record.lastHeartbeatAt = message.at;
          emit({ type: 'HOST.HEARTBEAT', at: message.at });
          for (const beat of message.bots) {
            const bot = record.bots.get(keyOf(beat.tenantId, beat.incarnation));
            bot?.listener.onBeat(beat.lastPollAt, beat.pollError, message.at);
          }
          return;
        }
        route(record, message);
      });
      proc.on('error', (err) => {
        log.warn({ err }, 'bot host error');
        if (proc.pid === undefined) reportExit(null, null);
      });
      proc.on('exit', (code, signal) => reportExit(code, signal));
      proc.send(
        {
          type: 'init',
          hostId: input.hostId,
          ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
          poolMax: policy.poolMax,
          heartbeatMs: options.heartbeatMs,
          blockedLoopMs: input.kind === 'shared' ? policy.blockedLoopMs : 0,
          memoryBudgetMb: input.kind === 'shared' ? policy.memoryBudgetMb : 0,
        } satisfies ToHost,
        () => undefined,
      );
      proc.send({ type: 'lease', validUntil } satisfies ToHost, () => undefined);
      receive((command) => {
        if (exited) return;
        if (command.type === 'STOP') {
          if (proc.connected) proc.send({ type: 'shutdown' } satisfies ToHost, () => undefined);
          else proc.kill('SIGTERM');
        } else {
          proc.kill('SIGKILL');
        }
      });
      return () => {
        if (!exited && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      };
    },
  );

  return {
    sharedHosts,
    hostProcessActor,
    attach(bot, listener) {
      const live = [...records.values()].filter((r) => r.state !== 'closing');
      const choice = placeBot(
        live.map((r) => ({ hostId: r.hostId, kind: r.kind, bots: r.bots.size, spare: r.spare })),
        { isolated: bot.isolated },
        { botsPerHost: policy.botsPerHost, sharedHosts },
      );
      const record = 'use' in choice ? (records.get(choice.use) as HostRecord) : open(choice.open, false);
      const dedicated = record.kind === 'dedicated';
      if (record.spare) {
        record.spare = false;
        setTimeout(refillSpares, 300).unref();
      }
      const placed: PlacedBot = {
        tenantId: bot.tenantId,
        incarnation: bot.incarnation,
        listener,
        exited: false,
      };
      record.bots.set(keyOf(bot.tenantId, bot.incarnation), placed);
      hostOfTenant.set(bot.tenantId, record);
      sendTo(record, {
        type: 'start',
        tenantId: bot.tenantId,
        incarnation: bot.incarnation,
        dedicated,
        ...bot.start,
      });
      if (!closed && policy.spareHosts > 0 && (dedicated || policy.botsPerHost === 1))
        setTimeout(refillSpares, 300).unref();
      const key = { tenantId: bot.tenantId, incarnation: bot.incarnation };
      return {
        hostId: record.hostId,
        stop() {
          if (!placed.exited) sendTo(record, { type: 'stop', ...key });
        },
        kill() {
          if (placed.exited || placed.killTimer) return;
          if (dedicated) {
            // Alone in its process: SIGKILL the process, as with a process per bot.
            options.command({ type: 'HOST.KILL', hostId: record.hostId, reason: 'its bot was killed' });
            return;
          }
          sendTo(record, { type: 'kill', ...key });
          placed.killTimer = setTimeout(() => {
            if (placed.exited) return;
            logger.warn(
              { host: record.hostId, tenant: bot.tenantId },
              'a bot host did not stop a bot it was told to kill; killing the host',
            );
            options.command({
              type: 'HOST.KILL',
              hostId: record.hostId,
              reason: `did not stop the bot of tenant ${bot.tenantId} within ${policy.killGraceMs} ms`,
            });
          }, policy.killGraceMs);
          placed.killTimer.unref();
        },
        detach() {
          if (placed.exited) return;
          sendTo(record, { type: 'kill', ...key });
          placed.exited = true;
          clearTimeout(placed.killTimer);
          record.bots.delete(keyOf(bot.tenantId, bot.incarnation));
          if (hostOfTenant.get(bot.tenantId) === record) hostOfTenant.delete(bot.tenantId);
          retireIfIdle(record);
        },
      };
    },
    wake(tenantId, what = 'outbox') {
      const record = hostOfTenant.get(tenantId);
      if (record) sendTo(record, { type: 'wake', tenantId, what });
    },
    hasBot(tenantId) {
      for (const record of records.values())
        for (const bot of record.bots.values()) if (bot.tenantId === tenantId) return true;
      return false;
    },
    leaseValidUntil(until, lost = []) {
      validUntil = until;
      for (const record of records.values())
        sendTo(record, { type: 'lease', validUntil: until, ...(lost.length > 0 ? { lost: [...lost] } : {}) });
    },
    wakeAll() {
      for (const record of records.values())
        for (const bot of record.bots.values()) {
          sendTo(record, { type: 'wake', tenantId: bot.tenantId, what: 'outbox' });
          sendTo(record, { type: 'wake', tenantId: bot.tenantId, what: 'updates' });
        }
    },
    hosts() {
      return [...records.values()].map((r) => ({
        hostId: r.hostId,
        kind: r.kind,
        state: r.state,
        pid: r.pid,
        bots: r.bots.size,
        loopDelayP99Ms: r.loopDelayP99Ms,
        rssBytes: r.rssBytes,
        lastHeartbeatAt: r.lastHeartbeatAt,
      }));
    },
    close() {
      closed = true;
    },
  };
}
