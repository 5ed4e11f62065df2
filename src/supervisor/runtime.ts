/**
 * The supervisor at run time: the root actor (machines/supervisor.ts) with the tenant machines
 * (machines/tenant.ts) given their real effects — bot processes, status, log lines — and fed by the
 * config source (poll + NOTIFY). Pure machines, effects injected here with `.provide()`.
 *
 * Data flow: config source → `CONFIG.SNAPSHOT` (usable configs with their restart requests, and configs
 * that can never start) → supervisor reconciles → tenant machines → bot processes; tenant `reportStatus` →
 * status store → `bot_status` table and `GET /status`. Every status comes from a machine: this file
 * decides nothing about restarts or unusable configs, it only translates.
 *
 * Several nodes: the config snapshot is narrowed to the tenants whose lease this node holds (leases.ts)
 * before the machines see it, so a bot whose lease moves to another node leaves this node's snapshot and
 * its machine stops it, and a lease taken starts one; the lease's epoch is part of the config hash, so a
 * bot whose lease was lost and taken again restarts with the new epoch.
 */

import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { type Actor, createActor, toPromise } from 'xstate';
import { type HostLogParams, type HostReport, hostMachine } from '../../machines/host.ts';
import { type PlacementPolicy, resolvePlacementPolicy, sharedHostCount } from '../../machines/placement.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../../machines/policy.ts';
import {
  type SupervisorEvent,
  type SupervisorLogParams,
  supervisorMachine,
} from '../../machines/supervisor.ts';
import { type StatusReport, type TenantLogParams, tenantMachine } from '../../machines/tenant.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';
import type { TokenCipher } from '../security/token-cipher.ts';
import {
  type ActiveConfig,
  type ConfigSnapshot,
  type ConfigSource,
  startConfigSource,
  type UnusableConfig,
} from './config-source.ts';
import { type ChildEntry, prepareHostEntry } from './host-entry.ts';
import { type BotSettings, createHostedBotActor } from './hosted-bot.ts';
import { createHostPool, type HostPool, type HostStatus } from './hosts.ts';
import { type LeaseKeeper, type LeaseKeeperView, type OwnedLease, startLeaseKeeper } from './leases.ts';
import { tenantLogLine } from './log-lines.ts';
import { startStatusMirror } from './status-mirror.ts';
import { createStatusStore, type StatusStore } from './status-store.ts';
import { createSummary } from './summary.ts';
import { createWebhooks, type WebhookSettings } from './webhooks.ts';

/** The status store records a bot's heartbeat at most this often (ms); the machine still sees each one. */
export const HEARTBEAT_STATUS_INTERVAL_MS = 15_000;

/** What the organiser reads for a config that can never start (bot_status.detail). */
const UNUSABLE_DETAIL: Record<UnusableConfig['reason'], string> = {
  'token-unreadable': 'the stored token cannot be decrypted with this APP_SECRET; save the token again',
  'invalid-token': 'the stored token is not a bot token; save the token again',
  'token-conflict': 'this bot is configured for another tenant; give this tenant a bot of its own',
};

/**
 * The supervisor's CONFIG.SNAPSHOT for a read of the configs: tokens left out, each unusable config with the
 * sentence the organiser reads (UNUSABLE_DETAIL) and the problem for the log.
 */
export function toSnapshotEvent(
  snapshot: ConfigSnapshot,
): Extract<SupervisorEvent, { type: 'CONFIG.SNAPSHOT' }> {
  return {
    type: 'CONFIG.SNAPSHOT',
    configs: snapshot.active.map((c) => ({
      tenantId: c.tenantId,
      tenantName: c.tenantName,
      configHash: c.configHash,
      restartRequestedAt: c.restartRequestedAt,
    })),
    unusable: snapshot.unusable.map((u) => ({
      tenantId: u.tenantId,
      tenantName: u.tenantName,
      reason: u.reason,
      detail: UNUSABLE_DETAIL[u.reason],
      problem: u.problem,
    })),
    at: snapshot.at,
  };
}

