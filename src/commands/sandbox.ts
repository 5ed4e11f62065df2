/** `tg-lottery sandbox [--port 8081]`: the Bot API sandbox alone (docs/sandbox.md). */
import { onShutdownSignal } from '../app/signals.ts';
import { createLogger } from '../log/logger.ts';
import { runSandbox } from '../sandbox/index.ts';

export async function sandboxCommand(options: { port: string; host: string }): Promise<number> {
  const logger = createLogger({ level: process.env.LOG_LEVEL || 'info', base: { proc: 'sandbox' } });
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `tg-lottery: --port must be a whole number between 0 and 65535 (example: --port 8081)\n`,
    );
    return 2;
  }
  const sandbox = await runSandbox({ port, host: options.host, logger });
  onShutdownSignal(logger, async () => {
    await sandbox.close();
    return 0;
  });
  return new Promise<number>(() => {
    // Runs until a shutdown signal exits the process.
  });
}
