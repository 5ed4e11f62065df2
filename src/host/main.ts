/**
 * Entry point of a bot host: a child process of the supervisor that runs many tenants' bots side by side
 * (machines/placement.ts has the rules, docs/supervision.md the picture).
 *
 * - `init` (first message): the host's one database pool (bounded: `poolMax` connections, whatever the
 *   number of bots), its heartbeat, its quarantine limits; answered `host-ready`.
 * - `start` / `stop` / `kill` / `wake` per bot, named by tenant id and incarnation; each bot reports
 *   `bot-ready` and exactly one `bot-exit`. A bot ends without touching its neighbours: its own 401, 409
 *   or fatal error, an uncaught error thrown by its work (attributed through its AsyncLocalStorage context),
 *   or quarantine — it held the event loop for `blockedLoopMs` (loop-watch.ts), or it is the likeliest
 *   cause when the host's resident memory passes `memoryBudgetMb`.
 * - `lease`: until when the bots may poll and send (the supervisor renewed its node's leases); a host
 *   whose supervisor stops renewing (frozen) pauses them by itself (src/bot/lease-gate.ts).
 * - A `heartbeat` every `heartbeatMs` carries every bot's polling (last getUpdates, failing or not), the
 *   event-loop delay and the resident memory: one message per host, not per bot.
 * - An uncaught error no bot owns ends the host (exit 1): the supervisor restarts its bots elsewhere.
 * - Never orphaned: when the IPC channel closes (the supervisor died, even by SIGKILL) every bot stops and
 *   the host exits. Signals are ignored while the supervisor is connected (it stops us in order).
 */
import pg from 'pg';
import pino from 'pino';
import { LeaseGate } from '../bot/lease-gate.ts';
import { type Sql, sqlFromPool } from '../db/sql.ts';
import { createLogger } from '../log/logger.ts';
import { BotRunner } from './bot-runner.ts';
import { type FromHost, type ParsedToHost, toHost } from './ipc.ts';
import { type LoopWatch, ownerOf, runAs, watchLoop } from './loop-watch.ts';
import { UpdatePump } from './update-pump.ts';

/** The host's log lines go to its stdout (the supervisor's), written asynchronously. */
const logStream = pino.destination({ fd: 1, sync: false });
const logger = createLogger({
  level: process.env.LOG_LEVEL ?? 'info',
  pretty: false,
  base: { proc: 'host', pid: process.pid },
  destination: logStream as unknown as NodeJS.WritableStream,
});

/**
 * Exit with `code` once the log lines written so far are out, or after {@link LOG_FLUSH_MS} whatever
 * happened to them. pino's own exit flush writes synchronously and retries as long as the reader does
 * not read: a host whose supervisor died (its stdout's reader gone quiet) would hang in it for ever.
 */
function exitHost(code: number): void {
  const exit = () => {
    if (!(logStream as { destroyed?: boolean }).destroyed) logStream.destroy();
    process.exit(code);
  };
  setTimeout(exit, LOG_FLUSH_MS).unref();
  try {
    logStream.flush((err) => (err ? undefined : exit()));
  } catch {
    exit();
  }
}
/** How long the last log lines may take to be written at exit (ms). */
const LOG_FLUSH_MS = 1000;

/** The same limits a bot process had: a database that is down or frozen must not hold a bot. */
const DATABASE_TIMEOUTS = {
  connectionTimeoutMillis: 2_000,
  statement_timeout: 5_000,
  query_timeout: 6_000,
  keepAlive: true,
  idleTimeoutMillis: 10_000,
} as const;

/** After a memory quarantine, wait this long before the next one (ms): the heap needs a collection. */
const MEMORY_COOLDOWN_MS = 30_000;

