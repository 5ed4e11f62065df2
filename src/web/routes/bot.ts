/**
 * The signed-in tenant's bot config: `GET /api/bot`, `PUT /api/bot`, `POST /api/bot/restart`,
 * `DELETE /api/bot`. Always the caller's own config: there is no tenant id in these URLs.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Guard, signedIn } from '../auth/guard.ts';
import { botView, putBotBody, restartView, toBotView } from '../schemas/bot.ts';
import { errorResponses, iso, noContent, SIGNED_IN } from '../schemas/common.ts';
import type { BotService } from '../services/bot-service.ts';

export interface BotRoutesOptions {
  bots: BotService;
  guard: Guard;
}

const security = [{ session: [], csrf: [] }];

export const botRoutes: FastifyPluginAsyncZod<BotRoutesOptions> = async (app, { bots, guard }) => {
  app.addHook('onRequest', guard.tenant);

  app.get(
    '',
    {
      schema: {
        tags: ['bot'],
        summary: "Your bot: username and id (from getMe), enabled, token hint, and the supervisor's status",
        security,
        response: { 200: botView, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request) => toBotView(await bots.get(signedIn(request).tenantId)),
  );

  app.put(
    '',
    {
      schema: {
        tags: ['bot'],
        summary: 'Save a token (checked with getMe, 10 s timeout) and/or switch the bot on or off',
        description:
          'A new token is checked with Telegram first: 422 invalid_token when Telegram rejects it, 502 when ' +
          'Telegram cannot be reached, 409 when another account already has this bot. The supervisor ' +
          '(re)starts the bot as soon as the config is saved.',
        security,
        body: putBotBody,
        response: { 200: botView, ...errorResponses(...SIGNED_IN, 404, 409, 413, 422, 502) },
      },
    },
    async (request) => toBotView(await bots.update(signedIn(request).tenantId, request.body)),
  );

  app.post(
    '/restart',
    {
      schema: {
        tags: ['bot'],
        summary: 'Ask the supervisor to restart your bot (also starts a bot stopped after errors)',
        security,
        response: { 202: restartView, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request, reply) => {
      const at = await bots.restart(signedIn(request).tenantId);
      return reply.code(202).send({ restart_requested_at: iso(at) });
    },
  );

  app.delete(
    '',
    {
      schema: {
        tags: ['bot'],
        summary: 'Delete your bot config (the supervisor stops the bot)',
        security,
        response: { 204: noContent, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request, reply) => {
      await bots.remove(signedIn(request).tenantId);
      return reply.code(204).send(null);
    },
  );
};
