/**
 * Account routes: `POST /api/auth/register`, `POST /api/auth/login`, `POST /api/auth/logout` and
 * `GET /api/auth/options`. Sign-up and sign-in start a session (cookies `tgl_session` + `tgl_csrf`).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { clearSessionCookies, setSessionCookies } from '../auth/cookies.ts';
import { type Guard, signedIn } from '../auth/guard.ts';
import { authOptionsView, loginBody, meView, registerBody, toMeView } from '../schemas/auth.ts';
import { errorResponses, noContent, SIGNED_IN } from '../schemas/common.ts';
import {
  type AuthService,
  type ClientInfo,
  type NewSession,
  SESSION_LIMITS,
} from '../services/auth-service.ts';

/** The client's address (after TRUST_PROXY) and user agent. */
export function clientOf(request: FastifyRequest): ClientInfo {
  return { address: request.ip, userAgent: request.headers['user-agent'] };
}

export interface AuthRoutesOptions {
  auth: AuthService;
  guard: Guard;
  /** Sign-ups allowed per client address per hour. */
  registerPerHour: number;
}

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (
  app,
  { auth, guard, registerPerHour },
) => {
  const cookieMaxAgeS = Math.floor(SESSION_LIMITS.absoluteMs / 1000);
  const started = (session: NewSession) => ({
    sessionId: session.sessionId,
    csrfToken: session.csrfToken,
    maxAgeS: cookieMaxAgeS,
  });

  app.get(
    '/options',
    {
      schema: {
        tags: ['auth'],
        summary: 'What the sign-up form needs to know (registration mode)',
        response: { 200: authOptionsView, ...errorResponses() },
      },
    },
    async () => ({ registration: auth.registration }),
  );

  app.post(
    '/register',
    {
      config: { rateLimit: { max: registerPerHour, timeWindow: 3600_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in (the first account becomes the platform admin)',
        body: registerBody,
        response: { 201: meView, ...errorResponses(403, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const session = await auth.register(request.body, clientOf(request));
      setSessionCookies(request, reply, started(session));
      return reply.code(201).send(toMeView(session.tenant, session.csrfToken));
    },
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Sign in (throttled per account and address, and per address, with growing delays: 429 with Retry-After)',
        body: loginBody,
        response: { 200: meView, ...errorResponses(401, 403, 413) },
      },
    },
    async (request, reply) => {
      const session = await auth.login(request.body, clientOf(request));
      setSessionCookies(request, reply, started(session));
      return toMeView(session.tenant, session.csrfToken);
    },
  );

  app.post(
    '/logout',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends the session',
        security: [{ session: [], csrf: [] }],
        response: { 204: noContent, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request, reply) => {
      await auth.logout(signedIn(request).sessionId);
      clearSessionCookies(request, reply);
      return reply.code(204).send(null);
    },
  );
};
