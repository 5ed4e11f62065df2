/**
 * Accounts and sessions: registration (the first account becomes the platform admin; later ones
 * follow `REGISTRATION`), sign-in with brute-force throttling, sign-out, and resolving a session
 * cookie to the signed-in tenant.
 *
 * Session rules: a session ends after 7 days without a request or 30 days after sign-in, whichever
 * comes first; sign-out, and the admin disabling the tenant, delete it at once.
 */

import { isUniqueViolation, type Sql } from '../../db/sql.ts';
import type { LoginThrottle } from '../auth/login-throttle.ts';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../auth/passwords.ts';
import { type CsrfTokens, newSessionId, sha256Hex } from '../auth/secrets.ts';
import { ApiError, rateLimited } from '../errors.ts';
import { auditRepository, tenantActor } from '../repositories/audit.ts';
import { inviteRepository } from '../repositories/invites.ts';
import { sessionRepository } from '../repositories/sessions.ts';
import { type Role, type TenantRecord, tenantRepository } from '../repositories/tenants.ts';
import type { RegistrationMode } from '../web-env.ts';

/** Session lifetimes; every default in one place. */
export const SESSION_LIMITS = {
  /** A session unused this long ends (ms). */
  idleMs: 7 * 24 * 3600_000,
  /** A session ends this long after sign-in, used or not (ms). */
  absoluteMs: 30 * 24 * 3600_000,
  /** Activity is written at most this often per session (ms). */
  touchEveryMs: 60_000,
} as const;

/** Who is signed in, for the guard and the services. */
export interface AuthContext {
  tenantId: number;
  username: string;
  role: Role;
  /** The raw session id (cookie value); needed for CSRF and sign-out. Never log it. */
  sessionId: string;
}

/** A new session for the cookies. */
export interface NewSession {
  tenant: TenantRecord;
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface AuthServiceOptions {
  sql: Sql;
  registration: RegistrationMode;
  throttle: LoginThrottle;
  csrf: CsrfTokens;
  /** Clock in epoch ms (tests), default Date.now. */
  now?: () => number;
}

export interface Credentials {
  username: string;
  password: string;
}

export class AuthService {
  private readonly sql: Sql;
  private readonly now: () => number;
  constructor(private readonly options: AuthServiceOptions) {
    this.sql = options.sql;
    this.now = options.now ?? Date.now;
  }

  /** The registration mode, for the panel to show or hide the sign-up form. */
  get registration(): RegistrationMode {
    return this.options.registration;
  }