export interface SupervisorOptions {
  logger: Logger;
  /** Connection string (for LISTEN). */
  databaseUrl: string;
  /** Connection string the bot processes get over IPC (the bot role), default `databaseUrl`. */
  botDatabaseUrl?: string;
  /** The platform's pool (the owner role): configs, statuses. */
  sql: Pick<Sql, 'query'>;
  cipher: TokenCipher;
  apiRoot: string;
  checkIntervalS: number;
  stopTimeoutMs: number;
  /** Where people configure a token, for the "no config yet" line. */
  adminUrl: string;
  /** Overrides of the restart policy (tests shorten the timers). */
  policy?: Partial<RestartPolicy>;
  /** Milliseconds between bot host heartbeats, default the placement policy's hostHeartbeatMs (2000). */
  heartbeatMs?: number;
  /** Overrides of the placement policy (machines/placement.ts): hosts, bots per host, quarantine. */
  placement?: Partial<PlacementPolicy>;
  /** React to NOTIFY, default true (false = polling alone, for benchmarks). */
  listen?: boolean;
  /** Give bot processes the database (entries, chats, outbox), default true. */
  lottery?: boolean;
  /** Outbox pacing and count edits for the bot processes. */
  botSettings?: BotSettings;
  /** Module run as a bot host, default src/host/main.ts (tests substitute misbehaving ones). */
  hostEntry?: ChildEntry;
  /** This node's name in the cluster (`NODE_NAME`), default the machine's host name. */
  nodeName?: string;
  /** Lease time of this node's bots (ms, `LEASE_TTL_S`), default 9000. */
  leaseTtlMs?: number;
  /**
   * No other supervisor node can reach this database (the embedded server): a database outage keeps the
   * bots running rather than stopping them for another node. Default false.
   */
  databaseAlone?: boolean;
  /** Webhook mode (`UPDATES=webhook`): where and how Telegram delivers; absent = long polling. */
  webhook?: WebhookSettings;
  /** Prune stored webhook updates every minute, default true. */
  pruneUpdates?: boolean;
  /** An XState inspector (`@statelyai/inspect`) to stream every actor's events to. */
  inspect?: Parameters<typeof createActor>[1] extends infer O
    ? O extends { inspect?: infer I }
      ? I
      : never
    : never;
}

export interface Supervisor {
  readonly store: StatusStore;
  readonly configSource: ConfigSource;
  /** Stop every bot (in parallel, SIGKILL after the stop timeout) and the config source. Idempotent. */
  shutdown(): Promise<void>;
  readonly shuttingDown: boolean;
  /** Resolves when every status change so far is written to `bot_status`. */
  flushStatus(): Promise<void>;
  /** The bot hosts now. */
  hosts(): HostStatus[];
  /** This node and the leases it holds. */
  node(): LeaseKeeperView;
}

