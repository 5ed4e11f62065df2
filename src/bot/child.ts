/**
 * Entry point of a bot process (one per tenant, forked by the supervisor).
 *
 * Life: wait for the `start` message (the token arrives only over IPC) → getMe → long polling → report
 * `ready` after the first successful getUpdates → a `heartbeat` every `heartbeatMs` with the time of the
 * last successful getUpdates → on `stop`: stop polling (the offset is confirmed, pending updates are not
 * dropped), then exit 0. A fatal error (401, 409, anything else) is reported as `fatal` with its
 * `{ code, description }` before exiting with the reason's exit code (see EXIT_CODES).
 *
 * Never orphaned: if the IPC channel closes (the supervisor died, even by SIGKILL), the process stops
 * and exits by itself. It also exits on its own `stopDeadlineMs` after a stop, whatever still runs.
 */
import pg from 'pg';
import { type Sql, sqlFromPool } from '../db/sql.ts';
import { createLogger } from '../log/logger.ts';
import { CountSync } from './count-sync.ts';
import { type Handlers, registerHandlers } from './handlers.ts';
import {
  type ChildMessage,
  EXIT_CODES,
  type FatalReason,
  type ParsedParentMessage,
  parentMessage,
} from './ipc.ts';
import { OutboxWorker } from './outbox-worker.ts';
import { classifyError, TelegramAdapter } from './telegram.ts';

const logger = createLogger({
  level: process.env.LOG_LEVEL ?? 'info',
  pretty: false,
  base: { proc: 'bot', pid: process.pid },
});

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

let exiting = false;

function exitCodeFor(reason: FatalReason): number {
  if (reason.kind === 'unauthorized') return EXIT_CODES.unauthorized;
  if (reason.kind === 'conflict') return EXIT_CODES.conflict;
  return EXIT_CODES.crashed;
}

function fail(reason: FatalReason): void {
  logger.error(
    { reason },
    `bot process giving up: ${reason.errorCode ?? ''} ${reason.description ?? reason.kind}`,
  );
  if (exiting) return;
  exiting = true;
  send({ type: 'fatal', reason, at: Date.now() });
  // Give the IPC message and the last log line a moment to flush, then exit whatever is left open.
  setTimeout(() => process.exit(exitCodeFor(reason)), 50);
}

process.on('uncaughtException', (err) => {
  fail({ kind: 'other', description: `uncaught error: ${err.message}` });
});
process.on('unhandledRejection', (err) => {
  fail({
    kind: 'other',
    description: `unhandled rejection: ${err instanceof Error ? err.message : String(err)}`,
  });
});

/**
 * A database that is down or frozen must not hold the bot: a connection is given up after 2 s (also while
 * waiting for a free one), a statement after 5 s on the server (`statement_timeout`) and, should the
 * server not answer at all, after 6 s on our side (`query_timeout`: the connection is dropped and
 * replaced). Presses are answered within their own budget anyway (handlers.ts); these free the pool.
 */
const DATABASE_TIMEOUTS = {
  connectionTimeoutMillis: 2_000,
  statement_timeout: 5_000,
  query_timeout: 6_000,
  keepAlive: true,
} as const;

let adapter: TelegramAdapter | undefined;
let pool: pg.Pool | undefined;
let outbox: OutboxWorker | undefined;
let counts: CountSync | undefined;
let handlers: Handlers | undefined;
let stopping = false;
let stopDeadlineMs = 4500;

async function stop(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`stopping (${why})`);
  setTimeout(() => {
    logger.warn('graceful stop took too long; exiting anyway');
    process.exit(EXIT_CODES.stopped);
  }, stopDeadlineMs).unref();
  await adapter?.stop();
  // Joins answered "checking" (F10) finish and queue their outcome.
  await handlers?.settled();
  // The send in flight is finished and recorded before the process exits (never lost, never doubled).
  await counts?.stop();
  await outbox?.stop();
  await pool?.end().catch(() => {});
  process.exit(EXIT_CODES.stopped);
}

