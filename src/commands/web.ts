/**
 * `tg-lottery web`: the admin web alone (the supervisor runs elsewhere on the same database; they share
 * nothing but PostgreSQL). Shutdown on SIGINT/SIGTERM: stop accepting HTTP and finish the requests in
 * flight, then close the database.
 */
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { runUntilSignal } from '../app/lifecycle.ts';
import { ConfigError } from '../config/env.ts';
import { openDatabase, redactUrl } from '../db/database.ts';
import { buildApp, listenAddress } from '../web/app.ts';
import { loadWebEnv, type WebEnv } from '../web/web-env.ts';

/** The web's own variables (REGISTRATION, TRUST_PROXY), or exit 2 with a one-line message. */
function loadWebEnvOrExit(): WebEnv {
  try {
    return loadWebEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tg-lottery: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Run the admin web until a shutdown signal; resolves never (the signal handler exits the process). */
export async function webCommand(): Promise<number> {
  const { config, logger } = bootstrap('web');
  const webEnv = loadWebEnvOrExit();
  return runUntilSignal(logger, async (lifecycle) => {
    const secret = await appSecret(config);
    const db = await openDatabase(config, logger);
    lifecycle.onStop('the database', () => db.close());
    logger.info({ database: redactUrl(db.url), embedded: Boolean(db.embedded) }, 'database ready');
    lifecycle.checkpoint();
    const app = await buildApp({
      logger,
      checkDatabase: async () => {
        await db.orm.em.getConnection().execute('select 1');
      },
      trustProxy: webEnv.trustProxy,
      api: {
        orm: db.orm,
        appSecret: secret,
        telegramApiRoot: config.telegramApiRoot,
        registration: webEnv.registration,
      },
    });
    await app.listen({ port: config.port, host: config.host });
    lifecycle.onStop('the admin web', () => app.close());
    logger.info(`admin web listening on ${listenAddress(app, config.host)} (API reference: /api/docs)`);
  });
}
