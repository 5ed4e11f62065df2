/**
 * `tg-lottery web`: the admin web alone (the supervisor runs elsewhere on the same database; they share
 * nothing but PostgreSQL). Shutdown on SIGINT/SIGTERM (also during start-up): stop accepting HTTP and
 * finish the requests in flight, then close the database.
 */
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { runUntilSignal } from '../app/lifecycle.ts';
import { openDatabase, redactUrl } from '../db/database.ts';
import { logMessages } from '../log/messages.ts';
import { startAdminWeb } from '../web/serve.ts';

/** Run the admin web until a shutdown signal; resolves never (the signal handler exits the process). */
export async function webCommand(): Promise<number> {
  const { config, logger } = bootstrap('web');
  return runUntilSignal(logger, async (lifecycle) => {
    const secret = await appSecret(config);
    const db = await openDatabase(config, logger);
    lifecycle.onStop('the database', () => db.close());
    const database = redactUrl(db.url);
    logger.info({ database, embedded: Boolean(db.embedded) }, logMessages().app.databaseReady(database));
    lifecycle.checkpoint();
    await startAdminWeb(lifecycle, { config, logger, db, appSecret: secret });
  });
}
