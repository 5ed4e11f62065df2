/**
 * Queries on `bot_configs` (one per tenant) and the supervisor-written `bot_status`. Every write fires
 * the table's trigger, which NOTIFYs the supervisor: saving is all it takes to (re)start or stop a bot.
 * The token ciphertext is written here but never read back by the web.
 */
import type { TenantState } from '../../contracts/bot.ts';
import { type Sql, toDate, toDateOrNull } from '../sql.ts';

/** A config the supervisor should run, as `activeConfigs` reads it (the token still sealed). */
export interface ActiveConfigRow {
  tenant_id: number;
  tenant_name: string;
  token_encrypted: string;
  bot_id: string | null;
  restart_requested_at: Date | null;
}

/** A tenant's bot config with the bot's live status (null before the supervisor reported one). */
export interface BotConfigRecord {
  tenantId: number;
  tokenHint: string | null;
  botId: number | null;
  botUsername: string | null;
  enabled: boolean;
  configHash: string | null;
  restartRequestedAt: Date | null;
  updatedAt: Date;
  status: {
    state: TenantState;
    reason: string | null;
    detail: string | null;
    since: Date;
    restarts: number;
    /** The supervisor's last heartbeat of this bot (or, before the first, when the state began). */
    reportedAt: Date;
    /**
     * How long ago that was by the database's clock (ms), so web and supervisor clocks need not agree; for
     * a passing state (idle, starting, restarting) how long ago that state was reported.
     */
    reportAgeMs: number;
    pollFailingSince: Date | null;
    pollErrorCode: number | null;
    /** Why the bot runs in a bot host of its own (`crash-loop`, `event-loop-blocked`, `memory`); null while it shares one. */
    isolation: string | null;
    /** The bot host it runs in; null when it runs nowhere. */
    hostId: string | null;
  } | null;
}

interface BotConfigRow {
  tenant_id: number;
  token_hint: string | null;
  bot_id: string | null;
  bot_username: string | null;
  enabled: boolean;
  config_hash: string | null;
  restart_requested_at: Date | string | null;
  updated_at: Date | string;
  state: TenantState | null;
  reason: string | null;
  detail: string | null;
  since: Date | string | null;
  restarts: number | null;
  reported_at: Date | string | null;
  report_age_ms: number | null;
  poll_failing_since: Date | string | null;
  poll_error_code: number | null;
  isolation: string | null;
  host_id: string | null;
}

/** What saving a verified token writes. */
export interface TokenWrite {
  tenantId: number;
  tokenEncrypted: string;
  tokenHint: string;
  botId: number;
  botUsername: string;
  configHash: string;
  /** Undefined keeps the current value (true for a new config). */
  enabled: boolean | undefined;
}

export const BOT_ID_UNIQUE_INDEX = 'bot_configs_bot_id_unique';

