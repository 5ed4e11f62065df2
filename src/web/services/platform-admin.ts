/**
 * Creating a platform admin from the command line (`tg-lottery admin create`): how an installation
 * with `REGISTRATION=closed` gets its first admin, since the web never makes one then. The username
 * and password pass the same rules as a sign-up (schema and password strength) over the web (the `RegisterBody` schema), the password
 * is stored as the web stores it (passwords.ts), and the creation is audited.
 */

import { auditRepository } from '../../db/repositories/audit.ts';
import { type TenantRecord, tenantRepository } from '../../db/repositories/tenants.ts';
import { isUniqueViolation, type Sql } from '../../db/sql.ts';
import { assertStrongPassword } from '../auth/password-strength.ts';
import { hashPassword } from '../auth/passwords.ts';
import { ApiError } from '../errors.ts';
import { registerBody } from '../schemas/auth.ts';

/** A refusal a person can act on: the message says what is wrong (never the password). */
export class PlatformAdminError extends Error {
  override name = 'PlatformAdminError';
}

/**
 * Create a tenant with the role `admin`.
 * @throws PlatformAdminError when the username or password breaks the sign-up rules (length, strength
 *   by zxcvbn), or the username is taken or looks like a taken one (case-insensitive, confusables)
 */
export async function createPlatformAdmin(
  sql: Sql,
  input: { username: string; password: string },
): Promise<TenantRecord> {
  const parsed = await registerBody.safeParseAsync({ username: input.username, password: input.password });
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => {
      const field = issue.path.join('.') || 'input';
      return `${field} ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
    });
    throw new PlatformAdminError(`${issues.join('; ')}.`);
  }
  const { username, password } = parsed.data;
  try {
    assertStrongPassword(password, [username]);
  } catch (err) {
    if (err instanceof ApiError) throw new PlatformAdminError(err.message);
    throw err;
  }
  const passwordHash = await hashPassword(password);
  try {
    return await sql.transaction(async (tx) => {
      // The same lock as web sign-ups, so a sign-up racing this cannot also become the first admin.
      await tenantRepository.lockRegistrations(tx);
      const created = await tenantRepository.insert(tx, { username, passwordHash, role: 'admin' });
      await auditRepository.record(tx, {
        tenantId: created.id,
        actor: 'system',
        action: 'tenant.registered',
        subject: `tenant:${created.id}`,
        detail: { role: created.role, via: 'cli' },
      });
      return created;
    });
  } catch (err) {
    // The unique index is the one check of a taken name (also against a racing sign-up).
    if (isUniqueViolation(err)) {
      throw new PlatformAdminError(
        `the username "${username}" is taken (or looks too much like an existing one): choose another one.`,
      );
    }
    throw err;
  }
}
