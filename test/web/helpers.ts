/**
 * Shared setup for the admin web tests: a migrated throw-away database, a Bot API sandbox for getMe,
 * the app built over both with a captured log, and a small cookie-keeping client per browser.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createLogger } from '../../src/log/logger.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { type ApiOptions, type BuildAppOptions, buildApp } from '../../src/web/app.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { TEST_SECRET } from '../helpers/factories/index.ts';

/** The app's `APP_SECRET`: the tests' one secret, so the factories' tokens and seeds decrypt here. */
export const APP_SECRET = TEST_SECRET;

export interface WebWorld {
  app: FastifyInstance;
  db: Awaited<ReturnType<typeof openTestDatabase>>;
  sandbox: Sandbox;
  /** Every log line the app wrote (JSON text). */
  logs: string[];
  /** Run SQL on the test database. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Build another app over the same database and sandbox (closed with the world). */
  another(overrides?: Partial<ApiOptions>, appOverrides?: Partial<BuildAppOptions>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** A database, a sandbox and an app. Close with `close()`. */
export async function createWebWorld(
  overrides: Partial<ApiOptions> = {},
  appOverrides: Partial<BuildAppOptions> = {},
): Promise<WebWorld> {
  const db = await openTestDatabase();
  const sandbox = await createSandbox();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', pretty: false, destination });
  const apps: FastifyInstance[] = [];
  const build = async (api: Partial<ApiOptions>, rest: Partial<BuildAppOptions>) => {
    const app = await buildApp({
      logger,
      checkDatabase: async () => {
        await db.orm.em.getConnection().execute('select 1');
      },
      trustProxy: false,
      processMetrics: false,
      rateLimits: { perMinute: 100_000, registerPerHour: 100_000 },
      ...rest,
      api: {
        orm: db.orm,
        appSecret: APP_SECRET,
        telegramApiRoot: sandbox.apiRoot,
        registration: 'open',
        loginLimits: { pairFailures: 1000, addressFailures: 1000 },
        ...api,
      },
    });
    apps.push(app);
    return app;
  };
  const app = await build(overrides, appOverrides);
  return {
    app,
    db,
    sandbox,
    logs,
    query: <T>(sql: string, params: unknown[] = []) => db.orm.em.getConnection().execute<T[]>(sql, params),
    another: (api = {}, rest = {}) => build(api, rest),
    async close() {
      for (const a of apps) await a.close();
      await sandbox.close();
      await db.drop();
    },
  };
}

/** A browser: keeps the cookies it is given and sends the CSRF header on changes. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Send `x-csrf-token` automatically (the panel does); switch off to test CSRF. */
  sendCsrf = true;

  /** @param remoteAddress the client address the requests come from (sign-in throttling) */
  constructor(
    private readonly app: FastifyInstance,
    readonly remoteAddress = '127.0.0.1',
  ) {}

  get csrf(): string | undefined {
    return this.cookies.get('tgl_csrf');
  }

  async request(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const all: Record<string, string> = { ...headers };
    if (cookie) all.cookie = cookie;
    if (this.sendCsrf && this.csrf && method !== 'GET') all['x-csrf-token'] = this.csrf;
    const res = await this.app.inject({
      method,
      url,
      headers: all,
      remoteAddress: this.remoteAddress,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const cleared = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now());
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  register(username: string, password = 'correct horse battery', extra: Record<string, unknown> = {}) {
    return this.request('POST', '/api/auth/register', { username, password, ...extra });
  }

  login(username: string, password = 'correct horse battery') {
    return this.request('POST', '/api/auth/login', { username, password });
  }
}

/** A signed-up browser (throws when sign-up fails). */
export async function signedUp(app: FastifyInstance, username: string): Promise<Browser> {
  const browser = new Browser(app);
  const res = await browser.register(username);
  if (res.statusCode !== 201) throw new Error(`sign-up of ${username} failed: ${res.statusCode} ${res.body}`);
  return browser;
}

/** The error body of a response. */
export function errorOf(res: LightMyRequestResponse): { code: string; message: string } {
  return (res.json() as { error: { code: string; message: string } }).error;
}
