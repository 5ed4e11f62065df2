/**
 * `POST /telegram/webhook/:tenantId/:botId`: where Telegram delivers a bot's updates in webhook mode
 * (Bot API setWebhook; docs/operations.md "Webhooks"). Any web process may receive any bot's update
 * (behind a load balancer): it checks the `X-Telegram-Bot-Api-Secret-Token` header against the bot's
 * secret in constant time, stores the update (grouped with others arriving at once) and answers 200 only
 * once it is committed. A database that does not answer gets 503, and Telegram delivers the update
 * again later; a redelivery of a stored update is answered 200 and stored once. An update for a bot that
 * is not the tenant's configured bot any more is answered 200 and dropped (Telegram stops retrying it).
 *
 * Not rate limited per address (every update of every bot comes from Telegram's few addresses) and
 * outside the API's session, origin and CSRF checks: the secret is the authentication.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookSecrets } from '../../security/webhook-secret.ts';
import { ApiError } from '../errors.ts';
import { errorResponses } from '../schemas/common.ts';
import type { UpdateIntake } from '../services/update-intake.ts';

export interface TelegramWebhookOptions {
  secrets: WebhookSecrets;
  intake: UpdateIntake;
}

/** A wrong secret is logged at most this often per tenant (ms): strangers must not flood the log. */
const MISMATCH_LOG_EVERY_MS = 60_000;

export const telegramWebhookRoutes: FastifyPluginAsyncZod<TelegramWebhookOptions> = async (
  app,
  { secrets, intake },
) => {
  const lastMismatchLog = new Map<number, number>();
  app.post(
    '/:tenantId/:botId',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['telegram'],
        summary: "Receive one of a bot's updates from Telegram (webhook mode)",
        params: z.object({
          tenantId: z.coerce.number().int().min(1).max(2_147_483_647),
          botId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
        }),
        headers: z.looseObject({ 'x-telegram-bot-api-secret-token': z.string().optional() }),
        body: z.looseObject({ update_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
        response: { 200: z.object({ ok: z.literal(true) }), ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { tenantId, botId } = request.params;
      if (!secrets.verify(tenantId, botId, request.headers['x-telegram-bot-api-secret-token'])) {
        const now = Date.now();
        if (now - (lastMismatchLog.get(tenantId) ?? 0) >= MISMATCH_LOG_EVERY_MS) {
          lastMismatchLog.set(tenantId, now);
          request.log.warn(
            { tenant: tenantId, botId, event: 'webhook-secret-mismatch' },
            'a webhook delivery without the bot’s secret token was refused (not from Telegram, or APP_SECRET differs between nodes)',
          );
        }
        throw new ApiError(
          'webhook_secret_mismatch',
          "This address receives one bot's updates from Telegram; the X-Telegram-Bot-Api-Secret-Token header is missing or wrong.",
        );
      }
      const body = request.body as Record<string, unknown> & { update_id: number };
      try {
        await intake.store({ tenantId, botId, updateId: body.update_id, body });
      } catch (err) {
        request.log.warn(
          { err, tenant: tenantId, event: 'update-not-stored' },
          'a webhook update could not be stored; Telegram delivers it again',
        );
        throw new ApiError(
          'update_not_stored',
          'The update could not be stored (the database does not answer); deliver it again later.',
        );
      }
      return { ok: true as const };
    },
  );
};
