/**
 * `GET /api/chats`: the chats the signed-in tenant's bot is or was in (kept current by the bot from
 * `my_chat_member`), admin chats first: the choices for a lottery's targets and membership conditions.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Guard, signedIn } from '../auth/guard.ts';
import { errorResponses, SIGNED_IN } from '../schemas/common.ts';
import { chatListView, toChatView } from '../schemas/lottery-reads.ts';
import type { LotteryService } from '../services/lottery-service.ts';

export interface ChatRoutesOptions {
  lotteries: LotteryService;
  guard: Guard;
}

export const chatRoutes: FastifyPluginAsyncZod<ChatRoutesOptions> = async (app, { lotteries, guard }) => {
  app.addHook('onRequest', guard.tenant);

  app.get(
    '',
    {
      schema: {
        tags: ['lotteries'],
        summary: 'The chats your bot is or was in (admin chats first)',
        security: [{ session: [] }],
        response: { 200: chatListView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => ({ items: (await lotteries.chats(signedIn(request).tenantId)).map(toChatView) }),
  );
};
