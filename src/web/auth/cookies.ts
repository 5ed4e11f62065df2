/**
 * The two cookies of a session: `tgl_session` (the session id; httpOnly so scripts cannot read it) and
 * `tgl_csrf` (the CSRF token; readable by the panel's script, which echoes it in `x-csrf-token`).
 * Both are SameSite=Lax, Path=/, and Secure when the request came over TLS (directly, or through a
 * trusted proxy's `x-forwarded-proto: https`; see TRUST_PROXY).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'tgl_session';
export const CSRF_COOKIE = 'tgl_csrf';
export const CSRF_HEADER = 'x-csrf-token';

function baseOptions(request: FastifyRequest) {
  return { path: '/', sameSite: 'lax' as const, secure: request.protocol === 'https' };
}

/** Set both cookies for a new session. */
export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  session: { sessionId: string; csrfToken: string; maxAgeS: number },
): void {
  const options = { ...baseOptions(request), maxAge: session.maxAgeS };
  reply.setCookie(SESSION_COOKIE, session.sessionId, { ...options, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...options, httpOnly: false });
}

/** Remove both cookies. */
export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  const options = baseOptions(request);
  reply.clearCookie(SESSION_COOKIE, { ...options, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, { ...options, httpOnly: false });
}
