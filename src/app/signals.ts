/**
 * Graceful shutdown on SIGINT (Ctrl+C) and SIGTERM: the first signal runs the shutdown steps once, in
 * order; a second signal while they run, at least 1 s later, exits at once with code 130 (for the person
 * who presses Ctrl+C twice). A repeat within 1 s is ignored: `npm start` forwards the terminal's SIGINT
 * to a process that already received it from the terminal. The process then exits with the code the steps return.
 */
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';

/**
 * Install the handlers. `shutdown` receives the signal name and resolves to the exit code.
 * @returns a function that removes the handlers (tests)
 */
export function onShutdownSignal(logger: Logger, shutdown: (signal: string) => Promise<number>): () => void {
  let running = false;
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    // npm forwards the terminal's Ctrl+C to us although we got it too: a repeat within 1 s is that echo.
    if (running && Date.now() - firstAt < 1000) return;
    if (running) {
      logger.warn(logMessages().app.signalAgain(signal));
      process.exit(130);
    }
    running = true;
    firstAt = Date.now();
    logger.info(logMessages().app.signal(signal));
    shutdown(signal).then(
      (code) => process.exit(code),
      (err: unknown) => {
        logger.error({ err }, logMessages().app.shutdownFailed());
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
