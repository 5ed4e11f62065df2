/**
 * Start a long-running command and stop it cleanly, whenever the signal comes.
 *
 * The shutdown handler is installed before anything starts, so Ctrl+C during start-up (while the
 * embedded database initialises, say) stops what has started so far instead of killing the process
 * and orphaning the database. Each started piece registers how to stop it; they are stopped in reverse
 * order of start (last started, first stopped).
 */
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';
import { onShutdownSignal } from './signals.ts';

/** Thrown by {@link Lifecycle.checkpoint} once a shutdown was asked for during start-up. */
class StartupAborted extends Error {}

export interface Lifecycle {
  /** Register how to stop something that has started. */
  onStop(name: string, stop: () => Promise<void>): void;
  /** Between start-up steps: stop here if a shutdown signal has arrived. */
  checkpoint(): void;
}

/**
 * Run `startup`, then keep the process alive until SIGINT/SIGTERM, then stop everything and exit 0.
 * @throws what `startup` throws (after stopping what it had started)
 */
export async function runUntilSignal(
  logger: Logger,
  startup: (lifecycle: Lifecycle) => Promise<void>,
): Promise<number> {
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopping = false;
  let started: Promise<void> = Promise.resolve();
  const stopAll = async () => {
    for (const { name, stop } of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.warn({ err }, logMessages().app.stoppingFailed(name));
      }
    }
  };
  const lifecycle: Lifecycle = {
    onStop: (name, stop) => stops.push({ name, stop }),
    checkpoint: () => {
      if (stopping) throw new StartupAborted();
    },
  };
  onShutdownSignal(logger, async () => {
    stopping = true;
    await started.catch(() => undefined);
    await stopAll();
    logger.info(logMessages().app.stoppedCleanly());
    return 0;
  });
  started = startup(lifecycle);
  try {
    await started;
  } catch (err) {
    if (err instanceof StartupAborted) return new Promise<number>(() => {}); // the signal handler exits
    await stopAll();
    throw err;
  }
  return new Promise<number>(() => {
    // Runs until a shutdown signal exits the process.
  });
}
