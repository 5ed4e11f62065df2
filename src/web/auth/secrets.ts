/**
 * Random secrets of the admin web and their stored forms: session ids (cookie value; only its SHA-256
 * is stored), CSRF tokens (an HMAC of the session id, so they need no storage: OWASP's "signed double
 * submit cookie") and invite codes (only the SHA-256 is stored).
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new session id: 256 random bits, base64url (43 characters). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** A new invite code: 120 random bits, base64url (20 characters). */
export function newInviteCode(): string {
  return randomBytes(15).toString('base64url');
}

/** SHA-256 (hex) of a secret, the only form of a session id or invite code that is stored. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time string comparison (false for different lengths). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Computes the CSRF token that belongs to a session. */
export interface CsrfTokens {
  /** The token for this session id (base64url HMAC-SHA256). */
  forSession(sessionId: string): string;
  /** Whether `token` is the one for this session id (constant time). */
  verify(sessionId: string, token: string): boolean;
}

/**
 * CSRF tokens keyed by HKDF-SHA256(appSecret, salt "tg-lottery", info "csrf"): stateless, bound to the
 * session, and not forgeable by someone who can set cookies for a sibling domain.
 */
export function createCsrfTokens(appSecret: string): CsrfTokens {
  const key = Buffer.from(hkdfSync('sha256', appSecret, 'tg-lottery', 'csrf', 32));
  const forSession = (sessionId: string) => createHmac('sha256', key).update(sessionId).digest('base64url');
  return {
    forSession,
    verify: (sessionId, token) => safeEqual(forSession(sessionId), token),
  };
}