/** A node id unique to this run: its name, its pid and a random part (a restarted node is a new one). */
export function newNodeId(name: string): string {
  return `${name.slice(0, 150)}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Start the supervisor; resolves once the first config read is under way. */
export async function startSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const store = createStatusStore();
  const nodeName = options.nodeName ?? hostname();
  const nodeId = newNodeId(nodeName);
  // Every line names its node, so the logs of several nodes can be read together.
  const logger = options.logger.child({ node: nodeId });
  const mirror = startStatusMirror({ store, sql: options.sql, logger, nodeId });
  const msg = logMessages().supervisor;
  let shuttingDown = false;
  /** The usable configs of the latest snapshot (all of them, owned here or not). */
  const configs = new Map<string, ActiveConfig>();
  let lastSnapshot: ConfigSnapshot | undefined;
  /** Tenants of the latest snapshot whose config can never start (their machines are stopped). */
  const unusableNow = new Set<string>();
  /** Bot usernames as the bot processes reported them at readiness (for log lines). */
  const usernames = new Map<string, string>();
  /** Heartbeats for the status store, collected over one host heartbeat message. */
  const pendingBeats: Array<{ tenantId: string; at: number; lastPollAt: number }> = [];
  /** The bot host each tenant's bot runs in (for the status). */
  const hostOf = new Map<string, string>();
  const placement = resolvePlacementPolicy({
    ...(options.heartbeatMs ? { hostHeartbeatMs: options.heartbeatMs } : {}),
    ...options.placement,
  });
  const policy: RestartPolicy = {
    ...DEFAULT_RESTART_POLICY,
    // With a process per bot there is no neighbour to move away from: a crash loop stops the bot.
    isolateOnCrashLoop: placement.botsPerHost > 1,
    ...options.policy,
    stopTimeoutMs: options.stopTimeoutMs,
  };
  const heartbeatMs = placement.hostHeartbeatMs;
  const silentHostMs = placement.silentHostMs;
  let actor: Actor<typeof root> | undefined;
  const webhooks = createWebhooks({
    settings: options.webhook,
    apiRoot: options.apiRoot,
    sql: options.sql,
    logger,
    ...(options.pruneUpdates === false || options.lottery === false ? { prune: false } : {}),
    inUse: (token) => [...configs.values()].some((c) => c.token === token),
  });
  const hosts: HostPool = createHostPool({
    logger,
    entry: options.hostEntry ?? (await prepareHostEntry(logger)),
    policy: placement,
    ...(options.lottery === false ? {} : { databaseUrl: options.botDatabaseUrl ?? options.databaseUrl }),
    heartbeatMs,
    command: (command) => {
      const at = Date.now();
      if (command.type === 'HOST.OPEN') actor?.send({ ...command, at });
      else if (command.type === 'HOST.CLOSE') actor?.send({ type: 'HOST.CLOSE', hostId: command.hostId, at });
      else actor?.send({ type: 'HOST.KILL', hostId: command.hostId, reason: command.reason ?? 'killed', at });
    },
  });

  const botProcess = createHostedBotActor({
    logger,
    hosts,
    apiRoot: options.apiRoot,
    ...(options.botSettings ? { botSettings: options.botSettings } : {}),
    // A third of the heartbeat window: a healthy bot is never mistaken for a silent one.
    forwardHeartbeatEveryMs: Math.min(10_000, Math.floor(policy.heartbeatTimeoutMs / 3)),
    stopTimeoutMs: options.stopTimeoutMs,
    resolveStart: (tenantId) => {
      const config = configs.get(tenantId);
      const lease = leases.owned.get(tenantId);
      if (!config || !lease) return undefined;
      return {
        token: config.token,
        tenantName: config.tenantName,
        lease,
        updates: webhooks.startFor(tenantId, config.token),
      };
    },
    onHeartbeat: (tenantId, at, lastPollAt) => {
      // The tenant machine sees a heartbeat every few seconds; the read model (`/status`, `bot_status`)
      // needs far fewer, and the beats of one host's heartbeat go into the store together (one snapshot
      // for a thousand bots, not a thousand snapshots each read by the status mirror).
      const previous = store.getSnapshot().context.tenants[tenantId]?.lastHeartbeatAt ?? 0;
      if (at - previous < HEARTBEAT_STATUS_INTERVAL_MS) return;
      pendingBeats.push({ tenantId, at, lastPollAt });
      if (pendingBeats.length === 1)
        queueMicrotask(() => store.trigger.heartbeats({ beats: pendingBeats.splice(0) }));
    },
    onReady: (tenantId, botUsername, _pid, hostId) => {
      usernames.set(tenantId, botUsername);
      hostOf.set(tenantId, hostId);
    },
  });

  const host = hostMachine.provide({
    actors: { hostProcess: hosts.hostProcessActor },
    actions: {
      reportHost: (_, _report: HostReport) => {},
      logEvent: (_, params: HostLogParams) => {
        const who = `bot host ${params.hostId} (${params.kind}${params.pid ? `, pid ${params.pid}` : ''})`;
        if (params.event === 'ready') logger.debug({ host: params.hostId }, `${who} is ready`);
        else if (params.event === 'exited' && params.closing)
          logger.debug({ host: params.hostId }, `${who} ended: ${params.detail}`);
        else if (params.event === 'exited')
          logger.warn(
            { host: params.hostId, event: 'host-exited' },
            `${who} ended unexpectedly (${params.detail ?? 'no exit status'}); the bots it ran restart`,
          );
        else
          logger.warn(
            { host: params.hostId, event: params.event },
            `${who}: ${params.event}${params.detail ? ` (${params.detail})` : ''}`,
          );
      },
    },
  });

  const tenant = tenantMachine.provide({
    actors: { botProcess },
    actions: {
      reportStatus: (_, status: StatusReport) => {
        // Stopped because its config was disabled or deleted: reported (so bot_status gets it), then
        // dropped from the live status, so `/status` and the summary count the bots that should run.
        const gone = status.state === 'stopped' && status.reason === 'disabled';
        // Its lease went to another node (still configured): the new owner reports it from now on.
        if (gone && !shuttingDown && configs.has(status.tenantId) && !leases.owned.has(status.tenantId)) {
          store.trigger.forget({ tenantId: status.tenantId });
          webhooks.moved(status.tenantId);
          return;
        }
        store.trigger.report({
          status: {
            tenantId: status.tenantId,
            tenantName: status.tenantName,
            state: status.state,
            reason: status.reason,
            detail: status.detail,
            since: status.at,
            restarts: status.restarts,
            pid: status.pid,
            botUsername: status.botUsername,
            pollFailingSince: status.pollFailingSince,
            pollErrorCode: status.pollErrorCode,
            isolation: status.isolation,
            hostId: status.pid === null ? null : (hostOf.get(status.tenantId) ?? null),
          },
        });
        if (gone && !shuttingDown) store.trigger.forget({ tenantId: status.tenantId });
        // Disabled or deleted (not moved, not shutting down): Telegram stops sending to its webhook.
        if (gone && !shuttingDown && !configs.has(status.tenantId)) webhooks.gone(status.tenantId);
      },
      logEvent: (_, params: TenantLogParams) => {
        const line = tenantLogLine(params, usernames.get(params.tenantId) ?? null);
        logger[line.level](
          {
            tenant: params.tenantId,
            event: params.event,
            delayMs: params.delayMs,
            ...(params.reason ? { reason: params.reason } : {}),
          },
          line.text,
        );
      },
    },
  });

  const leases: LeaseKeeper = startLeaseKeeper({
    sql: options.sql,
    node: { nodeId, name: nodeName, pid: process.pid },
    logger,
    ...(options.leaseTtlMs ? { ttlMs: options.leaseTtlMs } : {}),
    alone: options.databaseAlone ?? false,
    onOwned: () => deliver(),
    onValidUntil: (until, lost) => hosts.leaseValidUntil(until, lost),
    // The bot itself, not its status: a stopping bot is `stopped` in the status before it has exited.
    isRunning: (tenantId) => hosts.hasBot(tenantId),
  });

  const summary = createSummary({
    logger,
    store,
    expected: () => new Set([...[...configs.keys()].filter((t) => leases.owned.has(t)), ...unusableNow]),
    configCount: () => [...configs.keys()].filter((t) => leases.owned.has(t)).length,
    clusterConfigCount: () => configs.size,
    othersLive: () => leases.view().liveNodes > 1,
    adminUrl: options.adminUrl,
    checkIntervalS: options.checkIntervalS,
  });

  const root = supervisorMachine.provide({
    actors: { tenant, host },
    actions: {
      logEvent: (_, params: SupervisorLogParams) => {
        if (params.event === 'shutting-down') {
          logger.info(msg.shuttingDown(params.tenantIds.length, options.stopTimeoutMs));
        } else if (params.event === 'shutdown-deadline') {
          logger.warn({ tenants: params.tenantIds }, msg.shutdownDeadline());
        } else if (params.event === 'tenant-failed') {
          logger.error({ tenants: params.tenantIds, error: params.error }, msg.tenantFailed());
        } else if (params.event === 'host-failed') {
          logger.error({ hosts: params.hostIds, error: params.error }, msg.tenantFailed());
        }
      },
    },
  });
  const started: Actor<typeof root> = createActor(root, {
    input: {
      policy,
      hostTimers: {
        silentHostMs,
        hostStartTimeoutMs: placement.hostStartTimeoutMs,
        hostStopTimeoutMs: placement.hostStopTimeoutMs,
      },
    },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  } as Parameters<typeof createActor<typeof root>>[1]);
  actor = started;
  started.subscribe({
    error: (err) => logger.error({ err }, msg.actorFailed()),
  });
  started.start();

  let previousKey = '';
  /** The snapshot narrowed to the tenants this node owns, each config hash with its lease's epoch. */
  const ownedPart = (snapshot: ConfigSnapshot, owned: ReadonlyMap<string, OwnedLease>): ConfigSnapshot => ({
    active: snapshot.active
      .filter((c) => owned.has(c.tenantId))
      .map((c) => ({ ...c, configHash: `${c.configHash}:${owned.get(c.tenantId)!.epoch}` })),
    unusable: snapshot.unusable.filter((u) => owned.has(u.tenantId)),
    at: snapshot.at,
  });
  const deliver = () => {
    if (!lastSnapshot || shuttingDown) return;
    const mine = ownedPart(lastSnapshot, leases.owned);
    configs.clear();
    for (const c of lastSnapshot.active) configs.set(c.tenantId, c);
    unusableNow.clear();
    for (const u of mine.unusable) unusableNow.add(u.tenantId);
    const key = mine.active.map((c) => `${c.tenantId}:${c.configHash}`).join(',');
    const changed = key !== previousKey;
    previousKey = key;
    started.send(toSnapshotEvent(mine));
    // Summarised once the states have settled (no bot starting or restarting), not before.
    summary.checked(changed);
  };
  const onSnapshot = (snapshot: ConfigSnapshot) => {
    lastSnapshot = snapshot;
    leases.setWanted([
      ...snapshot.active.map((c) => c.tenantId),
      ...snapshot.unusable.map((u) => u.tenantId),
    ]);
    deliver();
  };

  const sharedHosts = sharedHostCount(placement, availableParallelism());
  logger.info(
    { sharedHosts, botsPerHost: placement.botsPerHost },
    msg.started(options.checkIntervalS, { shared: sharedHosts, botsPerHost: placement.botsPerHost }),
  );

  const configSource = startConfigSource({
    url: options.databaseUrl,
    sql: options.sql,
    cipher: options.cipher,
    logger,
    checkIntervalS: options.checkIntervalS,
    onSnapshot,
    listen: options.listen,
    onOutboxPending: (tenantId) => hosts.wake(tenantId, 'outbox'),
    onInboundUpdates: (tenantId) => hosts.wake(tenantId, 'updates'),
    onListenRestored: () => {
      hosts.wakeAll();
      leases.wake();
    },
    onNodesChanged: () => leases.wake(),
  });
  // Wait (briefly: the database may be down) until NOTIFY is heard, so changes from now on apply at once.
  await Promise.race([configSource.listening, new Promise((r) => setTimeout(r, 2000).unref())]);

  let shutdownPromise: Promise<void> | undefined;
  return {
    store,
    configSource,
    get shuttingDown() {
      return shuttingDown;
    },
    flushStatus: () => mirror.flush(),
    hosts: () => hosts.hosts(),
    node: () => leases.view(),
    shutdown() {
      shutdownPromise ??= (async () => {
        shuttingDown = true;
        summary.stop();
        await configSource.close();
        await leases.beginStop();
        const before = Object.values(store.getSnapshot().context.tenants).filter((t) => t.pid !== null);
        started.send({ type: 'SHUTDOWN', at: Date.now() });
        hosts.close();
        await toPromise(started).catch((err: unknown) => logger.error({ err }, msg.stoppedWithError()));
        // Every bot has stopped: their leases go back, and another node takes them over at once.
        await leases.release();
        await webhooks.close();
        await mirror.flush();
        mirror.stop();
        logger.info(
          before.length === 0
            ? msg.stoppedNone()
            : msg.stoppedBots(
                before.map((t) => `${t.tenantName}${t.botUsername ? ` (@${t.botUsername})` : ''}`),
              ),
        );
      })();
      return shutdownPromise;
    },
  };
}