  /**
   * Create an account and sign it in. With `open` or `invite` the very first account becomes the admin
   * (serialised with an advisory lock, so two simultaneous first sign-ups make one admin); with `closed`
   * nobody signs up over the web, the first admin included (`tg-lottery admin create`).
   * @throws ApiError username_taken, registration_closed, invite_required
   */
  async register(input: Credentials & { invite?: string | undefined }): Promise<NewSession> {
    if (await tenantRepository.usernameTaken(this.sql, input.username)) throw usernameTaken(input.username);
    const passwordHash = await hashPassword(input.password);
    let tenant: TenantRecord;
    try {
      tenant = await this.sql.transaction(async (tx) => {
        await tenantRepository.lockRegistrations(tx);
        const first = !(await tenantRepository.any(tx));
        if (this.options.registration === 'closed') {
          // Closed: not even the first account is made over the web (the operator runs `admin create`).
          throw new ApiError(
            'registration_closed',
            first
              ? 'Registration is closed on this platform: the operator creates the first admin with "tg-lottery admin create".'
              : 'Registration is closed on this platform: ask the platform operator for an account.',
          );
        }
        if (!first && this.options.registration === 'invite' && !input.invite) {
          throw new ApiError(
            'invite_required',
            'Registration needs an invite code: ask the platform admin for one.',
          );
        }
        const created = await tenantRepository.insert(tx, {
          username: input.username,
          passwordHash,
          role: first ? 'admin' : 'organiser',
        });
        if (!first && this.options.registration === 'invite') {
          const used = await inviteRepository.consume(tx, sha256Hex(input.invite ?? ''), created.id);
          if (!used) {
            throw new ApiError(
              'invite_required',
              'This invite code is unknown, already used or expired: ask the platform admin for a new one.',
            );
          }
        }
        await auditRepository.record(tx, {
          tenantId: created.id,
          actor: tenantActor(created.id),
          action: 'tenant.registered',
          subject: `tenant:${created.id}`,
          detail: { role: created.role },
        });
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw usernameTaken(input.username);
      throw err;
    }
    return this.startSession(tenant);
  }

  /**
   * Check the password and start a session.
   * @param address the client's address, for the per-address throttle
   * @throws ApiError rate_limited (with Retry-After), invalid_credentials, tenant_disabled
   */
  async login(input: Credentials, address: string): Promise<NewSession> {
    const { throttle } = this.options;
    const wait = throttle.retryAfterMs(input.username, address);
    if (wait > 0) {
      throw rateLimited(
        wait,
        `Too many failed sign-in attempts: try again in ${Math.ceil(wait / 1000)} seconds.`,
      );
    }
    const account = await tenantRepository.findCredentials(this.sql, input.username);
    const ok = account
      ? await verifyPassword(account.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!account || !ok) {
      throttle.failed(input.username, address);
      throw new ApiError('invalid_credentials', 'The username or the password is wrong.');
    }
    throttle.succeeded(input.username);
    if (account.disabled) {
      throw new ApiError(
        'tenant_disabled',
        'This account is disabled: ask the platform operator to enable it.',
      );
    }
    if (needsRehash(account.passwordHash)) {
      await tenantRepository.updatePasswordHash(this.sql, account.id, await hashPassword(input.password));
    }
    const { passwordHash: _hidden, ...tenant } = account;
    return this.startSession(tenant);
  }

  /** End the session (idempotent). */
  async logout(sessionId: string): Promise<void> {
    await sessionRepository.delete(this.sql, sha256Hex(sessionId));
  }

  /**
   * The signed-in tenant for a session cookie, or undefined when the session does not exist, expired,
   * or its tenant is disabled. Slides the idle expiry (at most once a minute per session).
   */
  async authenticate(sessionId: string): Promise<AuthContext | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return undefined;
    const idHash = sha256Hex(sessionId);
    const session = await sessionRepository.findValid(this.sql, idHash);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastSeenAt.getTime() >= SESSION_LIMITS.touchEveryMs) {
      const expiresAt = new Date(
        Math.min(now + SESSION_LIMITS.idleMs, session.createdAt.getTime() + SESSION_LIMITS.absoluteMs),
      );
      await sessionRepository.touch(this.sql, idHash, expiresAt);
    }
    return { tenantId: session.tenantId, username: session.username, role: session.role, sessionId };
  }

  /** The signed-in tenant's account. @throws ApiError unauthenticated if it vanished meanwhile */
  async me(auth: AuthContext): Promise<TenantRecord> {
    const tenant = await tenantRepository.findById(this.sql, auth.tenantId);
    if (!tenant || tenant.disabled)
      throw new ApiError('unauthenticated', 'Your session has ended: sign in again.');
    return tenant;
  }

  /** The CSRF token of a session. */
  csrfToken(sessionId: string): string {
    return this.options.csrf.forSession(sessionId);
  }

  private async startSession(tenant: TenantRecord): Promise<NewSession> {
    const sessionId = newSessionId();
    const expiresAt = new Date(this.now() + SESSION_LIMITS.idleMs);
    await sessionRepository.deleteExpired(this.sql);
    await sessionRepository.insert(this.sql, {
      idHash: sha256Hex(sessionId),
      tenantId: tenant.id,
      expiresAt,
    });
    return { tenant, sessionId, csrfToken: this.csrfToken(sessionId), expiresAt };
  }
}

function usernameTaken(username: string): ApiError {
  return new ApiError('username_taken', `The username "${username}" is taken: choose another one.`);
}