export const botConfigRepository = {
  /** The tenant's config with its bot status, if it has one. */
  async findByTenant(db: Sql, tenantId: number): Promise<BotConfigRecord | undefined> {
    const rows = await db.query<BotConfigRow>(
      `select c.tenant_id, c.token_hint, c.bot_id, c.bot_username, c.enabled, c.config_hash,
              c.restart_requested_at, c.updated_at, s.state, s.reason, s.detail, s.since, s.restarts,
              coalesce(s.heartbeat_at, s.since) as reported_at,
              (extract(epoch from now() - case when s.state in ('idle', 'starting', 'restarting') then s.since
                                                 else coalesce(s.heartbeat_at, s.since) end) * 1000)::float8 as report_age_ms,
              s.poll_failing_since, s.poll_error_code, s.isolation, s.host_id
         from bot_configs c
         left join bot_status s on s.tenant_id = c.tenant_id
        where c.tenant_id = ?`,
      [tenantId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      tenantId: row.tenant_id,
      tokenHint: row.token_hint,
      botId: row.bot_id === null ? null : Number(row.bot_id),
      botUsername: row.bot_username,
      enabled: row.enabled,
      configHash: row.config_hash,
      restartRequestedAt: toDateOrNull(row.restart_requested_at),
      updatedAt: toDate(row.updated_at),
      status:
        row.state === null || row.since === null
          ? null
          : {
              state: row.state,
              reason: row.reason,
              detail: row.detail,
              since: toDate(row.since),
              restarts: row.restarts ?? 0,
              reportedAt: toDate(row.reported_at ?? row.since),
              reportAgeMs: Number(row.report_age_ms ?? 0),
              pollFailingSince: toDateOrNull(row.poll_failing_since),
              pollErrorCode: row.poll_error_code,
              isolation: row.isolation,
              hostId: row.host_id,
            },
    };
  },

  /** The tenant whose config holds this bot, if any. */
  async ownerOfBot(db: Sql, botId: number): Promise<number | undefined> {
    const rows = await db.query<{ tenant_id: number }>('select tenant_id from bot_configs where bot_id = ?', [
      botId,
    ]);
    return rows[0]?.tenant_id;
  },

  /**
   * Insert or replace the tenant's token and the bot identity that goes with it.
   * @throws the driver's unique violation on {@link BOT_ID_UNIQUE_INDEX} when another tenant has the bot
   */
  async saveToken(db: Sql, write: TokenWrite): Promise<void> {
    await db.query(
      `insert into bot_configs as c
              (tenant_id, token_encrypted, token_hint, bot_id, bot_username, config_hash, enabled, updated_at)
       values (?, ?, ?, ?, ?, ?, coalesce(?::boolean, true), now())
       on conflict (tenant_id) do update set
              token_encrypted = excluded.token_encrypted, token_hint = excluded.token_hint,
              bot_id = excluded.bot_id, bot_username = excluded.bot_username,
              config_hash = excluded.config_hash,
              enabled = coalesce(?::boolean, c.enabled), updated_at = now()`,
      [
        write.tenantId,
        write.tokenEncrypted,
        write.tokenHint,
        write.botId,
        write.botUsername,
        write.configHash,
        write.enabled ?? null,
        write.enabled ?? null,
      ],
    );
  },

  /** Set `enabled`; false when the tenant has no config. */
  async setEnabled(db: Sql, tenantId: number, enabled: boolean): Promise<boolean> {
    const rows = await db.query<{ tenant_id: number }>(
      'update bot_configs set enabled = ?, updated_at = now() where tenant_id = ? returning tenant_id',
      [enabled, tenantId],
    );
    return rows.length > 0;
  },

  /** Ask the supervisor to restart the bot; resolves with the request time, undefined without a config. */
  async requestRestart(db: Sql, tenantId: number): Promise<Date | undefined> {
    const rows = await db.query<{ restart_requested_at: Date | string }>(
      `update bot_configs set restart_requested_at = now(), updated_at = now()
        where tenant_id = ? returning restart_requested_at`,
      [tenantId],
    );
    const at = rows[0]?.restart_requested_at;
    return at === undefined ? undefined : toDate(at);
  },

  /** Delete the config (the supervisor stops the bot); false when there was none. */
  async delete(db: Sql, tenantId: number): Promise<boolean> {
    const rows = await db.query<{ tenant_id: number }>(
      'delete from bot_configs where tenant_id = ? returning tenant_id',
      [tenantId],
    );
    return rows.length > 0;
  },

  /**
   * Every config the supervisor should run: enabled, with a token, of a tenant that is not disabled, with the
   * tenant's display name, the token's ciphertext, the recorded bot id and the last restart request.
   */
  async activeConfigs(db: Pick<Sql, 'query'>): Promise<ActiveConfigRow[]> {
    return db.query<ActiveConfigRow>(
      `select c.tenant_id, coalesce(t.display_name, t.username) as tenant_name, c.token_encrypted,
              c.bot_id::text as bot_id, c.restart_requested_at
         from bot_configs c
         join tenants t on t.id = c.tenant_id
        where c.enabled and c.token_encrypted is not null and not t.disabled
        order by c.tenant_id`,
    );
  },

  /**
   * Records the bot id of a config written without it. @throws the database's unique violation
   * (`bot_configs_bot_id_unique`) when another tenant has this bot
   */
  async recordBotId(db: Pick<Sql, 'query'>, tenantId: number, botId: string): Promise<void> {
    await db.query('update bot_configs set bot_id = ? where tenant_id = ?', [botId, tenantId]);
  },

  /** Whether the tenant has saved a token (publishing a lottery needs a bot). */
  async hasToken(db: Pick<Sql, 'query'>, tenantId: number): Promise<boolean> {
    const rows = await db.query(
      'select 1 from bot_configs where tenant_id = ? and token_encrypted is not null',
      [tenantId],
    );
    return rows.length > 0;
  },

  /** The bot's username (from getMe, saved with its config), or null. */
  async botUsername(db: Pick<Sql, 'query'>, tenantId: number): Promise<string | null> {
    const [row] = await db.query<{ bot_username: string | null }>(
      'select bot_username from bot_configs where tenant_id = ?',
      [tenantId],
    );
    return row?.bot_username ?? null;
  },

  /** The token's ciphertext (for a process that may decrypt it), or null without a token. Never logged. */
  async tokenCiphertext(db: Pick<Sql, 'query'>, tenantId: number): Promise<string | null> {
    const [row] = await db.query<{ token_encrypted: string | null }>(
      'select token_encrypted from bot_configs where tenant_id = ?',
      [tenantId],
    );
    return row?.token_encrypted ?? null;
  },
};
