/**
 * Webhook delivery, as Telegram does it: each pending update is POSTed as JSON to the bot's webhook URL
 * with the `X-Telegram-Bot-Api-Secret-Token` header when a secret was set; a 2xx answer confirms it, any
 * other answer or a network error is recorded (getWebhookInfo's last_error_*) and retried later with a
 * doubling delay. A JSON answer with a `method` field is executed as that Bot API call (the "reply to the
 * webhook" optimisation Telegraf uses for answerCallbackQuery). Updates go one at a time, in order.
 * https://core.telegram.org/bots/api#setwebhook
 */
import http from 'node:http';
import https from 'node:https';
import type { Update } from '@telegraf/types';
import type { Logger } from '../log/logger.ts';
import type { SandboxLimits } from './limits.ts';
import type { SandboxBot } from './model.ts';

/** Runs a Bot API call found in a webhook's answer; errors are swallowed, as Telegram does. */
export type ReplyExecutor = (
  bot: SandboxBot,
  method: string,
  params: Record<string, unknown>,
) => Promise<void>;

interface Delivery {
  running: boolean;
  attempt: number;
  retry: NodeJS.Timeout | null;
  abort: AbortController;
}

const MAX_ANSWER_BYTES = 1 << 20;

export class WebhookDeliverer {
  readonly #limits: () => SandboxLimits;
  readonly #logger: Logger;
  readonly #agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  readonly #active = new Map<number, Delivery>();
  #execute: ReplyExecutor = async () => {};
  #closed = false;

  constructor(limits: () => SandboxLimits, logger: Logger) {
    this.#limits = limits;
    this.#logger = logger;
  }

  /** Set the function that runs Bot API calls found in webhook answers. */
  setExecutor(execute: ReplyExecutor): void {
    this.#execute = execute;
  }

  /** Watch `bot`'s queue: deliver whenever an update is queued and a webhook is set. */
  watch(bot: SandboxBot): void {
    bot.queue.onPush = () => this.kick(bot);
  }

  /** Start delivering pending updates if a webhook is set and nothing is in flight. */
  kick(bot: SandboxBot): void {
    if (this.#closed || !bot.webhook) return;
    let d = this.#active.get(bot.id);
    if (!d) {
      d = { running: false, attempt: 0, retry: null, abort: new AbortController() };
      this.#active.set(bot.id, d);
    }
    if (d.running || d.retry) return;
    void this.#run(bot, d);
  }

  /** Stop delivering to `bot` (webhook deleted or changed): abort the request in flight. */
  stop(bot: SandboxBot): void {
    const d = this.#active.get(bot.id);
    if (!d) return;
    d.abort.abort();
    if (d.retry) clearTimeout(d.retry);
    this.#active.delete(bot.id);
  }

  /** Stop everything (reset); deliveries may start again afterwards. */
  stopAll(): void {
    for (const d of this.#active.values()) {
      d.abort.abort();
      if (d.retry) clearTimeout(d.retry);
    }
    this.#active.clear();
  }

  /** Stop everything for good and free the sockets (sandbox close). */
  close(): void {
    this.#closed = true;
    this.stopAll();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  async #run(bot: SandboxBot, d: Delivery): Promise<void> {
    d.running = true;
    try {
      for (;;) {
        const hook = bot.webhook;
        const update = bot.queue.first();
        if (!hook || !update || d.abort.signal.aborted || this.#active.get(bot.id) !== d) return;
        let failure: string | null = null;
        let answer = '';
        try {
          const res = await this.#post(hook.url, update, hook.secretToken, d.abort.signal);
          if (res.status >= 200 && res.status < 300) answer = res.body;
          else
            failure =
              `Wrong response from the webhook: ${res.status} ${http.STATUS_CODES[res.status] ?? ''}`.trim();
        } catch (err) {
          if (d.abort.signal.aborted) return;
          failure = describeNetworkError(err);
        }
        if (failure !== null) {
          hook.lastErrorDate = Math.floor(Date.now() / 1000);
          hook.lastErrorMessage = failure;
          this.#logger.debug({ botId: bot.id, failure }, 'sandbox webhook delivery failed');
          this.#scheduleRetry(bot, d);
          return;
        }
        d.attempt = 0;
        if (bot.queue.first() === update) bot.queue.shift();
        await this.#runReply(bot, answer);
      }
    } finally {
      d.running = false;
    }
  }

  #scheduleRetry(bot: SandboxBot, d: Delivery): void {
    const delay = this.#limits().webhookRetryMs * 2 ** Math.min(d.attempt, 4);
    d.attempt++;
    d.retry = setTimeout(() => {
      d.retry = null;
      this.kick(bot);
    }, delay);
    d.retry.unref();
  }

  async #runReply(bot: SandboxBot, answer: string): Promise<void> {
    if (!answer.trim().startsWith('{')) return;
    try {
      const body = JSON.parse(answer) as unknown;
      if (typeof body !== 'object' || body === null) return;
      const { method, ...params } = body as Record<string, unknown>;
      if (typeof method === 'string') await this.#execute(bot, method, params);
    } catch (err) {
      this.#logger.debug({ botId: bot.id, err }, 'sandbox ignored a webhook answer');
    }
  }

  #post(
    url: string,
    update: Update,
    secret: string | undefined,
    signal: AbortSignal,
  ): Promise<{ status: number; body: string }> {
    const payload = JSON.stringify(update);
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    };
    if (secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret;
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        target,
        {
          method: 'POST',
          headers,
          agent: isHttps ? this.#agents.https : this.#agents.http,
          signal,
          timeout: this.#limits().webhookTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('Read timeout expired')));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function describeNetworkError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ENOTFOUND') return 'Failed to resolve host: Name or service not known';
  if (code === 'ECONNRESET') return 'Connection reset by peer';
  return err instanceof Error ? err.message : String(err);
}
