/**
 * Forks bot processes fast.
 *
 * - The bot process entry (src/bot/child.ts) is compiled once per supervisor start with esbuild into
 *   `node_modules/.cache/tg-lottery/bot-child.mjs` (dependencies stay external and load natively), so
 *   a fork costs a plain Node start instead of a TypeScript compile in every child. If that is not
 *   possible (read-only install), children run the sources through tsx.
 * - A warm spare process is kept forked and idle (modules loaded, waiting for its `start` message), so
 *   a config change reaches a ready bot in milliseconds, not in a Node start-up. Each `take()` hands out
 *   the spare and forks the next one.
 *
 * A spare is an ordinary bot process: it exits by itself when the supervisor goes away (IPC closed).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.ts';

export interface ChildEntry {
  /** Module to fork. */
  entry: string;
  /** Node options for it (tsx for TypeScript sources). */
  execArgv: string[];
}

const here = fileURLToPath(import.meta.url);
const fromSources = here.endsWith('.ts');
const sourceEntry = join(dirname(here), '..', 'bot', fromSources ? 'child.ts' : 'child.js');

/** Find the package root (the folder holding node_modules) above this file. */
function packageRoot(): string | undefined {
  let dir = dirname(here);
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Decide how to start bot processes, compiling the entry when running from TypeScript sources.
 * Never throws: falls back to tsx.
 */
export async function prepareChildEntry(logger: Logger): Promise<ChildEntry> {
  if (!fromSources) return { entry: sourceEntry, execArgv: [] };
  const root = packageRoot();
  if (root) {
    const outfile = join(root, 'node_modules', '.cache', 'tg-lottery', 'bot-child.mjs');
    try {
      const esbuild = await import('esbuild');
      await mkdir(dirname(outfile), { recursive: true });
      await esbuild.build({
        entryPoints: [sourceEntry],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'silent',
        sourcemap: 'inline',
      });
      return { entry: outfile, execArgv: ['--enable-source-maps'] };
    } catch (err) {
      logger.debug({ err }, 'could not compile the bot process entry; running it through tsx');
    }
  }
  return { entry: sourceEntry, execArgv: ['--import', 'tsx'] };
}

/** Environment of a bot process: ours without the secrets it does not need. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'APP_SECRET' || k === 'DATABASE_URL' || k === 'NODE_OPTIONS' || k.startsWith('VITEST'))
      continue;
    env[k] = v;
  }
  return env;
}

export interface ChildPool {
  /** A forked bot process waiting for its `start` message (the warm spare when there is one). */
  take(): ChildProcess;
  /** Kill the spare; later `take()` calls fork on demand. Idempotent. */
  close(): void;
}

/**
 * Create the pool.
 * @param spares how many idle processes to keep ready, default 1 (0 = fork on demand only)
 * @param refillDelayMs wait this long after a `take()` before forking the next spare, default 300
 */
export function createChildPool(entry: ChildEntry, spares = 1, refillDelayMs = 300): ChildPool {
  const idle: ChildProcess[] = [];
  let closed = false;
  const spawnOne = (): ChildProcess => {
    const child = fork(entry.entry, [], {
      execArgv: entry.execArgv,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // A process group of its own: a terminal's Ctrl+C (SIGINT to the foreground group) reaches the
      // supervisor only, which stops its bots in order. Not unref'ed; the IPC channel ties it to us.
      detached: true,
    });
    // An idle spare that dies (or fails to spawn) is simply dropped.
    const drop = () => {
      const i = idle.indexOf(child);
      if (i >= 0) idle.splice(i, 1);
    };
    child.once('exit', drop);
    child.once('error', drop);
    return child;
  };
  const refill = () => {
    while (!closed && idle.length < spares) idle.push(spawnOne());
  };
  refill();
  return {
    take() {
      const child = idle.shift() ?? spawnOne();
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      // Fork the next spare a little later: a fork costs CPU the bot just taken needs to start.
      setTimeout(refill, refillDelayMs).unref();
      return child;
    },
    close() {
      closed = true;
      for (const child of idle.splice(0)) child.kill('SIGKILL');
    },
  };
}
