/**
 * The admin web as a started service, shared by `tg-lottery web` and `tg-lottery start`: build the app
 * with the database and the web's own variables (REGISTRATION, TRUST_PROXY, ALLOWED_HOSTS, already
 * validated by bootstrap), listen on HOST:PORT, serve only the hosts of PUBLIC_URL, HOST:PORT and
 * ALLOWED_HOSTS (auth/hosts.ts), and register its stop with the command's lifecycle.
 */
import type { Lifecycle } from '../app/lifecycle.ts';
import type { Config } from '../config/env.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';
import { buildApp, listenAddress } from './app.ts';
import { loadWebEnv } from './web-env.ts';

/**
 * Start the admin web; resolves with the URL people reach it at (the real port when PORT=0).
 * @throws the listen error (e.g. EADDRINUSE) — nothing is left listening then
 */
export async function startAdminWeb(
  lifecycle: Lifecycle,
  options: { config: Config; logger: Logger; db: Database; appSecret: string },
): Promise<string> {
  const { config, logger, db } = options;
  const webEnv = loadWebEnv();
  let listeningPort: number | undefined; // the real port once listening (PORT=0 picks one)
  const app = await buildApp({
    logger,
    checkDatabase: async () => {
      await db.orm.em.getConnection().execute('select 1');
    },
    trustProxy: webEnv.trustProxy,
    hosts: {
      host: config.host,
      port: () => listeningPort ?? config.port,
      publicUrl: config.publicUrl,
      allowedHosts: webEnv.allowedHosts,
    },
    api: {
      orm: db.orm,
      appSecret: options.appSecret,
      telegramApiRoot: config.telegramApiRoot,
      registration: webEnv.registration,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    },
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new Error(
        `the admin web cannot listen on ${config.host}:${config.port} (${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); set PORT to a free port, e.g. PORT=8090`,
      );
    }
    throw err;
  }
  lifecycle.onStop('the admin web', () => app.close());
  const address = app.server.address();
  if (typeof address === 'object' && address) listeningPort = address.port;
  if (
    (config.host === '0.0.0.0' || config.host === '::') &&
    !config.publicUrl &&
    !webEnv.allowedHosts.length
  ) {
    logger.warn(
      'HOST is a wildcard address but neither PUBLIC_URL nor ALLOWED_HOSTS is set: only localhost may open the panel; set PUBLIC_URL or ALLOWED_HOSTS to the name or address people use',
    );
  }
  if (webEnv.trustProxy === true) {
    logger.warn(
      'TRUST_PROXY=true trusts every X-Forwarded-For and X-Forwarded-Host a client sends, so a client can choose its own address (sign-in throttling, /metrics) and host; set TRUST_PROXY to the number of proxies in front (e.g. 1) or to their addresses',
    );
  }
  const url = listenAddress(app, config.host);
  logger.info(logMessages().app.adminWebListening(url));
  return url;
}
