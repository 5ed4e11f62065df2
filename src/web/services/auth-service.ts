/**
 * Accounts and sessions: registration (the first account becomes the platform admin; later ones
 * follow `REGISTRATION`), sign-in with brute-force throttling, sign-out, changing the password,
 * the account's list of sessions, and resolving a session cookie to the signed-in tenant.
 *
 * Session rules: a session ends after 7 days without a request or 30 days after sign-in, whichever
 * comes first; sign-out, and the admin disabling the tenant, delete it at once.
 */

import { auditRepository, tenantActor } from '../../db/repositories/audit.ts';
import { inviteRepository } from '../../db/repositories/invites.ts';
import { sessionRepository } from '../../db/repositories/sessions.ts';
import { type Role, type TenantRecord, tenantRepository } from '../../db/repositories/tenants.ts';
import { isUniqueViolation, type Sql } from '../../db/sql.ts';
import type { LoginThrottle } from '../auth/login-throttle.ts';
import { assertStrongPassword } from '../auth/password-strength.ts';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../auth/passwords.ts';
import { type CsrfTokens, newSessionId, sha256Hex } from '../auth/secrets.ts';
import { ApiError, rateLimited } from '../errors.ts';
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

/** Where a request comes from: the client address (after TRUST_PROXY) and its user agent. */
export interface ClientInfo {
  address: string;
  userAgent?: string | undefined;
}

