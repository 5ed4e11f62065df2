/**
 * The API's resources as the panel receives and sends them (snake_case, times as ISO-8601 UTC strings),
 * named for the panel. None is written by hand: each is taken from schema.gen.ts, which `npm run gen:api`
 * generates from the API's own OpenAPI document (its zod schemas in src/web/schemas/), so a change of a
 * schema that the panel does not follow breaks `npm run typecheck:ui`. What each field means: the
 * document's descriptions (in schema.gen.ts, and at /api/docs), and docs/api-lotteries.md.
 */
import type { components, paths } from './schema.gen.ts';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** The methods `path` has in the API (a method it lacks is `?: never` in schema.gen.ts). */
type MethodOf<P extends keyof paths> = {
  [M in Method]-?: undefined extends paths[P][M] ? never : M;
}[Method];

type Operation<P extends keyof paths, M extends MethodOf<P>> = paths[P][M];

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON of the success answer (200, 201 or 202) of `method path`, e.g. `Answer<'/api/bot', 'get'>`. */
export type Answer<P extends keyof paths, M extends MethodOf<P>> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer S }
      ? JsonOf<S>
      : R extends { 201: infer S }
        ? JsonOf<S>
        : R extends { 202: infer S }
          ? JsonOf<S>
          : never
    : never;

/** The JSON request body of `method path`. */
export type RequestBody<P extends keyof paths, M extends MethodOf<P>> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

/**
 * The query parameters of `method path` as the panel passes them: only names the API takes, each a string
 * or a number (http.ts sends them as text; null and undefined are left out).
 */
export type Query<P extends keyof paths, M extends MethodOf<P>> =
  Operation<P, M> extends { parameters: { query?: infer Q } }
    ? { [K in keyof NonNullable<Q>]?: string | number | null }
    : never;

/** The API's error body, `{ error: { code, message } }`. */
export type ApiError = components['schemas']['Error'];
/** A machine code of the API's error catalogue (src/web/errors.ts). */
export type ErrorCode = ApiError['error']['code'];

/** The signed-in account, with the CSRF token to send on changes. */
export type Me = Answer<'/api/me', 'get'>;
export type Role = Me['role'];
export type RegistrationMode = Answer<'/api/auth/options', 'get'>['registration'];

/** One session of the signed-in account (GET /api/me/sessions). */
export type AccountSession = Answer<'/api/me/sessions', 'get'>['items'][number];

/** The signed-in tenant's bot config and the supervisor's last report (GET /api/bot). */
export type Bot = Answer<'/api/bot', 'get'>;
export type BotStatus = NonNullable<Bot['status']>;
/**
 * States of a bot as the API shows them; `idle` before it first started, `degraded` = running while
 * getUpdates fails, `isolated` = running in a bot host of its own (see `isolation_reason`), `unknown` =
 * running was reported but no heartbeat came for 90 s (unknown wins over degraded, degraded over isolated).
 */
export type BotState = BotStatus['state'];
/** Why a bot runs in a bot host of its own: it harmed the bots it shared one with. */
export type IsolationReason = NonNullable<BotStatus['isolation_reason']>;

/** A page of audit events, newest first; pass `next_before` as `before` for the older ones. */
export type AuditPage = Answer<'/api/admin/audit', 'get'>;
/** One audit log event (GET /api/admin/audit, GET /api/me/audit). */
export type AuditEvent = AuditPage['items'][number];
/** A JSON value as the API sends it (an audit event's detail). */
export type JsonValue = components['schemas']['JsonValue'];

/** One tenant in the platform admin's list, with its bot's state. */
export type TenantItem = Answer<'/api/admin/tenants', 'get'>['items'][number];

/** One supervisor node sharing the database (GET /api/admin/nodes), with the bots it runs. */
export type SupervisorNode = Answer<'/api/admin/nodes', 'get'>['items'][number];
/** `live` (renewing its leases), `stopping` (shutting down cleanly) or `lost` (not renewed in time). */
export type NodeState = SupervisorNode['state'];

export type Lottery = Answer<'/api/lotteries/{id}', 'get'>;
export type LotteryStatus = Lottery['status'];
export type Language = Lottery['language'];
export type Prize = Lottery['prizes'][number];
export type JoinCondition = Lottery['join_conditions'][number];
export type DrawTrigger = Lottery['draw_trigger'];

/**
 * Every member of the union `T`, in the order written: the type refuses a list that misses a member
 * (`values` becomes `never`) or names one `T` does not have.
 */
function everyOf<T extends string>() {
  return <const A extends readonly T[]>(values: [T] extends [A[number]] ? A : never): A => values;
}

/** The lottery states, in their life's order (the list page's filter): the shared vocabulary. */
export { LOTTERY_STATUSES } from '../../../contracts/lottery.ts';
/** The languages a lottery's posts and messages can be in. */
export const LANGUAGES = everyOf<Language>()(['zh-CN', 'en']);

/** The body of `POST /api/lotteries`. */
export type CreateLotteryBody = RequestBody<'/api/lotteries', 'post'>;
/** The body of `PATCH /api/lotteries/:id`: any subset of the fields (prizes may carry their `id`). */
export type LotteryBody = RequestBody<'/api/lotteries/{id}', 'patch'>;

export type Entry = Answer<'/api/lotteries/{id}/entries', 'get'>['items'][number];
export type Winner = Answer<'/api/lotteries/{id}/winners', 'get'>['items'][number];
export type TelegramUser = Winner['user'];
export type DeliveryStatus = Winner['delivery']['status'];
/** A chat the tenant's bot is in (GET /api/chats). */
export type Chat = Answer<'/api/chats', 'get'>['items'][number];
