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
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookSecrets } from '../../security/webhook-secret.ts';
import { ApiError } from '../errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { UnstorableUpdateError, type UpdateIntake } from '../services/update-intake.ts';

export interface TelegramWebhookOptions {
  secrets: WebhookSecrets;
  intake: UpdateIntake;
}

/** Refused deliveries are summed up in one log line at most this often (ms): strangers cannot flood the log. */
const MISMATCH_LOG_EVERY_MS = 60_000;
/** Largest update accepted (bytes): far above any update Telegram sends. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;
/** A tenant or bot id in the path: plain decimal digits, no sign, no leading zero. */
const ID = /^[1-9][0-9]{0,15}$/;

export const telegramWebhookRoutes: FastifyPluginAsyncZod<TelegramWebhookOptions> = async (
  app,
  { secrets, intake },
) => {
  let refused = 0;
  let lastLog = 0;
  const logRefusal = (log: FastifyBaseLogger, tenant: string) => {
    refused++;
    const now = Date.now();
    if (now - lastLog < MISMATCH_LOG_EVERY_MS) return;
    lastLog = now;
    log.warn(
      { event: 'webhook-secret-mismatch', refused, lastTenant: tenant.slice(0, 20) },
      `${refused} webhook deliveries without their bot's secret token were refused (not from Telegram, or APP_SECRET differs between nodes)`,
    );
    refused = 0;
  };
  app.post(
    '/:tenantId/:botId',
    {
      config: { rateLimit: false },
      bodyLimit: WEBHOOK_BODY_LIMIT,
      // The secret is checked before the body is read: a stranger's delivery costs no parsing.
      onRequest: async (request) => {
        const { tenantId, botId } = request.params as { tenantId: string; botId: string };
        const ok =
          ID.test(tenantId) &&
          ID.test(botId) &&
          Number(tenantId) <= 2_147_483_647 &&
          Number(botId) <= Number.MAX_SAFE_INTEGER &&
          secrets.verify(
            Number(tenantId),
            Number(botId),
            headerOf(request.headers['x-telegram-bot-api-secret-token']),
          );
        if (!ok) {
          logRefusal(request.log, tenantId);
          throw new ApiError(
            'webhook_secret_mismatch',
            "This address receives one bot's updates from Telegram; the X-Telegram-Bot-Api-Secret-Token header is missing or wrong.",
          );
        }
      },
      schema: {
        tags: ['telegram'],
        summary: "Receive one of a bot's updates from Telegram (webhook mode)",
        params: z.object({ tenantId: z.string(), botId: z.string() }),
        headers: z.looseObject({ 'x-telegram-bot-api-secret-token': z.string().optional() }),
        body: z.looseObject({ update_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
        response: { 200: z.object({ ok: z.literal(true) }), ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const tenantId = Number(request.params.tenantId);
      const botId = Number(request.params.botId);
      const body = request.body as Record<string, unknown> & { update_id: number };
      try {
        await intake.store({ tenantId, botId, updateId: body.update_id, body });
      } catch (err) {
        if (err instanceof UnstorableUpdateError) {
          throw new ApiError(
            'validation_failed',
            'The update cannot be stored: PostgreSQL refuses its JSON.',
          );
        }
        // One line per refusal, by the error handler (the reason is in the server log there).
        throw Object.assign(
          new ApiError(
            'update_not_stored',
            'The update could not be stored now (the database does not answer, or is too slow); deliver it again later.',
            { 'retry-after': '5' },
          ),
          { cause: (err as Error).message?.slice(0, 200) },
        );
      }
      return { ok: true as const };
    },
  );
};

function headerOf(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
