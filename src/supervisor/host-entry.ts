/**
 * How bot hosts are started: the host entry (src/host/main.ts) is compiled once per supervisor start with
 * esbuild into `node_modules/.cache/tg-lottery/bot-host.mjs` (dependencies stay external and load
 * natively), so a host costs a plain Node start instead of a TypeScript compile. If that is not possible
 * (read-only install), hosts run the sources through tsx. Hosts get our environment without the secrets.
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
const sourceEntry = join(dirname(here), '..', 'host', fromSources ? 'main.ts' : 'main.js');

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
 * Decide how to start bot hosts, compiling the entry when running from TypeScript sources.
 * Never throws: falls back to tsx.
 */
export async function prepareHostEntry(logger: Logger): Promise<ChildEntry> {
  if (!fromSources) return { entry: sourceEntry, execArgv: [] };
  const root = packageRoot();
  if (root) {
    const outfile = join(root, 'node_modules', '.cache', 'tg-lottery', 'bot-host.mjs');
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
      logger.debug({ err }, 'could not compile the bot host entry; running it through tsx');
    }
  }
  return { entry: sourceEntry, execArgv: ['--import', 'tsx'] };
}

/**
 * The variables a bot host may see: what a process needs to run (paths, locale, time zone, TLS trust
 * and proxies for reaching Telegram) and its log level. Everything else stays out — `APP_SECRET`, both
 * database URLs, `METRICS_TOKEN`, an operator's own secrets — because a host's environment is readable in
 * /proc by its user; the bot role's connection string reaches a host over IPC only.
 */
const HOST_ENV =
  /^(PATH|HOME|USER|LOGNAME|TMPDIR|TMP|TEMP|LANG|LANGUAGE|LC_\w+|TZ|NODE_ENV|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|LOG_LEVEL)$/;

/** Environment of a bot host: only {@link HOST_ENV} of ours. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (HOST_ENV.test(k)) out[k] = v;
  return out;
}

/**
 * Forks one bot host: its own process group (a terminal's Ctrl+C reaches the supervisor only, which stops
 * hosts in order), JSON IPC, stdout/stderr piped for the supervisor to re-log. Not unref'ed: the IPC
 * channel ties it to us.
 */
export function forkHost(entry: ChildEntry): ChildProcess {
  return fork(entry.entry, [], {
    execArgv: entry.execArgv,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    detached: true,
  });
}
