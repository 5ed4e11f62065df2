/**
 * Entities of an organiser account: the tenant, its one bot config, and the bot's live status row
 * (written by the supervisor, read by the admin panel). Mapped with `defineEntity` (no decorators);
 * the tables themselves are created by the committed migrations.
 */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { ROLES } from '../../contracts/account.ts';
import { ISOLATION_REASONS, TENANT_STATES } from '../../contracts/bot.ts';

export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: p.integer().primary().autoincrement(),
    username: p.string().length(64),
    /** Look-alike key of the username (src/db/username-skeleton.ts), unique; null for legacy look-alikes. */
    usernameSkeleton: p.text().nullable(),
    passwordHash: p.text().hidden().lazy(),
    role: p.enum([...ROLES]).default('organiser'),
    locale: p.text().default('zh-CN'),
    displayName: p.string().length(128).nullable(),
    disabled: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Tenant = InferEntity<typeof Tenant>;

export const BotConfig = defineEntity({
  name: 'BotConfig',
  tableName: 'bot_configs',
  properties: {
    tenant: () => p.oneToOne(Tenant).primary().owner().deleteRule('cascade'),
    /** AES-256-GCM ciphertext of the bot token (see src/security/token-cipher.ts). */
    tokenEncrypted: p.text().nullable().hidden(),
    /** Last 4 characters of the token, the only part ever shown again. */
    tokenHint: p.string().length(8).nullable(),
    botId: p.bigint('number').nullable(),
    botUsername: p.string().length(64).nullable(),
    enabled: p.boolean().default(true),
    /** SHA-256 (hex) of the fields whose change needs a restart of the bot. */
    configHash: p.character().length(64).nullable(),
    restartRequestedAt: p.datetime().nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type BotConfig = InferEntity<typeof BotConfig>;

export const BotStatus = defineEntity({
  name: 'BotStatus',
  tableName: 'bot_status',
  properties: {
    tenant: () => p.oneToOne(Tenant).primary().owner().deleteRule('cascade'),
    state: p.enum([...TENANT_STATES]),
    reason: p.text().nullable(),
    detail: p.text().nullable(),
    pid: p.integer().nullable(),
    restarts: p.integer().default(0),
    botUsername: p.string().length(64).nullable(),
    since: p.datetime(),
    heartbeatAt: p.datetime().nullable(),
    pollFailingSince: p.datetime().nullable(),
    pollErrorCode: p.integer().nullable(),
    /** In a bot host of its own, and why; null while it shares a host. */
    isolation: p.enum([...ISOLATION_REASONS]).nullable(),
    /** The bot host it runs in (`pid` is that host's process); null when it runs nowhere. */
    hostId: p.text().nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type BotStatus = InferEntity<typeof BotStatus>;
