/** Queries on `invites`: single-use invite codes, stored as SHA-256. */
import type { Sql } from '../sql.ts';

export const inviteRepository = {
  /** Store a new code (its hash) with its expiry. */
  async insert(db: Sql, input: { codeHash: string; createdBy: number; expiresAt: Date }): Promise<void> {
    await db.query('insert into invites (code_hash, created_by, expires_at) values (?, ?, ?)', [
      input.codeHash,
      input.createdBy,
      input.expiresAt,
    ]);
  },

  /** Whether the code exists, is unused and has not expired (without using it). */
  async usable(db: Sql, codeHash: string): Promise<boolean> {
    const rows = await db.query<{ found: boolean }>(
      `select exists (select 1 from invites
                       where code_hash = ? and used_at is null and expires_at > now()) as found`,
      [codeHash],
    );
    return rows[0]?.found ?? false;
  },

  /** Mark the code used by `tenantId`; false when it is unknown, used or expired. */
  async consume(db: Sql, codeHash: string, tenantId: number): Promise<boolean> {
    const rows = await db.query<{ id: number }>(
      `update invites set used_by = ?, used_at = now()
        where code_hash = ? and used_at is null and expires_at > now()
        returning id`,
      [tenantId, codeHash],
    );
    return rows.length > 0;
  },
};
