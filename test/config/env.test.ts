import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';

const cwd = '/srv/app';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every documented default when nothing is set', () => {
    expect(loadConfig({}, cwd)).toEqual({
      databaseUrl: undefined,
      botDatabaseUrl: undefined,
      dataDir: '/srv/app/data',
      port: 8080,
      host: '127.0.0.1',
      telegramApiRoot: 'https://api.telegram.org',
      checkIntervalS: 10,
      stopTimeoutMs: 5000,
      botHosts: 0,
      botsPerHost: 1000,
      appSecret: undefined,
      logLevel: 'info',
      nodeName: undefined,
      leaseTtlS: 9,
      updates: 'polling',
      webhookMaxConnections: 40,
      supervisorPort: 8082,
      publicUrl: undefined,
      logLang: 'en',
    });
  });

  it('reads good values of every variable', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgresql://u:p@db.example:5433/app',
        DATA_DIR: '/var/lib/tg-lottery',
        PORT: '9000',
        HOST: '0.0.0.0',
        TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
        CHECK_INTERVAL_S: '2.5',
        STOP_TIMEOUT_MS: '3000',
        BOT_HOSTS: '3',
        BOTS_PER_HOST: '1',
        APP_SECRET: 'x'.repeat(32),
        LOG_LEVEL: 'DEBUG',
        SUPERVISOR_PORT: '9100',
        PUBLIC_URL: 'https://giveaways.example.com/',
        BOT_DATABASE_URL: 'postgresql://bot:q@db.example:5433/app',
        LOG_LANG: 'zh-CN',
        NODE_NAME: 'node-b',
        LEASE_TTL_S: '4.5',
        UPDATES: 'Webhook',
        WEBHOOK_MAX_CONNECTIONS: '100',
      },
      cwd,
    );
    expect(config).toEqual({
      databaseUrl: 'postgresql://u:p@db.example:5433/app',
      botDatabaseUrl: 'postgresql://bot:q@db.example:5433/app',
      dataDir: '/var/lib/tg-lottery',
      port: 9000,
      host: '0.0.0.0',
      telegramApiRoot: 'http://127.0.0.1:8081',
      checkIntervalS: 2.5,
      stopTimeoutMs: 3000,
      botHosts: 3,
      botsPerHost: 1,
      appSecret: 'x'.repeat(32),
      logLevel: 'debug',
      supervisorPort: 9100,
      publicUrl: 'https://giveaways.example.com',
      logLang: 'zh-CN',
      nodeName: 'node-b',
      leaseTtlS: 4.5,
      updates: 'webhook',
      webhookMaxConnections: 100,
    });
  });

  it('refuses BOT_DATABASE_URL without DATABASE_URL, naming both', () => {
    const err = errorOf({ BOT_DATABASE_URL: 'postgres://bot@127.0.0.1/app' });
    expect(err.variable).toBe('BOT_DATABASE_URL');
    expect(err.message).toMatch(/without DATABASE_URL/);
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'state/x' }, cwd).dataDir).toBe('/srv/app/state/x');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }, cwd)).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
    });
  });

  it.each([
    ['DATABASE_URL', 'mysql://x@y/z', 'postgres://'],
    ['DATABASE_URL', 'not a url', 'postgres://'],
    ['DATA_DIR', '   ', 'is empty'],
    ['PORT', 'eighty', 'not a number'],
    ['PORT', '70000', 'between 0 and 65535'],
    ['PORT', '80.5', 'whole number'],
    ['HOST', 'local host', 'host name'],
    ['HOST', '999.1.1.1', 'valid IPv4'],
    ['DATA_DIR', '/etc/hostname', 'not a directory'],
    ['TELEGRAM_API_ROOT', 'ftp://api.telegram.org', 'http'],
    ['CHECK_INTERVAL_S', '0', 'at least 0.1'],
    ['CHECK_INTERVAL_S', 'soon', 'not a number'],
    ['STOP_TIMEOUT_MS', '10', 'at least 100'],
    ['STOP_TIMEOUT_MS', '5s', 'not a number'],
    ['BOT_HOSTS', '-1', '0 (one per CPU core) or more'],
    ['BOT_HOSTS', 'abc', 'not a number'],
    ['BOTS_PER_HOST', '0', 'at least 1'],
    ['BOTS_PER_HOST', '2.5', 'whole number'],
    ['BOTS_PER_HOST', '2.0', 'whole number'],
    ['BOTS_PER_HOST', '1e3', 'not a number'],
    ['BOTS_PER_HOST', '100001', 'at most 100000'],
    ['BOT_HOSTS', '0x2', 'not a number'],
    ['BOT_HOSTS', ' ', 'not a number'],
    ['BOT_HOSTS', '257', 'at most 256'],
    ['BOT_HOSTS', '99999999999999999999999', 'at most 256'],
    ['PORT', '0x50', 'not a number'],
    ['APP_SECRET', 'short', 'shorter than 16'],
    ['LOG_LEVEL', 'loud', 'not one of'],
    ['SUPERVISOR_PORT', '-1', 'between 0 and 65535'],
    ['NODE_NAME', 'node a', 'only letters'],
    ['NODE_NAME', 'n'.repeat(101), 'longer than 100'],
    ['LEASE_TTL_S', '1', 'at least 2'],
    ['LEASE_TTL_S', 'long', 'not a number'],
    ['LEASE_TTL_S', '301', 'at most 300'],
    ['UPDATES', 'push', 'not one of polling, webhook'],
    ['WEBHOOK_MAX_CONNECTIONS', '0', 'between 1 and 100'],
    ['WEBHOOK_MAX_CONNECTIONS', '101', 'between 1 and 100'],
  ])('rejects %s=%j naming the variable, the problem and a good example', (variable, value, problem) => {
    const err = errorOf({ [variable]: value });
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(problem);
    expect(err.message).toMatch(new RegExp(`^${variable}: .*\\(example: ${variable}=.+\\)$`));
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('UPDATES=webhook needs PUBLIC_URL, and an https one when the bots talk to Telegram itself', () => {
    const missing = errorOf({ UPDATES: 'webhook' });
    expect(missing.variable).toBe('UPDATES');
    expect(missing.message).toContain('without PUBLIC_URL');
    const plain = errorOf({ UPDATES: 'webhook', PUBLIC_URL: 'http://giveaways.example.com' });
    expect(plain.variable).toBe('PUBLIC_URL');
    expect(plain.message).toContain('only to https://');
    // A local Bot API server (or the sandbox) may deliver over http.
    const local = loadConfig(
      { UPDATES: 'webhook', PUBLIC_URL: 'http://10.0.0.5:8080', TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' },
      cwd,
    );
    expect(local.updates).toBe('webhook');
    // Spelled otherwise, still Telegram and still http.
    expect(
      errorOf({
        UPDATES: 'webhook',
        PUBLIC_URL: 'HTTP://g.example.com',
        TELEGRAM_API_ROOT: 'https://API.telegram.org:443',
      }).variable,
    ).toBe('PUBLIC_URL');
    expect(errorOf({ UPDATES: 'webhook', PUBLIC_URL: 'https://g.example.com/base' }).message).toContain(
      'has a path',
    );
  });

  it('PUBLIC_URL: no credentials, query or fragment; normalised', () => {
    for (const bad of [
      'https://u:p@g.example.com',
      'https://g.example.com/?a=1',
      'https://g.example.com/#x',
      'http:g.example.com',
      'ftp://g.example.com',
    ]) {
      expect(errorOf({ PUBLIC_URL: bad }).variable, bad).toBe('PUBLIC_URL');
    }
    expect(loadConfig({ PUBLIC_URL: 'HTTPS://G.example.com/' }, cwd).publicUrl).toBe('https://g.example.com');
  });

  it('never repeats a secret value in the error', () => {
    expect(errorOf({ APP_SECRET: 'tooshort' }).message).not.toContain('tooshort');
    expect(errorOf({ DATABASE_URL: 'mysql://user:hunter2@x/y' }).message).not.toContain('hunter2');
  });

  it('LOG_LANG: en or zh-CN; anything else names the choices', () => {
    expect(loadConfig({ LOG_LANG: 'en' }, cwd).logLang).toBe('en');
    expect(loadConfig({ LOG_LANG: ' zh-CN ' }, cwd).logLang).toBe('zh-CN');
    const err = errorOf({ LOG_LANG: 'fr' });
    expect(err.variable).toBe('LOG_LANG');
    expect(err.message).toMatch(/is not one of en, zh-CN/);
  });

  it('LOG_LANG defaults from the system locale: LC_ALL, then LC_MESSAGES, then LANG', () => {
    expect(loadConfig({ LANG: 'zh_CN.UTF-8' }, cwd).logLang).toBe('zh-CN');
    expect(loadConfig({ LANG: 'zh_TW.UTF-8' }, cwd).logLang).toBe('zh-CN');
    expect(loadConfig({ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }, cwd).logLang).toBe('zh-CN');
    expect(loadConfig({ LC_ALL: 'en_US.UTF-8', LC_MESSAGES: 'zh_CN.UTF-8' }, cwd).logLang).toBe('en');
    expect(loadConfig({ LC_ALL: 'zh_CN.UTF-8', LANG: 'C.UTF-8' }, cwd).logLang).toBe('zh-CN');
    expect(loadConfig({ LANG: 'C.UTF-8' }, cwd).logLang).toBe('en');
    expect(loadConfig({ LANG: 'zh_CN.UTF-8', LOG_LANG: 'en' }, cwd).logLang).toBe('en');
  });
});
