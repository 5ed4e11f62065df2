/**
 * `tg-lottery start`: the whole platform in one process tree: the database (embedded unless
 * `DATABASE_URL` is set), migrations, the admin web server and the supervisor.
 * Shutdown on SIGINT/SIGTERM (also during start-up), in reverse order of start: the bots, the admin
 * web, then the database.
 */
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { runUntilSignal } from '../app/lifecycle.ts';
import { openDatabase, redactUrl } from '../db/database.ts';
import { logMessages } from '../log/messages.ts';
import { startSupervisorService } from '../supervisor/service.ts';
import { startAdminWeb } from '../web/serve.ts';

export async function startCommand(options: { inspect?: boolean } = {}): Promise<number> {
  const { config, logger } = bootstrap('start');
  return runUntilSignal(logger, async (lifecycle) => {
    const secret = await appSecret(config);
    const db = await openDatabase(config, logger);
    lifecycle.onStop('the database', () => db.close());
    const database = redactUrl(db.url);
    logger.info({ database, embedded: Boolean(db.embedded) }, logMessages().app.databaseReady(database));
    lifecycle.checkpoint();
    const adminUrl = await startAdminWeb(lifecycle, { config, logger, db, appSecret: secret });
    lifecycle.checkpoint();
    const supervisor = await startSupervisorService({
      config,
      logger,
      db,
      appSecret: secret,
      inspect: options.inspect,
      adminUrl,
    });
    lifecycle.onStop('the supervisor', () => supervisor.stop());
  });
}
