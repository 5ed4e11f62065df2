/**
 * The admin web server (Fastify). `buildApp` assembles plugins and routes without listening, so tests
 * use `app.inject()`; `listen` is the caller's business (src/commands/web.ts, src/commands/start.ts).
 *
 * Always: `GET /healthz`, `GET /readyz`, `GET /metrics`, security headers (helmet), request ids
 * (`x-request-id`, echoed; in every log line as `reqId`), a body size limit, a per-address rate limit,
 * and one error shape for every failure (errors.ts). With `api`: the JSON API under `/api`
 * (accounts, bot config, lotteries and chats, platform admin) and its OpenAPI reference at `/api/docs`,
 * and Telegram's webhook deliveries at `/telegram/webhook/:tenantId/:botId` (routes/telegram-webhook.ts).
 *
 * Layout: routes (routes/) are thin; services (services/) hold the rules and the access checks;
 * repositories (src/db/repositories/, shared with the supervisor and the lottery) hold the SQL.
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Orm } from '../db/orm.ts';
import { statsRepository } from '../db/repositories/stats.ts';
import { type Sql, sqlFromOrm } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { createSeedCipher } from '../lottery/index.ts';
import { createTokenCipher } from '../security/token-cipher.ts';
import { createWebhookSecrets, WEBHOOK_PATH_PREFIX } from '../security/webhook-secret.ts';
import { createGuard, noStore, originCheck } from './auth/guard.ts';
import { type HostPolicy, hostCheck } from './auth/hosts.ts';
import { createLoginThrottle, type LoginLimits } from './auth/login-throttle.ts';
import { createCsrfTokens } from './auth/secrets.ts';
import { installBodyLimits } from './body-limits.ts';
import { registerDocs } from './docs.ts';
import { installErrorHandling } from './error-handler.ts';
import { rateLimited } from './errors.ts';
import { createHeavyLimiter, type HeavyLimiter } from './heavy-limit.ts';
import { createWebMetrics } from './metrics.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { botRoutes } from './routes/bot.ts';
import { chatRoutes } from './routes/chats.ts';
import { healthRoutes } from './routes/health.ts';
import { lotteryRoutes } from './routes/lotteries.ts';
import { meRoutes } from './routes/me.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { telegramWebhookRoutes } from './routes/telegram-webhook.ts';
import { AdminService } from './services/admin-service.ts';
import { AuditService } from './services/audit-service.ts';
import { AuthService } from './services/auth-service.ts';
import { BotService } from './services/bot-service.ts';
import { LotteryService } from './services/lottery-service.ts';
import { tenantMembership } from './services/membership.ts';
import { createUpdateIntake, type UpdateIntake } from './services/update-intake.ts';
import { adminPanel } from './static.ts';
import { createTelegramClient, type TelegramClient } from './telegram.ts';
import { loadWebEnv, type RegistrationMode, type TrustProxy } from './web-env.ts';

/** Request rate limits per client address; every default in one place. */
export interface RateLimits {
  /** Requests per minute per address across the whole API, default 600. */
  perMinute: number;
  /** Sign-ups per hour per address, default 20. */
  registerPerHour: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 600, registerPerHour: 20 };

/** What the JSON API needs. */
export interface ApiOptions {
  orm: Orm;
  /** The application secret: encrypts tokens (same key as the supervisor's) and signs CSRF tokens. */
  appSecret: string;
  /** Bot API root for getMe (TELEGRAM_API_ROOT). */
  telegramApiRoot: string;
  /** getMe timeout in milliseconds, default 10 000. */
  telegramTimeoutMs?: number;
  /** `fetch` for getMe (tests simulate an unreachable Telegram), default the global one. */
  fetch?: typeof fetch;
  /** Replaces the getMe client entirely (tests). */
  telegram?: TelegramClient;
  /** Who may sign up; default `REGISTRATION` from the environment (`open` when unset). */
  registration?: RegistrationMode;
  /** Sign-in throttle over the defaults (growing delays after 3 failures per account and address, 20 per address). */
  loginLimits?: Partial<LoginLimits>;
  /**
   * The panel's public URL (e.g. `https://lottery.example.com`), for the proof link in winner
   * announcements (`<publicUrl>/proof/<id>`); without it the announcements show the commitment only.
   */
  publicUrl?: string;
  /** getChatMember timeout of the manual draw's membership checks in milliseconds, default 5 000. */
  membershipTimeoutMs?: number;
  /** Folder of the built admin panel, default `dist/ui` (src/web/static.ts). */
  panelDir?: string;
  /** Slots of heavy requests (search, export, proof build), default `createHeavyLimiter()` (src/web/heavy-limit.ts). */
  heavy?: HeavyLimiter;
  /** Stores webhook updates (tests substitute one), default grouped writes to the database (services/update-intake.ts). */
  updateIntake?: UpdateIntake;
  /** Statement timeout of an entry search and of each export batch in ms, default 3 000. */
  searchTimeoutMs?: number;
}

export interface BuildAppOptions {
  logger: Logger;
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase: () => Promise<void>;
  /** Request body limit in bytes, default 1 MiB. */
  bodyLimit?: number;
  /** Proxies trusted for `x-forwarded-*`; default `TRUST_PROXY` from the environment (off when unset). */
  trustProxy?: TrustProxy;
  /** Request rate limits over {@link DEFAULT_RATE_LIMITS}. */
  rateLimits?: Partial<RateLimits>;
  /** Also export Node.js process metrics, default true. */
  processMetrics?: boolean;
  /** Bearer token of `GET /metrics`; default `METRICS_TOKEN` (unset: loopback clients only). */
  metricsToken?: string;
  /** The JSON API; without it the app serves the probes and metrics only. */
  api?: ApiOptions;
  /**
   * Serve only these hosts (421 otherwise; the probes answer any host), see auth/hosts.ts.
   * Unset: any host (tests with `app.inject()`); `startAdminWeb` always sets it.
   */
  hosts?: HostPolicy;
}

