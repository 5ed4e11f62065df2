/**
 * Queries on `tenants` (organiser accounts). Usernames are unique case-insensitively (`lower(username)`)
 * and by look-alike skeleton (`username_skeleton`, src/db/username-skeleton.ts).
 */
import type { TenantState } from '../../contracts/bot.ts';
import { type Sql, toDate } from '../sql.ts';
import { normaliseUsername, usernameSkeleton } from '../username-skeleton.ts';

export type Role = 'admin' | 'organiser';

/** A tenant as the web uses it (never the password hash). */
export interface TenantRecord {
  id: number;
  username: string;
  role: Role;
  locale: string;
  displayName: string | null;
  disabled: boolean;
  createdAt: Date;
}

/** A tenant with the bot summary the admin list shows. */
export interface TenantListItem extends TenantRecord {
  bot: {
    username: string | null;
    enabled: boolean;
    state: TenantState | null;
    reason: string | null;
    /** How old the supervisor's last heartbeat of the bot is (ms, by the database's clock); null without a status. */
    reportAgeMs: number | null;
    /** Why the bot runs in a bot host of its own; null while it shares one (or without a status). */
    isolation: string | null;
    /** The bot host it runs in; null when it runs nowhere. */
    hostId: string | null;
  } | null;
}

interface TenantRow {
  id: number;
  username: string;
  role: Role;
  locale: string;
  display_name: string | null;
  disabled: boolean;
  created_at: Date | string;
}

const COLUMNS = 't.id, t.username, t.role, t.locale, t.display_name, t.disabled, t.created_at';

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    locale: row.locale,
    displayName: row.display_name,
    disabled: row.disabled,
    createdAt: toDate(row.created_at),
  };
}

/** Advisory lock key serialising registrations, so exactly one first account becomes the admin. */
const REGISTRATION_LOCK = 7_212_460_322;

export const tenantRepository = {
  /** Take the registration lock until the end of the current transaction. */
  async lockRegistrations(tx: Sql): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(?)', [REGISTRATION_LOCK]);
  },

  /** Whether any tenant exists (the first account becomes the admin). */
  async any(db: Sql): Promise<boolean> {
    const rows = await db.query<{ found: boolean }>('select exists (select 1 from tenants) as found');
    return rows[0]?.found ?? false;
  },

  /**
   * Insert a tenant (the username stored NFKC-normalised, with its skeleton).
   * @throws the driver's unique violation when the username or a look-alike is taken
   */
  async insert(
    db: Sql,
    input: { username: string; passwordHash: string; role: Role },
  ): Promise<TenantRecord> {
    const username = normaliseUsername(input.username);
    const rows = await db.query<TenantRow>(
      `insert into tenants as t (username, username_skeleton, password_hash, role)
       values (?, ?, ?, ?) returning ${COLUMNS}`,
      [username, usernameSkeleton(username), input.passwordHash, input.role],
    );
    return toRecord(rows[0]!);
  },

  /** A tenant by id. */
  async findById(db: Sql, id: number): Promise<TenantRecord | undefined> {
    const rows = await db.query<TenantRow>(`select ${COLUMNS} from tenants t where t.id = ?`, [id]);
    return rows[0] && toRecord(rows[0]);
  },

  /**
   * Whether the username is free: `taken` when it exists ignoring case (and NFKC), `similar` when an
   * existing name has the same look-alike skeleton, `free` otherwise.
   */
  async usernameConflict(db: Sql, username: string): Promise<'taken' | 'similar' | 'free'> {
    const name = normaliseUsername(username);
    const rows = await db.query<{ same: boolean }>(
      `select lower(username) = lower(?) as same from tenants
        where lower(username) = lower(?) or username_skeleton = ?
        order by 1 desc limit 1`,
      [name, name, usernameSkeleton(name)],
    );
    const row = rows[0];
    return row === undefined ? 'free' : row.same ? 'taken' : 'similar';
  },

  /**
   * The tenant and its password hash, for sign-in. The name matches ignoring case, as typed or
   * NFKC-normalised (accounts made before names were normalised keep signing in); an exact match wins.
   */
  async findCredentials(
    db: Sql,
    username: string,
  ): Promise<(TenantRecord & { passwordHash: string }) | undefined> {
    const typed = username.trim();
    const rows = await db.query<TenantRow & { password_hash: string }>(
      `select ${COLUMNS}, t.password_hash from tenants t
        where lower(t.username) in (lower(?), lower(?))
        order by lower(t.username) = lower(?) desc limit 1`,
      [typed, normaliseUsername(typed), typed],
    );
    const row = rows[0];
    return row && { ...toRecord(row), passwordHash: row.password_hash };
  },

  /** The tenant and its password hash by id (changing the password). */
  async findCredentialsById(
    db: Sql,
    id: number,
  ): Promise<(TenantRecord & { passwordHash: string }) | undefined> {
    const rows = await db.query<TenantRow & { password_hash: string }>(
      `select ${COLUMNS}, t.password_hash from tenants t where t.id = ?`,
      [id],
    );
    const row = rows[0];
    return row && { ...toRecord(row), passwordHash: row.password_hash };
  },

  /** Replace the password hash (rehash with today's parameters). */
  async updatePasswordHash(db: Sql, id: number, passwordHash: string): Promise<void> {
    await db.query('update tenants set password_hash = ?, updated_at = now() where id = ?', [
      passwordHash,
      id,
    ]);
  },

  /** Set `disabled` (the tenants trigger NOTIFYs the supervisor). Undefined when there is no such tenant. */
  async setDisabled(db: Sql, id: number, disabled: boolean): Promise<TenantRecord | undefined> {
    const rows = await db.query<TenantRow>(
      `update tenants as t set disabled = ?, updated_at = now() where t.id = ? returning ${COLUMNS}`,
      [disabled, id],
    );
    return rows[0] && toRecord(rows[0]);
  },

  /** A page of tenants in id order, with their bot config and status. */
  async list(
    db: Sql,
    page: { limit: number; offset: number },
  ): Promise<{ items: TenantListItem[]; total: number }> {
    const rows = await db.query<
      TenantRow & {
        has_bot: boolean;
        bot_username: string | null;
        enabled: boolean | null;
        state: TenantState | null;
        reason: string | null;
        report_age_ms: number | null;
        isolation: string | null;
        host_id: string | null;
        total: number;
      }
    >(
      `select ${COLUMNS}, c.tenant_id is not null as has_bot, c.bot_username, c.enabled,
              s.state, s.reason, s.isolation, s.host_id,
              (extract(epoch from now() - case when s.state in ('idle', 'starting', 'restarting') then s.since
                                                 else coalesce(s.heartbeat_at, s.since) end) * 1000)::float8 as report_age_ms,
              count(*) over ()::int as total
         from tenants t
         left join bot_configs c on c.tenant_id = t.id
         left join bot_status s on s.tenant_id = t.id
        order by t.id
        limit ? offset ?`,
      [page.limit, page.offset],
    );
    const total =
      rows[0]?.total ?? (await db.query<{ n: number }>('select count(*)::int as n from tenants'))[0]?.n ?? 0;
    return {
      total,
      items: rows.map((row) => ({
        ...toRecord(row),
        bot: row.has_bot
          ? {
              username: row.bot_username,
              enabled: row.enabled ?? false,
              state: row.state,
              reason: row.reason,
              reportAgeMs: row.report_age_ms === null ? null : Number(row.report_age_ms),
              isolation: row.isolation,
              hostId: row.host_id,
            }
          : null,
      })),
    };
  },
};
