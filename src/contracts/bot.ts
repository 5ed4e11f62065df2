/**
 * The vocabulary of a tenant's bot, declared once: the tenant machine's states (also `bot_status.state`), the
 * states the API and panel show, why a bot stops or is isolated, and the shape of a bot token. Machines, the
 * supervisor, the web, the bot hosts and the panel import these; the database's CHECK constraints are tested
 * against them (test/contracts/database-enums.test.ts).
 */

/** Top-level states of the tenant machine (machines/tenant.ts), as `bot_status.state` stores them. */
export const TENANT_STATES = ['idle', 'starting', 'running', 'restarting', 'stopped'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

/**
 * States of a bot as the API and the panel show them: the machine's, plus `degraded` (running while getUpdates
 * fails), `isolated` (running in a bot host of its own) and `unknown` (running was reported, no heartbeat since).
 */
export const BOT_STATES = [...TENANT_STATES, 'degraded', 'isolated', 'unknown'] as const;
export type BotState = (typeof BOT_STATES)[number];

/**
 * Why a bot config can never start, found where the supervisor decrypts the token
 * (src/supervisor/config-source.ts): it does not decrypt with this APP_SECRET (`token-unreadable`), it has no
 * bot token's shape (`invalid-token`), or another tenant has the same bot (`token-conflict`).
 */
export const UNUSABLE_REASONS = ['token-unreadable', 'invalid-token', 'token-conflict'] as const;
export type UnusableReason = (typeof UNUSABLE_REASONS)[number];

/** Why a tenant's machine is `stopped` (machines/tenant.ts): an unusable config, a crash loop, disabled, shutdown. */
export const STOPPED_REASONS = [...UNUSABLE_REASONS, 'crash-loop', 'disabled', 'shutdown'] as const;
export type StoppedReason = (typeof STOPPED_REASONS)[number];

/** Why a running bot is degraded (a reason on `running`, not a stop). */
export const RUNNING_REASONS = ['polling-failing'] as const;
export type RunningReason = (typeof RUNNING_REASONS)[number];

/** Every `bot_status.reason`: a stop, an unusable config, or a degraded run. */
export const BOT_REASONS = [...STOPPED_REASONS, ...RUNNING_REASONS] as const;
export type BotReason = (typeof BOT_REASONS)[number];

/**
 * Why a tenant's bot runs in a bot host of its own (machines/placement.ts states the rules): it crash-looped in
 * a shared host, held its host's event loop, or sent its host over the memory budget.
 */
export const ISOLATION_REASONS = ['crash-loop', 'event-loop-blocked', 'memory'] as const;
export type IsolationReason = (typeof ISOLATION_REASONS)[number];

/**
 * The shape of a Telegram bot token: `<bot id>:<secret>` as @BotFather shows it, the bot id 1-20 digits and the
 * secret 20-100 URL-safe characters (Telegram's are 35 today). Anchored. It says nothing about whether
 * Telegram accepts the token (getMe does).
 */
export const BOT_TOKEN_PATTERN = /^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$/;
