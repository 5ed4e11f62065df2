/**
 * A bot host's environment holds what a process needs and nothing secret: its environment is readable in
 * /proc by the same user, so the database URLs (the bot role's password), APP_SECRET and METRICS_TOKEN
 * must not be there (the bot role's URL reaches a host over IPC).
 */
import { describe, expect, it } from 'vitest';
import { childEnv } from '../../src/supervisor/host-entry.ts';

describe('childEnv', () => {
  it('keeps paths, locale, time zone, TLS trust, proxies and the log level', () => {
    const kept = {
      PATH: '/usr/bin',
      HOME: '/home/x',
      LANG: 'zh_CN.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'Asia/Shanghai',
      NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
      HTTPS_PROXY: 'http://proxy:3128',
      NO_PROXY: 'localhost',
      LOG_LEVEL: 'debug',
    };
    expect(childEnv(kept)).toEqual(kept);
  });

  it('drops every secret and everything it does not know', () => {
    const env = childEnv({
      PATH: '/usr/bin',
      APP_SECRET: 'a'.repeat(32),
      DATABASE_URL: 'postgres://owner:pw@db/app',
      BOT_DATABASE_URL: 'postgres://bot:bot-secret@db/app',
      METRICS_TOKEN: 'm'.repeat(20),
      NODE_OPTIONS: '--inspect',
      VITEST_WORKER_ID: '1',
      MY_OWN_API_KEY: 'k',
    });
    expect(env).toEqual({ PATH: '/usr/bin' });
  });
});
