/**
 * Queries on `sessions`. A row is keyed by the SHA-256 of the session id; a session is valid while
 * `expires_at` is in the future and its tenant is not disabled.
 */
import { type Sql, toDate } from '../../db/sql.ts';
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

export const sessionRepository = {
  /** Store a new session (the hash of its id). */
  async insert(db: Sql, input: { idHash: string; tenantId: number; expiresAt: Date }): Promise<void> {
    await db.query('insert into sessions (id_hash, tenant_id, expires_at) values (?, ?, ?)', [
      input.idHash,
      input.tenantId,
      input.expiresAt,
    ]);
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
