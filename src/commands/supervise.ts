/** `tg-lottery supervise`: the supervisor alone (the web server runs elsewhere on the same database). */
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { onShutdownSignal } from '../app/signals.ts';
import { openDatabase } from '../db/database.ts';
import { startSupervisorService } from '../supervisor/service.ts';

export async function superviseCommand(options: { inspect?: boolean }): Promise<number> {
  const { config, logger } = bootstrap('supervisor');
  const secret = await appSecret(config);
  const db = await openDatabase(config, logger);
  const service = await startSupervisorService({
    config,
    logger,
    db,
    appSecret: secret,
    inspect: options.inspect,
  });
  onShutdownSignal(logger, async () => {
    await service.stop();
    await db.close();
    return 0;
  });
  return new Promise<number>(() => {
    // Runs until a shutdown signal exits the process.
  });
}
