/**
 * Who may call what. Three `onRequest` hooks:
 * - {@link originCheck} (every API request): a state-changing request from another site is refused
 *   (`Origin` naming another host, or `Sec-Fetch-Site: cross-site`), which also stops login CSRF;
 * - `guard.tenant`: a valid session is needed (401 otherwise), and a state-changing request must carry
 *   the session's CSRF token in `x-csrf-token` (403 otherwise);
 * - `guard.admin`: the same, and the tenant must be the platform admin (403 otherwise).
 * The signed-in tenant is put on `request.auth` for the routes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { AuthContext, AuthService } from '../services/auth-service.ts';
import { CSRF_HEADER, clearSessionCookies, SESSION_COOKIE } from './cookies.ts';
import { isOwnOrigin } from './hosts.ts';
import type { CsrfTokens } from './secrets.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in tenant, set by the guard; null on public routes. */
    auth: AuthContext | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the method can change state. */
export function isMutating(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The hook refusing state-changing requests sent by another site (browsers set `Origin` /
 * `Sec-Fetch-Site`). An `Origin` must be exactly (scheme, host, port) the request's own origin or that
 * of `publicUrl` (hosts.ts `isOwnOrigin`): behind a TLS proxy that is not trusted (TRUST_PROXY), set
 * PUBLIC_URL so `https://` origins match.
 */
export function originCheck(publicUrl?: string): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (!isMutating(request.method)) return;
    if (request.headers['sec-fetch-site'] === 'cross-site') throw crossSite();
    const origin = request.headers.origin;
    if (origin === undefined) return; // not a browser, or a same-origin request of an old browser
    if (!isOwnOrigin(origin, request, publicUrl)) throw crossSite();
  };
}

function crossSite(): ApiError {
  return new ApiError('csrf_failed', 'Requests from another site are refused: use the admin panel itself.');
}

export interface Guard {
  /** Needs a signed-in tenant (and the CSRF token on state-changing requests). */
  tenant(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Needs the signed-in platform admin. */
  admin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** `Cache-Control: no-store`: the answer is someone's own (a session's data or cookies). */
export async function noStore(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('cache-control', 'no-store');
}

/** Build the guard hooks. Every guarded answer, refusals included, is `Cache-Control: no-store`. */
export function createGuard(auth: AuthService, csrf: CsrfTokens): Guard {
  const tenant = async (request: FastifyRequest, reply: FastifyReply) => {
    await noStore(request, reply);
    const sessionId = request.cookies[SESSION_COOKIE];
    if (!sessionId) throw new ApiError('unauthenticated', 'Sign in first.');
    const context = await auth.authenticate(sessionId);
    if (!context) {
      clearSessionCookies(request, reply);
      throw new ApiError('unauthenticated', 'Your session has ended: sign in again.');
    }
    if (isMutating(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== 'string' || !csrf.verify(sessionId, header)) {
        throw new ApiError(
          'csrf_failed',
          `Missing or wrong ${CSRF_HEADER} header: send the value of the tgl_csrf cookie with every change.`,
        );
      }
    }
    request.auth = context;
  };
  return {
    tenant,
    async admin(request, reply) {
      await tenant(request, reply);
      if (request.auth?.role !== 'admin')
        throw new ApiError('forbidden', 'Only the platform admin may do this.');
    },
  };
}

/** The signed-in tenant of a guarded route (throws 401 if a route forgot its guard). */
export function signedIn(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new ApiError('unauthenticated', 'Sign in first.');
  return request.auth;
}
