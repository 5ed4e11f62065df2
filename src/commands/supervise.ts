/** `tg-lottery supervise`: the supervisor alone (the web server runs elsewhere on the same database). */
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { runUntilSignal } from '../app/lifecycle.ts';
import { openDatabase } from '../db/database.ts';
import { startSupervisorService } from '../supervisor/service.ts';

export async function superviseCommand(options: { inspect?: boolean }): Promise<number> {
  const { config, logger } = bootstrap('supervisor');
  return runUntilSignal(logger, async (lifecycle) => {
    const secret = await appSecret(config);
    const db = await openDatabase(config, logger);
    lifecycle.onStop('the database', () => db.close());
    lifecycle.checkpoint();
    const service = await startSupervisorService({
      config,
      logger,
      db,
      appSecret: secret,
      inspect: options.inspect,
    });
    lifecycle.onStop('the supervisor', () => service.stop());
  });
}