/** The lottery's side of the bot: a small pool, the outbox worker and the post count updater. */
function startLottery(
  start: Extract<ParsedParentMessage, { type: 'start' }>,
  log: typeof logger,
  telegram: TelegramAdapter,
): { sql: Sql; tenantId: number } | undefined {
  const tenantId = Number(start.tenantId);
  if (!start.databaseUrl || !Number.isSafeInteger(tenantId)) return undefined;
  pool = new pg.Pool({
    connectionString: start.databaseUrl,
    max: 10,
    idleTimeoutMillis: 5_000,
    ...DATABASE_TIMEOUTS,
  });
  pool.on('error', (err) => log.warn({ err }, 'a database connection failed; it is replaced'));
  const sql = sqlFromPool(pool);
  outbox = new OutboxWorker({
    sql,
    tenantId,
    api: telegram.api,
    pacing: { sendsPerSecond: start.sendsPerSecond, sendsPerChatPerMinute: start.sendsPerChatPerMinute },
    logger: log,
    // New rows wake the worker at once (NOTIFY relayed by the supervisor, or the bot's own enqueues), so
    // this poll is only a fallback; idle bots then hold no database connection (idle timeout 5 s).
    pollMs: 30_000,
  });
  counts = new CountSync({
    sql,
    tenantId,
    intervalMs: start.countEditIntervalMs,
    logger: log,
    onQueued: () => outbox?.wake(),
  });
  return { sql, tenantId };
}

async function run(start: Extract<ParsedParentMessage, { type: 'start' }>): Promise<void> {
  stopDeadlineMs = start.stopDeadlineMs;
  const log = logger.child({ tenant: start.tenantId });
  adapter = new TelegramAdapter({ token: start.token, apiRoot: start.apiRoot });
  const lottery = startLottery(start, log, adapter);
  handlers = registerHandlers(adapter, {
    tenantName: start.tenantName,
    logger: log,
    lottery: lottery && {
      ...lottery,
      wakeOutbox: () => outbox?.wake(),
      entriesChanged: () => counts?.markDirty(),
    },
  });
  let me: Awaited<ReturnType<TelegramAdapter['getMe']>>;
  try {
    me = await adapter.getMe((err, waitMs) =>
      log.warn({ err }, `Telegram cannot be reached (getMe); retrying in ${waitMs / 1000} s`),
    );
  } catch (err) {
    if (stopping) return;
    fail(classifyError(err));
    return;
  }
  if (stopping) return;
  const { ready, done } = adapter.startPolling();
  ready.then(() => {
    if (stopping || exiting) return;
    log.info(`polling as @${me.username}`);
    send({ type: 'ready', botId: me.id, botUsername: me.username, at: Date.now() });
    outbox?.start();
    counts?.start();
    const heartbeat = setInterval(() => {
      const pollError = adapter?.pollFailure;
      send({
        type: 'heartbeat',
        lastPollAt: adapter?.lastPollAt ?? 0,
        at: Date.now(),
        ...(pollError ? { pollError } : {}),
      });
    }, start.heartbeatMs);
    heartbeat.unref();
  });
  const outcome = await done;
  if (outcome.kind === 'failed' && !stopping) fail(outcome.reason);
}

let started = false;
process.on('message', (raw: unknown) => {
  const parsed = parentMessage.safeParse(raw);
  if (!parsed.success) {
    logger.warn({ issue: parsed.error.issues[0]?.message }, 'ignored an invalid message from the supervisor');
    return;
  }
  const message = parsed.data;
  if (message.type === 'stop') {
    void stop('asked by the supervisor');
    return;
  }
  if (message.type === 'wake') {
    outbox?.wake();
    return;
  }
  if (started) {
    logger.warn('ignored a second start message');
    return;
  }
  started = true;
  run(message).catch((err: unknown) => fail(classifyError(err)));
});

process.on('disconnect', () => {
  void stop('the supervisor went away');
});
// The supervisor stops us (IPC `stop`, or the channel closing). A bot runs in its own process group, so
// a terminal's Ctrl+C does not reach it; signals sent to every process at once (systemd's
// KillMode=control-group) must not stop it either, before the supervisor's turn: ignored while the
// supervisor is connected.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {
  if (!process.connected) void stop('SIGTERM');
});

if (!process.send) {
  logger.error('this is a bot process: it must be started by the supervisor (no IPC channel)');
  process.exit(EXIT_CODES.badStart);
}
