/**
 * Tenants (organiser accounts, `tenants`), written by the web's repository (src/db/repositories/
 * tenants.ts): the username stored NFKC-normalised with its look-alike skeleton, as a sign-up stores it.
 */

import { type Role, type TenantRecord, tenantRepository } from '../../../src/db/repositories/tenants.ts';
import { hashPassword } from '../../../src/web/auth/passwords.ts';
import { type FactoryDb, sqlOf } from './door.ts';
import { uniqueName } from './unique.ts';

export interface TenantOverrides {
  /** Default: a fresh `tenant_<n>`. */
  username?: string;
  /** Stored hashed as the web hashes it (argon2id, slow); without it the account has no usable password. */
  password?: string;
  role?: Role;
  disabled?: boolean;
  locale?: string;
  displayName?: string | null;
}

/** A hash no password matches: the account cannot sign in (the factories' default, fast). */
export const NO_PASSWORD = 'x';

/**
 * Create a tenant. @returns the stored tenant (never its password hash)
 * @throws the driver's unique violation when the username, or a look-alike of it, is taken
 */
export async function makeTenant(db: FactoryDb, overrides: TenantOverrides = {}): Promise<TenantRecord> {
  const sql = sqlOf(db);
  const created = await tenantRepository.insert(sql, {
    username: overrides.username ?? uniqueName('tenant'),
    passwordHash: overrides.password === undefined ? NO_PASSWORD : await hashPassword(overrides.password),
    role: overrides.role ?? 'organiser',
  });
  let tenant = created;
  if (overrides.disabled) tenant = (await tenantRepository.setDisabled(sql, created.id, true)) ?? tenant;
  if (overrides.locale !== undefined || overrides.displayName !== undefined) {
    // The product has no function for these (the panel does not change them yet).
    await sql.query('update tenants set locale = coalesce(?, locale), display_name = ? where id = ?', [
      overrides.locale ?? null,
      overrides.displayName ?? null,
      created.id,
    ]);
    tenant = (await tenantRepository.findById(sql, created.id)) ?? tenant;
  }
  return tenant;
}
