/**
 * An exclusive lock on a data directory, so a second tg-lottery on the same `DATA_DIR` fails with a
 * clear message instead of starting a second PostgreSQL on the same files.
 *
 * The lock is a file `DATA_DIR/tg-lottery.lock` created with O_EXCL holding the owner's pid. A lock
 * whose pid is no longer alive (the owner was killed with SIGKILL) is stale and taken over.
 */
import { readFileSync, rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'tg-lottery.lock';

/** Data directories this process holds, to tell our own live lock from a stale one with a reused pid. */
const heldHere = new Set<string>();

// A process that exits without releasing (a forced second Ctrl+C) still removes its lock files.
process.on('exit', () => {
  for (const file of heldHere) {
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  }
});

/** Another live process holds the data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `another tg-lottery (pid ${pid}) is already using the data directory ${dataDir}; stop it first, ` +
        'or give this one its own DATA_DIR (or point both at one server with DATABASE_URL)',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  /** True when the previous owner had died without releasing the lock. */
  readonly tookOverStale: boolean;
  /** Remove the lock file. Idempotent. */
  release(): Promise<void>;
}

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lock on `dataDir` (which must exist).
 * @throws DataDirLockedError when a live process holds it
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const file = join(dataDir, LOCK_FILE);
  let tookOverStale = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      heldHere.add(file);
      return {
        tookOverStale,
        async release() {
          if (released) return;
          released = true;
          heldHere.delete(file);
          const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
          if (owner === process.pid) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    // Our own pid in the file is a live lock only if this process took it; otherwise the pid was reused
    // (a container restarts its main process with the same pid) and the lock is stale.
    const ours = pid === process.pid;
    if ((ours && heldHere.has(file)) || (!ours && isProcessAlive(pid)))
      throw new DataDirLockedError(dataDir, pid);
    await rm(file, { force: true });
    tookOverStale = true;
  }
  throw new Error(`could not take the lock ${file}: it keeps reappearing; is another tg-lottery starting?`);
}
