/**
 * Where the supervisor learns the bot configs: `bot_configs WHERE enabled AND token IS NOT NULL` (of
 * tenants that are not disabled), read every `CHECK_INTERVAL_S` and at once on each NOTIFY
 * `bot_config_changed` (the foundation's trigger). NOTIFY arrives on a dedicated `pg` connection that is
 * reconnected with backoff when it drops; polling keeps working meanwhile.
 *
 * If the database is unreachable the source says so once (`onDatabaseDown`), keeps the last snapshot
 * (so the running bots keep running) and retries with backoff (1 s doubling to 30 s); when it answers
 * again it says so (`onDatabaseUp`) and delivers a fresh snapshot.
 */

import pg from 'pg';
import type { UnusableReason } from '../contracts/bot.ts';
import { type ActiveConfigRow, botConfigRepository } from '../db/repositories/bot-configs.ts';
import { INBOUND_UPDATES_CHANNEL } from '../db/repositories/inbound-updates.ts';
import { NODES_CHANNEL } from '../db/repositories/leases.ts';
import { isUniqueViolation, type Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';
import { isBotTokenShaped } from '../security/bot-token.ts';
import type { TokenCipher } from '../security/token-cipher.ts';
import { configHash } from './config-hash.ts';

/** One enabled bot config as the supervisor needs it. The token stays out of machines and logs. */
export interface ActiveConfig {
  tenantId: string;
  tenantName: string;
  token: string;
  configHash: string;
  /** Epoch ms of the last operator restart request, or null. */
  restartRequestedAt: number | null;
}

/**
 * A config that can never start, and why: `token-unreadable` (the token cannot be decrypted with this
 * APP_SECRET), `invalid-token` (it decrypts to something that is not a bot token) or `token-conflict` (the
 * same bot is already configured for another tenant: the unique `bot_id` refused it). No bot process is
 * started for it; the tenant shows `stopped` with this reason until the token is saved again.
 */
export interface UnusableConfig {
  tenantId: string;
  tenantName: string;
  reason: UnusableReason;
  /** For the log (never contains the token). */
  problem: string;
}

export interface ConfigSnapshot {
  active: ActiveConfig[];
  unusable: UnusableConfig[];
  /** Epoch ms when it was read. */
  at: number;
}

export interface ConfigSourceOptions {
  /** Connection string (for the LISTEN connection). */
  url: string;
  /** The platform's pool (the owner role). */
  sql: Pick<Sql, 'query'>;
  cipher: TokenCipher;
  logger: Logger;
  /** Seconds between polls. */
  checkIntervalS: number;
  onSnapshot: (snapshot: ConfigSnapshot) => void;
  onDatabaseDown?: (error: unknown) => void;
  onDatabaseUp?: () => void;
  /** Coalesce NOTIFY bursts for this long before reading (ms), default 25. */
  debounceMs?: number;
  /** Called with a tenant id on each NOTIFY `outbox_pending` (new sends queued for that bot). */
  onOutboxPending?: (tenantId: string) => void;
  /**
   * Called each time LISTEN (re)connects after it was lost: notifications sent meanwhile were missed,
   * so the bots are woken to look at their outbox themselves.
   */
  onListenRestored?: () => void;
  /** LISTEN for NOTIFY, default true (false = polling alone, for benchmarks). */
  listen?: boolean;
  /** Called with a tenant id on each NOTIFY `inbound_updates` (the web stored updates of that bot). */
  onInboundUpdates?: (tenantId: string) => void;
  /** Called on each NOTIFY `supervisor_nodes` (a node joined, is stopping, or released bot leases). */
  onNodesChanged?: () => void;
}

export interface ConfigSource {
  /** Read now (also coalesces with a read in flight). */
  refresh(): void;
  /** Stop polling and listening. */
  close(): Promise<void>;
  /** Whether the last read succeeded. */
  readonly databaseUp: boolean;
  /** Resolves once LISTEN is active (changes from then on are seen at once). Never rejects. */
  readonly listening: Promise<void>;
}

/** Start reading configs; the first snapshot is delivered as soon as the first read succeeds. */
export function startConfigSource(options: ConfigSourceOptions): ConfigSource {
  const { logger } = options;
  let closed = false;
  let databaseUp = true;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let listener: pg.Client | undefined;
  let listenTimer: NodeJS.Timeout | undefined;
  let listenFailures = 0;
  let debounce: NodeJS.Timeout | undefined;
  let markListening: () => void = () => {};
  const listening = new Promise<void>((resolve) => {
    markListening = resolve;
  });

  const schedule = (ms: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => refresh(), ms);
  };

  /**
   * Records the bot id (the digits before the token's colon) in `bot_configs.bot_id` if the row does not
   * hold it yet (a config written straight into the database). The unique index on `bot_id` refuses a bot
   * that another tenant already has: false then, and this config is not run (one bot, one tenant).
   */
  async function claimBotId(row: ActiveConfigRow, token: string): Promise<boolean> {
    const botId = token.slice(0, token.indexOf(':'));
    if (row.bot_id === botId) return true;
    try {
      await botConfigRepository.recordBotId(options.sql, row.tenant_id, botId);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, 'bot_configs_bot_id_unique')) return false;
      throw err;
    }
  }

  async function readOnce(): Promise<void> {
    try {
      const rows = await botConfigRepository.activeConfigs(options.sql);
      const active: ActiveConfig[] = [];
      const unusable: UnusableConfig[] = [];
      for (const row of rows) {
        const tenantId = String(row.tenant_id);
        let token: string;
        try {
          token = options.cipher.decrypt(row.token_encrypted);
        } catch (err) {
          const problem = (err as Error).message;
          unusable.push({ tenantId, tenantName: row.tenant_name, reason: 'token-unreadable', problem });
          continue;
        }
        if (!isBotTokenShaped(token)) {
          const problem = 'the stored token is not a bot token';
          unusable.push({ tenantId, tenantName: row.tenant_name, reason: 'invalid-token', problem });
          continue;
        }
        if (!(await claimBotId(row, token))) {
          const problem = 'the same bot is configured for another tenant';
          unusable.push({ tenantId, tenantName: row.tenant_name, reason: 'token-conflict', problem });
          continue;
        }
        active.push({
          tenantId,
          tenantName: row.tenant_name,
          token,
          configHash: configHash({ token }),
          restartRequestedAt: row.restart_requested_at ? new Date(row.restart_requested_at).getTime() : null,
        });
      }
      if (!databaseUp) {
        databaseUp = true;
        failures = 0;
        logger.info(logMessages().supervisor.databaseUp());
        options.onDatabaseUp?.();
      }
      failures = 0;
      options.onSnapshot({ active, unusable, at: Date.now() });
      schedule(options.checkIntervalS * 1000);
    } catch (err) {
      failures++;
      const retryMs = Math.min(30_000, 1000 * 2 ** (failures - 1));
      if (databaseUp) {
        databaseUp = false;
        logger.error({ err }, logMessages().supervisor.databaseDown(retryMs / 1000));
        options.onDatabaseDown?.(err);
      } else {
        logger.debug({ err, retryMs }, 'the database is still unreachable');
      }
      schedule(Math.min(retryMs, options.checkIntervalS * 1000));
    }
  }

  function refresh(): void {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = readOnce().finally(() => {
      reading = undefined;
      if (again && !closed) {
        again = false;
        refresh();
      }
    });
  }

  async function listen(): Promise<void> {
    if (closed) return;
    const client = new pg.Client({ connectionString: options.url });
    listener = client;
    const retry = () => {
      if (closed || listener !== client) return;
      listener = undefined;
      client.end().catch(() => undefined);
      listenFailures++;
      const ms = Math.min(30_000, 500 * 2 ** Math.min(listenFailures, 6));
      logger.debug({ retryMs: ms }, 'LISTEN connection lost; polling continues; reconnecting');
      listenTimer = setTimeout(() => void listen(), ms);
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (msg) => {
      if (msg.channel === NODES_CHANNEL) {
        options.onNodesChanged?.();
        return;
      }
      if (msg.channel === INBOUND_UPDATES_CHANNEL) {
        if (msg.payload) options.onInboundUpdates?.(msg.payload);
        return;
      }
      if (msg.channel === 'outbox_pending') {
        if (msg.payload) options.onOutboxPending?.(msg.payload);
        return;
      }
      if (msg.channel !== 'bot_config_changed') return;
      clearTimeout(debounce);
      debounce = setTimeout(refresh, options.debounceMs ?? 25);
    });
    try {
      await client.connect();
      await client.query('listen bot_config_changed');
      if (options.onOutboxPending) await client.query('listen outbox_pending');
      if (options.onNodesChanged) await client.query(`listen ${NODES_CHANNEL}`);
      if (options.onInboundUpdates) await client.query(`listen ${INBOUND_UPDATES_CHANNEL}`);
      // Changes committed before LISTEN took effect sent no notification we could see: read again.
      refresh();
      if (listenFailures > 0) options.onListenRestored?.();
      listenFailures = 0;
      markListening();
    } catch {
      retry();
    }
  }

  if (options.listen === false) markListening();
  else void listen();
  refresh();

  return {
    refresh,
    get databaseUp() {
      return databaseUp;
    },
    listening,
    async close() {
      closed = true;
      clearTimeout(timer);
      clearTimeout(listenTimer);
      clearTimeout(debounce);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
      await reading?.catch(() => undefined);
    },
  };
}