function send(message: FromHost): void {
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

type Init = Extract<ParsedToHost, { type: 'init' }>;

let init: Init | undefined;
let pool: pg.Pool | undefined;
let sql: Sql | undefined;
/** Reads the stored webhook updates of every bot of this host (with the database). */
let pump: UpdatePump | undefined;
let watch: LoopWatch | undefined;
let heartbeat: NodeJS.Timeout | undefined;
let shuttingDown = false;
let lastMemoryQuarantine = 0;
/** Running bots by `tenantId:incarnation`. */
const bots = new Map<string, BotRunner>();
/** The last runner of each tenant: a new one waits for its outbox's last send. */
const lastOfTenant = new Map<string, BotRunner>();
/** Bots that are alone in this host (never quarantined: there is no neighbour to protect). */
const dedicated = new Set<string>();
/** Until when the bots may poll and send (the supervisor's `lease` messages); closed until the first. */
const gate = new LeaseGate();

const keyOf = (tenantId: string, incarnation: number) => `${tenantId}:${incarnation}`;

function quarantine(runner: BotRunner, isolation: 'event-loop-blocked' | 'memory', description: string) {
  logger.warn({ tenant: runner.tenantId, isolation }, `quarantining a bot: ${description}`);
  runner.fail({ kind: 'quarantine', isolation, description });
}

function onBlocked(key: string, ms: number): void {
  const runner = bots.get(key);
  if (!runner || dedicated.has(key)) return;
  quarantine(runner, 'event-loop-blocked', `held its host's event loop for ${(ms / 1000).toFixed(1)} s`);
}

/** Over the memory budget: the bot with the most updates in flight, then the most updates lately. */
function checkMemory(rssBytes: number): void {
  if (!init || init.memoryBudgetMb <= 0 || rssBytes <= init.memoryBudgetMb * 1024 * 1024) return;
  if (Date.now() - lastMemoryQuarantine < MEMORY_COOLDOWN_MS) return;
  let suspect: BotRunner | undefined;
  for (const [key, runner] of bots) {
    if (dedicated.has(key)) continue;
    if (
      !suspect ||
      runner.inFlight > suspect.inFlight ||
      (runner.inFlight === suspect.inFlight && runner.recentUpdates > suspect.recentUpdates)
    )
      suspect = runner;
  }
  if (!suspect) return;
  lastMemoryQuarantine = Date.now();
  quarantine(
    suspect,
    'memory',
    `its host went over its memory budget (${Math.round(rssBytes / 1048576)} MiB of ${init.memoryBudgetMb} MiB)`,
  );
}

function beat(): void {
  const delay = watch?.takeDelay() ?? { p99Ms: 0, maxMs: 0 };
  const rssBytes = process.memoryUsage.rss();
  const beats = [];
  for (const runner of bots.values()) {
    const pollError = runner.pollFailure;
    beats.push({
      tenantId: runner.tenantId,
      incarnation: runner.incarnation,
      lastPollAt: runner.lastPollAt,
      ...(pollError ? { pollError } : {}),
    });
  }
  send({
    type: 'heartbeat',
    at: Date.now(),
    loopDelayP99Ms: Math.round(delay.p99Ms * 10) / 10,
    loopDelayMaxMs: Math.round(delay.maxMs * 10) / 10,
    rssBytes,
    bots: beats,
  });
  checkMemory(rssBytes);
  for (const runner of bots.values()) runner.recentUpdates = 0;
}

function startBot(message: Extract<ParsedToHost, { type: 'start' }>): void {
  const key = keyOf(message.tenantId, message.incarnation);
  if (bots.has(key)) {
    logger.warn({ tenant: message.tenantId }, 'ignored a second start of the same bot');
    return;
  }
  const previous = lastOfTenant.get(message.tenantId);
  const runner = new BotRunner({
    start: message,
    sql,
    logger,
    gate,
    ...(pump ? { pump } : {}),
    ...(previous ? { previousOutbox: previous.outboxDone } : {}),
    onReady: (botId, botUsername) =>
      send({
        type: 'bot-ready',
        tenantId: message.tenantId,
        incarnation: message.incarnation,
        botId,
        botUsername,
        at: Date.now(),
      }),
    onExit: (code, fatal) => {
      bots.delete(key);
      dedicated.delete(key);
      send({
        type: 'bot-exit',
        tenantId: message.tenantId,
        incarnation: message.incarnation,
        code,
        ...(fatal ? { fatal } : {}),
        at: Date.now(),
      });
    },
  });
  bots.set(key, runner);
  lastOfTenant.set(message.tenantId, runner);
  if (message.dedicated) dedicated.add(key);
  runAs(key, () => {
    void runner.run();
  });
}

function initialise(message: Init): void {
  if (init) {
    logger.warn('ignored a second init message');
    return;
  }
  init = message;
  if (message.databaseUrl) {
    pool = new pg.Pool({ connectionString: message.databaseUrl, max: message.poolMax, ...DATABASE_TIMEOUTS });
    pool.on('error', (err) => logger.warn({ err }, 'a database connection failed; it is replaced'));
    sql = sqlFromPool(pool);
    pump = new UpdatePump({ sql, logger });
  }
  watch = watchLoop(message.blockedLoopMs, onBlocked);
  heartbeat = setInterval(beat, message.heartbeatMs);
  send({ type: 'host-ready', at: Date.now() });
}

/** After the bots' stop deadline, the host exits anyway this much later (ms). */
const HARD_EXIT_GRACE_MS = 3000;

/** Stops every bot (gracefully, bounded by each one's deadline), closes the pool, exits 0. */
async function shutdown(why: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.debug(`bot host stopping (${why})`);
  // However its bots end, the host is gone within their stop deadline and a grace: a send or a query that
  // never answers must not keep a host alive without its supervisor.
  const deadline = Math.max(0, ...[...bots.values()].map((r) => r.stopDeadlineMs));
  setTimeout(() => {
    logger.warn(
      `bot host exiting: its bots did not all stop within ${deadline + HARD_EXIT_GRACE_MS} ms (${why})`,
    );
    exitHost(0);
  }, deadline + HARD_EXIT_GRACE_MS);
  await Promise.all([...bots.values()].map((runner) => runner.stop()));
  await Promise.all([...lastOfTenant.values()].map((runner) => runner.outboxDone));
  clearInterval(heartbeat);
  pump?.close();
  watch?.stop();
  await pool?.end().catch(() => {});
  exitHost(0);
}

process.on('message', (raw: unknown) => {
  const parsed = toHost.safeParse(raw);
  if (!parsed.success) {
    logger.warn({ issue: parsed.error.issues[0]?.message }, 'ignored an invalid message from the supervisor');
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'init':
      initialise(message);
      return;
    case 'start':
      if (!init || shuttingDown) {
        send({
          type: 'bot-exit',
          tenantId: message.tenantId,
          incarnation: message.incarnation,
          code: 1,
          fatal: { kind: 'other', description: 'the bot host was not ready for it' },
          at: Date.now(),
        });
        return;
      }
      startBot(message);
      return;
    case 'stop':
      void bots.get(keyOf(message.tenantId, message.incarnation))?.stop();
      return;
    case 'kill':
      bots.get(keyOf(message.tenantId, message.incarnation))?.kill();
      return;
    case 'lease':
      // The lost ones first: the gate must not open again for a bot another node has now.
      if (message.lost.length > 0) {
        const lost = new Set(message.lost);
        for (const runner of bots.values()) if (lost.has(runner.tenantId)) runner.leaseLost();
      }
      gate.extend(message.validUntil);
      pump?.reopened();
      return;
    case 'wake':
      if (message.what === 'updates') pump?.wake(Number(message.tenantId));
      else for (const runner of bots.values()) if (runner.tenantId === message.tenantId) runner.wake();
      return;
    case 'shutdown':
      void shutdown('asked by the supervisor');
      return;
  }
});

/** An error thrown by a bot's own work ends that bot only; one no bot owns ends the host. */
function onUncaught(err: unknown, what: string): void {
  const key = ownerOf();
  const runner = key ? bots.get(key) : undefined;
  const description = `${what}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
  if (runner) {
    runner.fail({ kind: 'other', description });
    return;
  }
  logger.error({ err }, `bot host giving up on an error no bot owns (${what})`);
  setTimeout(() => exitHost(1), 50);
}
process.on('uncaughtException', (err) => onUncaught(err, 'uncaught error'));
process.on('unhandledRejection', (err) => onUncaught(err, 'unhandled rejection'));

process.on('disconnect', () => {
  void shutdown('the supervisor went away');
});
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {
  if (!process.connected) void shutdown('SIGTERM');
});

if (!process.send) {
  logger.error('this is a bot host: it must be started by the supervisor (no IPC channel)');
  process.exit(2);
}
