/** Run the real `tg-lottery` command in a child process and watch its output (end-to-end tests). */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tg-lottery.mjs', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolve when the output matches; reject with the output if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolve with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

const started = new Set<ChildProcess>();

/** SIGKILL every CLI process a test started that is still running (call in afterEach/afterAll). */
export function killAllClis(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  started.clear();
}

/**
 * Start `tg-lottery <args>` with the given environment (added to a clean copy of process.env).
 * `detached`: the CLI leads a process group of its own, as a shell's job does (signal it with
 * `process.kill(-pid, ...)`, the way a terminal's Ctrl+C reaches the whole group).
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  options: { detached?: boolean } = {},
): RunningCli {
  const fullEnv: Record<string, string> = {};
  // English log sentences (the tests match them) whatever this machine's locale, unless a test asks.
  for (const [k, v] of Object.entries({ ...process.env, LOG_LANG: 'en', ...env })) {
    if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') fullEnv[k] = v;
  }
  const child = spawn(process.execPath, [BIN, ...args], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  started.add(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const l of listeners) l();
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`process exited before ${pattern}; output:\n${out}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}