/** Strict-Transport-Security over https: one year, subdomains too (helmet's default value). */
const HSTS = 'max-age=31536000; includeSubDomains';

/** Fastify's form of `trustProxy` (a hop count becomes a function). */
function fastifyTrustProxy(
  value: TrustProxy,
): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}

/** A request id from the client's `x-request-id` when it is short and plain, else a new UUID. */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(header) ? header : randomUUID();
}

/**
 * Build the app (not listening).
 * @throws ConfigError when `REGISTRATION` or `TRUST_PROXY` is needed from the environment and invalid
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const env =
    options.trustProxy === undefined ||
    (options.api && !options.api.registration) ||
    options.metricsToken === undefined
      ? loadWebEnv()
      : undefined;
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'web' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: fastifyTrustProxy(options.trustProxy ?? env?.trustProxy ?? false),
    requestIdHeader: false,
    genReqId: (req) => requestId(req.headers['x-request-id']),
    // Two lines per request at info drowned the console (the panel polls); one line per request at debug.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.decorateRequest('auth', null);
  if (options.hosts) app.addHook('onRequest', hostCheck(options.hosts));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // HSTS only where it means something: a browser ignores it over http, and a LAN installation
    // reached over http must not be pinned to an https it does not have.
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });

  await app.register(helmet, {
    // Plain-HTTP installations (a LAN address) must keep working: do not force https sub-requests.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    max: limits.perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => rateLimited(context.ttl),
  });

  const metrics = createWebMetrics(options.processMetrics ?? true);
  metrics.instrument(app);
  const sql: Sql | undefined = options.api ? sqlFromOrm(options.api.orm) : undefined;

  await app.register(healthRoutes, { checkDatabase: options.checkDatabase });
  await app.register(metricsRoutes, {
    metrics,
    counts: sql && (() => statsRepository.counts(sql)),
    token: options.metricsToken ?? env?.metricsToken,
  });

  if (options.api && sql) {
    await registerDocs(app);
    const api = options.api;
    const csrf = createCsrfTokens(api.appSecret);
    const auth = new AuthService({
      sql,
      registration: api.registration ?? env?.registration ?? 'open',
      throttle: createLoginThrottle(api.loginLimits),
      csrf,
    });
    const tokenCipher = createTokenCipher(api.appSecret);
    const bots = new BotService({
      sql,
      cipher: tokenCipher,
      telegram:
        api.telegram ??
        createTelegramClient({
          apiRoot: api.telegramApiRoot,
          timeoutMs: api.telegramTimeoutMs,
          fetch: api.fetch,
        }),
    });
    const publicUrl = api.publicUrl?.replace(/\/+$/, '');
    const lotteries = new LotteryService({
      sql,
      seedCipher: createSeedCipher(api.appSecret),
      membershipFor: tenantMembership({
        sql,
        cipher: tokenCipher,
        apiRoot: api.telegramApiRoot,
        ...(api.fetch ? { fetch: api.fetch } : {}),
        ...(api.membershipTimeoutMs !== undefined ? { timeoutMs: api.membershipTimeoutMs } : {}),
      }),
      proofUrl: publicUrl ? (id) => `${publicUrl}/proof/${id}` : null,
      heavy: api.heavy ?? createHeavyLimiter(),
      ...(api.searchTimeoutMs !== undefined ? { searchTimeoutMs: api.searchTimeoutMs } : {}),
    });
    const admin = new AdminService(sql);
    const audit = new AuditService(sql);
    const guard = createGuard(auth, csrf);

    await app.register(
      async (scope) => {
        scope.addHook('onRequest', originCheck(publicUrl));
        installBodyLimits(scope);
        await scope.register(async (accounts) => {
          // Sign-up, sign-in and sign-out answers carry session cookies: never stored by a cache.
          accounts.addHook('onRequest', noStore);
          await accounts.register(authRoutes, {
            prefix: '/auth',
            auth,
            guard,
            registerPerHour: limits.registerPerHour,
          });
        });
        await scope.register(meRoutes, { prefix: '/me', auth, audit, guard });
        await scope.register(botRoutes, { prefix: '/bot', bots, guard });
        await scope.register(lotteryRoutes, { prefix: '/lotteries', lotteries, guard });
        await scope.register(chatRoutes, { prefix: '/chats', lotteries, guard });
        await scope.register(adminRoutes, { prefix: '/admin', admin, audit, guard });
      },
      { prefix: '/api' },
    );
    // Webhook mode: Telegram's deliveries, outside the API's sessions and checks (the secret is the check).
    await app.register(telegramWebhookRoutes, {
      prefix: WEBHOOK_PATH_PREFIX,
      secrets: createWebhookSecrets(api.appSecret),
      intake: api.updateIntake ?? createUpdateIntake(sql),
    });
    // The admin panel (built Vue app) at `/`, with the single-page-app fallback; `/api/*` stays JSON.
    await app.register(adminPanel, api.panelDir ? { root: api.panelDir } : {});
  }

  return app;
}

/** The URL people use to reach a listening app (the real port when PORT=0; localhost for 0.0.0.0). */
export function listenAddress(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
