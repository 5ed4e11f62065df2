/**
 * What every command needs first: the validated configuration, a logger and the application secret.
 * A configuration problem is printed as one line on stderr and the process exits with code 2.
 */
import { type Config, ConfigError, loadConfig } from '../config/env.ts';
import { resolveAppSecret } from '../config/secret.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { setLogLanguage } from '../log/messages.ts';
import { loadWebEnv } from '../web/web-env.ts';

export interface AppContext {
  config: Config;
  logger: Logger;
}

/** Read the configuration or exit 2 with a one-line message naming the variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    const config = loadConfig(env);
    loadWebEnv(env); // REGISTRATION, TRUST_PROXY: validated at start like the rest
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tg-lottery: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Configuration and logger for a command. `proc` names the process in every log line. */
export function bootstrap(proc: string): AppContext {
  const config = loadConfigOrExit();
  setLogLanguage(config.logLang);
  const logger = createLogger({ level: config.logLevel, base: { proc } });
  return { config, logger };
}

/** The application secret (APP_SECRET or the generated `DATA_DIR/secret`). */
export async function appSecret(config: Config): Promise<string> {
  return resolveAppSecret(config.appSecret, config.dataDir);
}
