/**
 * Queries on `sessions`. A row is keyed by the SHA-256 of the session id; a session is valid while
 * `expires_at` is in the future and its tenant is not disabled. The API names a session by its
 * `public_id` (a random UUID), never by the hash.
 */
import { type Sql, toDate } from '../sql.ts';
import type { Role } from './tenants.ts';

/** A valid session and the tenant it signs in. */
export interface SessionRecord {
  idHash: string;
  tenantId: number;
  username: string;
  role: Role;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

interface SessionRow {
  id_hash: string;
  tenant_id: number;
  username: string;
  role: Role;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

/** A session as the account's list shows it. */
export interface SessionListItem {
  publicId: string;
  idHash: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  address: string | null;
}

export const sessionRepository = {
  /** Store a new session (the hash of its id) with where it signed in from. */
  async insert(
    db: Sql,
    input: {
      idHash: string;
      tenantId: number;
      expiresAt: Date;
      userAgent?: string | null;
      address?: string | null;
    },
  ): Promise<void> {
    await db.query(
      'insert into sessions (id_hash, tenant_id, expires_at, user_agent, address) values (?, ?, ?, ?, ?)',
      [input.idHash, input.tenantId, input.expiresAt, input.userAgent ?? null, input.address ?? null],
    );
  },

  /** The tenant's unexpired sessions, most recently used first. */
  async listForTenant(db: Sql, tenantId: number): Promise<SessionListItem[]> {
    const rows = await db.query<{
      public_id: string;
      id_hash: string;
      created_at: Date | string;
      last_seen_at: Date | string;
      expires_at: Date | string;
      user_agent: string | null;
      address: string | null;
    }>(
      `select public_id, id_hash, created_at, last_seen_at, expires_at, user_agent, address
         from sessions where tenant_id = ? and expires_at > now()
        order by last_seen_at desc, created_at desc`,
      [tenantId],
    );
    return rows.map((row) => ({
      publicId: row.public_id,
      idHash: row.id_hash,
      createdAt: toDate(row.created_at),
      lastSeenAt: toDate(row.last_seen_at),
      expiresAt: toDate(row.expires_at),
      userAgent: row.user_agent,
      address: row.address,
    }));
  },

  /** End one of the tenant's sessions by its public id; resolves with its id hash, or undefined. */
  async deleteByPublicId(db: Sql, tenantId: number, publicId: string): Promise<string | undefined> {
    const rows = await db.query<{ id_hash: string }>(
      'delete from sessions where tenant_id = ? and public_id = ? returning id_hash',
      [tenantId, publicId],
    );
    return rows[0]?.id_hash;
  },

  /** End every session of the tenant but one; resolves with how many ended. */
  async deleteOthers(db: Sql, tenantId: number, keepIdHash: string): Promise<number> {
    const rows = await db.query<{ id_hash: string }>(
      'delete from sessions where tenant_id = ? and id_hash <> ? returning id_hash',
      [tenantId, keepIdHash],
    );
    return rows.length;
  },

  /** The session if it exists, has not expired and its tenant is enabled. */
  async findValid(db: Sql, idHash: string): Promise<SessionRecord | undefined> {
    const rows = await db.query<SessionRow>(
      `select s.id_hash, s.tenant_id, t.username, t.role, s.created_at, s.last_seen_at, s.expires_at
         from sessions s
         join tenants t on t.id = s.tenant_id
        where s.id_hash = ? and s.expires_at > now() and not t.disabled`,
      [idHash],
    );
    const row = rows[0];
    return (
      row && {
        idHash: row.id_hash,
        tenantId: row.tenant_id,
        username: row.username,
        role: row.role,
        createdAt: toDate(row.created_at),
        lastSeenAt: toDate(row.last_seen_at),
        expiresAt: toDate(row.expires_at),
      }
    );
  },

  /** Record activity and move the expiry (the caller applies the absolute lifetime cap). */
  async touch(db: Sql, idHash: string, expiresAt: Date): Promise<void> {
    await db.query('update sessions set last_seen_at = now(), expires_at = ? where id_hash = ?', [
      expiresAt,
      idHash,
    ]);
  },

  /** End one session (idempotent). */
  async delete(db: Sql, idHash: string): Promise<void> {
    await db.query('delete from sessions where id_hash = ?', [idHash]);
  },

  /** End every session of a tenant; resolves with how many there were. */
  async deleteForTenant(db: Sql, tenantId: number): Promise<number> {
    const rows = await db.query<{ id_hash: string }>(
      'delete from sessions where tenant_id = ? returning id_hash',
      [tenantId],
    );
    return rows.length;
  },

  /** Forget expired sessions. */
  async deleteExpired(db: Sql): Promise<void> {
    await db.query('delete from sessions where expires_at <= now()');
  },
};
