/** `GET /api/me`: the signed-in account and its CSRF token. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Guard, signedIn } from '../auth/guard.ts';
import { meView, toMeView } from '../schemas/auth.ts';
import { errorResponses, SIGNED_IN } from '../schemas/common.ts';
import type { AuthService } from '../services/auth-service.ts';

export interface MeRoutesOptions {
  auth: AuthService;
  guard: Guard;
}

export const meRoutes: FastifyPluginAsyncZod<MeRoutesOptions> = async (app, { auth, guard }) => {
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
};