/** A session in the account's list. */
export interface SessionView {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  address: string | null;
  current: boolean;
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
   * nobody signs up over the web, the first admin included (`tg-lottery admin create`). Where
   * registration is closed or needs an invite, someone without a valid invite gets the same refusal
   * whatever the username, so taken names are not revealed.
   * @throws ApiError registration_closed, invite_required, username_taken, password_too_weak
   */
  async register(
    input: Credentials & { invite?: string | undefined },
    client?: ClientInfo,
  ): Promise<NewSession> {
    const firstAccount = !(await tenantRepository.any(this.sql));
    if (this.options.registration === 'closed') throw closedRefusal(firstAccount);
    if (!firstAccount) await this.admit(this.sql, input.invite);
    await this.assertUsernameFree(input.username);
    assertStrongPassword(input.password, [input.username]);
    const passwordHash = await hashPassword(input.password);
    let tenant: TenantRecord;
    try {
      tenant = await this.sql.transaction(async (tx) => {
        await tenantRepository.lockRegistrations(tx);
        const first = !(await tenantRepository.any(tx));
        // Closed: not even the first account is made over the web (the operator runs `admin create`).
        if (this.options.registration === 'closed') throw closedRefusal(first);
        if (!first) await this.admit(tx, input.invite);
        const created = await tenantRepository.insert(tx, {
          username: input.username,
          passwordHash,
          role: first ? 'admin' : 'organiser',
        });
        if (!first && this.options.registration === 'invite') {
          const used = await inviteRepository.consume(tx, sha256Hex(input.invite ?? ''), created.id);
          if (!used) throw inviteRefused();
        }
        await auditRepository.record(tx, {
          tenantId: created.id,
          actor: tenantActor(created.id),
          action: 'tenant.registered',
          subject: `tenant:${created.id}`,
          detail: { role: created.role, ...(client ? { address: client.address } : {}) },
        });
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw usernameTaken(input.username);
      throw err;
    }
    return this.startSession(tenant, client);
  }

  /** Refuse a sign-up that is not the first account unless `REGISTRATION` lets it in. */
  private async admit(db: Sql, invite: string | undefined): Promise<void> {
    const mode = this.options.registration;
    if (mode === 'closed') {
      throw new ApiError(
        'registration_closed',
        'Registration is closed on this platform: ask the platform operator for an account.',
      );
    }
    if (mode === 'invite') {
      if (!invite) {
        throw new ApiError(
          'invite_required',
          'Registration needs an invite code: ask the platform admin for one.',
        );
      }
      if (!(await inviteRepository.usable(db, sha256Hex(invite)))) throw inviteRefused();
    }
  }

  private async assertUsernameFree(username: string): Promise<void> {
    const conflict = await tenantRepository.usernameConflict(this.sql, username);
    if (conflict === 'taken') throw usernameTaken(username);
    if (conflict === 'similar') {
      throw new ApiError(
        'username_taken',
        `The username "${username}" looks too much like an existing one (letters such as "0" and "o", "l" and "I", or Cyrillic and Latin look alike): choose another one.`,
      );
    }
  }

  /**
   * Check the password and start a session. Throttled per (account, address) and per address with
   * growing delays (auth/login-throttle.ts); each new delay and each sign-in goes to the audit log.
   * @param client the client's address (per-address throttle) and user agent (the session list)
   * @throws ApiError rate_limited (with Retry-After), invalid_credentials, tenant_disabled
   */
  async login(input: Credentials, client: ClientInfo | string): Promise<NewSession> {
    const from: ClientInfo = typeof client === 'string' ? { address: client } : client;
    const { throttle } = this.options;
    const wait = throttle.admit(input.username, from.address);
    if (wait > 0) throw signInThrottled(wait);
    let account: Awaited<ReturnType<typeof tenantRepository.findCredentials>>;
    try {
      account = await tenantRepository.findCredentials(this.sql, input.username);
      const ok = account
        ? await verifyPassword(account.passwordHash, input.password)
        : await verifyAgainstDummy(input.password);
      if (!account || !ok) {
        await this.recordFailure(input.username, from.address, account?.id ?? null);
        throw new ApiError('invalid_credentials', 'The username or the password is wrong.');
      }
      throttle.succeeded(input.username, from.address);
    } finally {
      throttle.release(input.username, from.address);
    }
    if (account.disabled) {
      throw new ApiError(
        'tenant_disabled',
        'This account is disabled: ask the platform operator to enable it.',
      );
    }
    if (needsRehash(account.passwordHash)) {
      await tenantRepository.updatePasswordHash(this.sql, account.id, await hashPassword(input.password));
    }
    await auditRepository.record(this.sql, {
      tenantId: account.id,
      actor: tenantActor(account.id),
      action: 'auth.signed_in',
      subject: `tenant:${account.id}`,
      detail: { address: from.address, user_agent: cleanUserAgent(from.userAgent) },
    });
    const { passwordHash: _hidden, ...tenant } = account;
    return this.startSession(tenant, from);
  }

  /** Count a failed password check; audit each delay it imposes (the username typed is not stored). */
  private async recordFailure(username: string, address: string, tenantId: number | null): Promise<void> {
    for (const penalty of this.options.throttle.failed(username, address)) {
      const forAccount = penalty.scope === 'account_address';
      await auditRepository.record(this.sql, {
        tenantId: forAccount ? tenantId : null,
        actor: 'system',
        action: 'auth.throttled',
        subject: forAccount && tenantId !== null ? `tenant:${tenantId}` : null,
        detail: {
          scope: penalty.scope,
          address,
          failures: penalty.failures,
          delay_s: Math.ceil(penalty.delayMs / 1000),
        },
      });
    }
  }

  /**
   * Change the signed-in account's password: the current one must be right (counted by the sign-in
   * throttle), the new one must pass the strength rule; every other session of the account ends.
   * @throws ApiError rate_limited, invalid_credentials, password_too_weak, unauthenticated
   */
  async changePassword(
    auth: AuthContext,
    input: { currentPassword: string; newPassword: string },
    client: ClientInfo,
  ): Promise<{ endedSessions: number }> {
    const { throttle } = this.options;
    const wait = throttle.admit(auth.username, client.address);
    if (wait > 0) throw signInThrottled(wait);
    let account: Awaited<ReturnType<typeof tenantRepository.findCredentialsById>>;
    try {
      account = await tenantRepository.findCredentialsById(this.sql, auth.tenantId);
      if (!account || account.disabled) throw sessionEnded();
      if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
        await this.recordFailure(auth.username, client.address, account.id);
        throw new ApiError('invalid_credentials', 'The current password is wrong: type it again.');
      }
    } finally {
      throttle.release(auth.username, client.address);
    }
    assertStrongPassword(input.newPassword, [account.username]);
    const passwordHash = await hashPassword(input.newPassword);
    return this.sql.transaction(async (tx) => {
      await tenantRepository.updatePasswordHash(tx, account.id, passwordHash);
      const endedSessions = await sessionRepository.deleteOthers(tx, account.id, sha256Hex(auth.sessionId));
      await auditRepository.record(tx, {
        tenantId: account.id,
        actor: tenantActor(account.id),
        action: 'tenant.password_changed',
        subject: `tenant:${account.id}`,
        detail: { address: client.address, sessions_ended: endedSessions },
      });
      return { endedSessions };
    });
  }

  /** The signed-in account's sessions, most recently used first, the current one marked. */
  async sessions(auth: AuthContext): Promise<SessionView[]> {
    const current = sha256Hex(auth.sessionId);
    const rows = await sessionRepository.listForTenant(this.sql, auth.tenantId);
    return rows.map(({ idHash, publicId, ...row }) => ({
      id: publicId,
      ...row,
      current: idHash === current,
    }));
  }

  /**
   * End one of the account's sessions (signing out a browser elsewhere, or this one).
   * @returns whether it was the current session
   * @throws ApiError session_not_found (also for another account's session)
   */
  async endSession(auth: AuthContext, publicId: string): Promise<{ current: boolean }> {
    const idHash = await sessionRepository.deleteByPublicId(this.sql, auth.tenantId, publicId);
    if (!idHash) {
      throw new ApiError(
        'session_not_found',
        'This session does not exist or has already ended: reload the list.',
      );
    }
    await auditRepository.record(this.sql, {
      tenantId: auth.tenantId,
      actor: tenantActor(auth.tenantId),
      action: 'session.ended',
      subject: `tenant:${auth.tenantId}`,
      detail: { session: publicId },
    });
    return { current: idHash === sha256Hex(auth.sessionId) };
  }

  /** End every session of the account but this one; resolves with how many ended. */
  async endOtherSessions(auth: AuthContext): Promise<number> {
    const ended = await sessionRepository.deleteOthers(this.sql, auth.tenantId, sha256Hex(auth.sessionId));
    await auditRepository.record(this.sql, {
      tenantId: auth.tenantId,
      actor: tenantActor(auth.tenantId),
      action: 'session.others_ended',
      subject: `tenant:${auth.tenantId}`,
      detail: { sessions_ended: ended },
    });
    return ended;
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
    if (!tenant || tenant.disabled) throw sessionEnded();
    return tenant;
  }

  /** The CSRF token of a session. */
  csrfToken(sessionId: string): string {
    return this.options.csrf.forSession(sessionId);
  }

  private async startSession(tenant: TenantRecord, client?: ClientInfo): Promise<NewSession> {
    const sessionId = newSessionId();
    const expiresAt = new Date(this.now() + SESSION_LIMITS.idleMs);
    await sessionRepository.deleteExpired(this.sql);
    await sessionRepository.insert(this.sql, {
      idHash: sha256Hex(sessionId),
      tenantId: tenant.id,
      expiresAt,
      userAgent: cleanUserAgent(client?.userAgent),
      address: client?.address.slice(0, 64) ?? null,
    });
    return { tenant, sessionId, csrfToken: this.csrfToken(sessionId), expiresAt };
  }
}

function sessionEnded(): ApiError {
  return new ApiError('unauthenticated', 'Your session has ended: sign in again.');
}

/** The refusal of every web sign-up under `REGISTRATION=closed`; on an empty install it names the CLI. */
function closedRefusal(firstAccount: boolean): ApiError {
  return new ApiError(
    'registration_closed',
    firstAccount
      ? 'Registration is closed on this platform: the operator creates the first admin with "tg-lottery admin create".'
      : 'Registration is closed on this platform: ask the platform operator for an account.',
  );
}

function inviteRefused(): ApiError {
  return new ApiError(
    'invite_required',
    'This invite code is unknown, already used or expired: ask the platform admin for a new one.',
  );
}

function signInThrottled(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return rateLimited(
    waitMs,
    `Too many failed sign-in attempts from your address: wait ${seconds} second${seconds === 1 ? '' : 's'}, then try again.`,
  );
}

/** A user agent fit to store: printable, at most 256 characters; null when absent. */
function cleanUserAgent(userAgent: string | undefined): string | null {
  if (!userAgent) return null;
  const clean = userAgent.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, 256);
  return clean === '' ? null : clean;
}

function usernameTaken(username: string): ApiError {
  return new ApiError('username_taken', `The username "${username}" is taken: choose another one.`);
}
