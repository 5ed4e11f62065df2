/**
 * The supervisor's part of webhook mode (docs/operations.md, "Webhooks"): what each bot's start message
 * says about receiving updates, the webhook of a bot that is gone, and the pruning of stored updates.
 *
 * - A bot started in webhook mode gets its URL (`PUBLIC_URL` + its per-bot path), its secret token and
 *   `max_connections`; its host calls setWebhook. In polling mode its host polls, and Telegraf's launch
 *   calls deleteWebhook first: going back to polling needs nothing more.
 * - When a tenant's bot goes for good (its config disabled or deleted) or its token is replaced, the old
 *   bot's webhook is deleted (Bot API deleteWebhook, pending updates kept), so Telegram stops sending to an
 *   address that no longer handles them. A bot that only moves to another node, or a node that stops,
 *   keeps its webhook: the updates keep coming and are stored, and whoever runs the bot next handles them.
 * - Every minute: handled updates older than {@link HANDLED_RETENTION_MS} are forgotten (the highest id
 *   is remembered, so a late redelivery is still refused), and never-handled ones older than a day.
 */
import { inboundUpdateRepository } from '../db/repositories/inbound-updates.ts';
import type { Sql } from '../db/sql.ts';
import type { ToHost } from '../host/ipc.ts';
import type { Logger } from '../log/logger.ts';
import type { WebhookSecrets } from '../security/webhook-secret.ts';
import { webhookUrl } from '../security/webhook-secret.ts';
import { botApi } from '../telegram/index.ts';

/** Handled updates are kept this long, to recognise a redelivery (ms). */
export const HANDLED_RETENTION_MS = 10 * 60_000;
/** Updates nobody handled are dropped after this long (ms): Telegram itself keeps them 24 hours. */
export const STALE_UPDATE_MS = 24 * 3600_000;
/** How often the stored updates are pruned (ms). */
export const PRUNE_EVERY_MS = 60_000;

/** Webhook mode's settings for the supervisor. */
export interface WebhookSettings {
  /** `PUBLIC_URL`, without a trailing slash. */
  publicUrl: string;
  secrets: WebhookSecrets;
  /** `WEBHOOK_MAX_CONNECTIONS`. */
  maxConnections: number;
}

export type UpdatesStart = Extract<ToHost, { type: 'start' }>['updates'];

export interface Webhooks {
  /** What a bot's start message says about updates; records the token a webhook is set for. */
  startFor(tenantId: string, token: string): UpdatesStart;
  /** The tenant's bot is gone for good (config disabled or deleted): its webhook is deleted. */
  gone(tenantId: string): void;
  /** The tenant's bot now runs on another node: its webhook is that node's business from now on. */
  moved(tenantId: string): void;
  /** Stop pruning; resolves when a deletion in flight has ended. */
  close(): Promise<void>;
}

/** The bot id of a token: the digits before its colon. */
function botIdOf(token: string): number {
  return Number(token.slice(0, token.indexOf(':')));
}

export function createWebhooks(options: {
  settings: WebhookSettings | undefined;
  apiRoot: string;
  sql: Pick<Sql, 'query'>;
  logger: Logger;
  /** Prune the stored updates, default true (tests of the supervisor without the tables turn it off). */
  prune?: boolean;
  /** Whether a configured bot (of any tenant) has this token now: its webhook is then not deleted. */
  inUse?: (token: string) => boolean;
}): Webhooks {
  const { settings, logger } = options;
  /** Tenants whose bot this node started in webhook mode, with the token. */
  const tokens = new Map<string, string>();
  const pending = new Set<Promise<void>>();

  const remove = (tenantId: string, token: string, why: string) => {
    // The same bot configured again (for this tenant or another): its webhook is in use.
    if (options.inUse?.(token)) return;
    const work = botApi(token, { apiRoot: options.apiRoot })
      .call('deleteWebhook', {})
      .then(
        () => logger.info({ tenant: tenantId, event: 'webhook-deleted' }, `webhook deleted (${why})`),
        (err: unknown) =>
          logger.warn(
            { tenant: tenantId, err, event: 'webhook-delete-failed' },
            `the webhook of a bot that is ${why} could not be deleted; Telegram keeps sending its updates, which are stored and dropped after a day`,
          ),
      )
      .finally(() => pending.delete(work));
    pending.add(work);
  };

  let pruning = false;
  const timer =
    options.prune === false
      ? undefined
      : setInterval(async () => {
          if (pruning) return;
          pruning = true;
          try {
            const { stale } = await inboundUpdateRepository.prune(
              options.sql,
              HANDLED_RETENTION_MS,
              STALE_UPDATE_MS,
            );
            if (stale > 0)
              logger.warn(
                { event: 'stale-updates-dropped', count: stale },
                `${stale} stored updates no bot handled within a day were dropped`,
              );
          } catch {
            // The database is away; the next round prunes.
          } finally {
            pruning = false;
          }
        }, PRUNE_EVERY_MS);
  timer?.unref();

  return {
    startFor(tenantId, token) {
      const previous = tokens.get(tenantId);
      if (previous !== undefined && previous !== token) {
        tokens.delete(tenantId);
        remove(tenantId, previous, 'replaced by a new token');
      }
      if (!settings) return { mode: 'polling' };
      tokens.set(tenantId, token);
      const botId = botIdOf(token);
      const id = Number(tenantId);
      return {
        mode: 'webhook',
        url: webhookUrl(settings.publicUrl, id, botId),
        secretToken: settings.secrets.secretFor(id, botId),
        maxConnections: settings.maxConnections,
      };
    },
    gone(tenantId) {
      const token = tokens.get(tenantId);
      if (token === undefined) return;
      tokens.delete(tenantId);
      remove(tenantId, token, 'disabled or deleted');
    },
    moved(tenantId) {
      tokens.delete(tenantId);
    },
    async close() {
      clearInterval(timer);
      await Promise.all([...pending]);
    },
  };
}
