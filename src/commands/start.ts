/**
 * `tg-lottery start`: the whole platform in one process tree: the database (embedded unless
 * `DATABASE_URL` is set), migrations, the admin web server and the supervisor.
 * Shutdown order on SIGINT/SIGTERM: stop accepting HTTP, stop the bots, then close the database.
 */
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { onShutdownSignal } from '../app/signals.ts';
import { openDatabase, redactUrl } from '../db/database.ts';
import { startSupervisorService } from '../supervisor/service.ts';
import { buildApp } from '../web/app.ts';

export async function startCommand(options: { inspect?: boolean } = {}): Promise<number> {
  const { config, logger } = bootstrap('start');
  const secret = await appSecret(config);
  const db = await openDatabase(config, logger);
  logger.info({ database: redactUrl(db.url), embedded: Boolean(db.embedded) }, 'database ready');
  const app = await buildApp({
    logger,
    checkDatabase: async () => {
      await db.orm.em.getConnection().execute('select 1');
    },
    api: { orm: db.orm, appSecret: secret, telegramApiRoot: config.telegramApiRoot },
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await db.close();
    throw err;
  }
  logger.info(`admin web listening on http://${config.host}:${config.port}`);
  const supervisor = await startSupervisorService({
    config,
    logger,
    db,
    appSecret: secret,
    inspect: options.inspect,
  });
  onShutdownSignal(logger, async () => {
    await app.close();
    await supervisor.stop();
    await db.close();
    logger.info('stopped cleanly');
    return 0;
  });
  return new Promise<number>(() => {
    // Runs until a shutdown signal exits the process.
  });
}
