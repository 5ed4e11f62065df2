/**
 * The signed-in account: `GET /api/me` (the account and its CSRF token), `POST /api/me/password`
 * (change the password; ends the other sessions), `GET /api/me/sessions`, `DELETE /api/me/sessions/:id`,
 * `POST /api/me/sessions/sign-out-others` and `GET /api/me/audit` (the account's own security events).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { clearSessionCookies } from '../auth/cookies.ts';
import { type Guard, signedIn } from '../auth/guard.ts';
import { auditPageView, ownAuditQuery, toAuditPage } from '../schemas/audit.ts';
import {
  changePasswordBody,
  meView,
  passwordChangedView,
  sessionListView,
  sessionParams,
  sessionsEndedView,
  toMeView,
} from '../schemas/auth.ts';
import { errorResponses, iso, noContent, SIGNED_IN } from '../schemas/common.ts';
import type { AuditService } from '../services/audit-service.ts';
import type { AuthService } from '../services/auth-service.ts';
import { clientOf } from './auth.ts';

export interface MeRoutesOptions {
  auth: AuthService;
  audit: AuditService;
  guard: Guard;
}

export const meRoutes: FastifyPluginAsyncZod<MeRoutesOptions> = async (app, { auth, audit, guard }) => {
  app.get(
    '',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary: 'The signed-in account',
        security: [{ session: [] }],
        response: { 200: meView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => {
      const who = signedIn(request);
      return toMeView(await auth.me(who), auth.csrfToken(who.sessionId));
    },
  );

  app.post(
    '/password',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary: 'Change the password (the current one is needed); every other session of the account ends',
        security: [{ session: [], csrf: [] }],
        body: changePasswordBody,
        response: { 200: passwordChangedView, ...errorResponses(...SIGNED_IN, 413, 422) },
      },
    },
    async (request) => {
      const { endedSessions } = await auth.changePassword(
        signedIn(request),
        { currentPassword: request.body.current_password, newPassword: request.body.new_password },
        clientOf(request),
      );
      return { sessions_ended: endedSessions };
    },
  );

  app.get(
    '/sessions',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary: "The account's sessions, most recently used first (the current one marked)",
        security: [{ session: [] }],
        response: { 200: sessionListView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => ({
      items: (await auth.sessions(signedIn(request))).map((s) => ({
        id: s.id,
        created_at: iso(s.createdAt),
        last_seen_at: iso(s.lastSeenAt),
        expires_at: iso(s.expiresAt),
        user_agent: s.userAgent,
        address: s.address,
        current: s.current,
      })),
    }),
  );

  app.delete(
    '/sessions/:id',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary: 'End one of the account’s sessions (ending the current one signs out)',
        security: [{ session: [], csrf: [] }],
        params: sessionParams,
        response: { 204: noContent, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request, reply) => {
      const { current } = await auth.endSession(signedIn(request), request.params.id);
      if (current) clearSessionCookies(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/sessions/sign-out-others',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere else: end every session of the account but this one',
        security: [{ session: [], csrf: [] }],
        response: { 200: sessionsEndedView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => ({ sessions_ended: await auth.endOtherSessions(signedIn(request)) }),
  );

  app.get(
    '/audit',
    {
      onRequest: guard.tenant,
      schema: {
        tags: ['auth'],
        summary:
          "The account's own security events, newest first: sign-ins, sign-in delays on guesses at its password, password changes, sessions ended",
        security: [{ session: [] }],
        querystring: ownAuditQuery,
        response: { 200: auditPageView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) =>
      toAuditPage(await audit.forAccount(signedIn(request), request.query), request.query.limit),
  );
};
