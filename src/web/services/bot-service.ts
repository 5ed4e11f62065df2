/**
 * A tenant's bot config: read it with the bot's live status, save a token (checked with getMe first:
 * the bot's id and username come from Telegram, never from the form), switch it on or off, ask for a
 * restart, delete it. Every call is scoped to the signed-in tenant, so a tenant can only ever reach its
 * own config. Saving is all it takes: the `bot_configs` trigger NOTIFYs the supervisor.
 *
 * The token is encrypted before it is stored, only its last 4 characters are kept in clear (the hint),
 * and it never reaches a response, a log line or an audit event.
 */

import { auditRepository, tenantActor } from '../../db/repositories/audit.ts';
import {
  BOT_ID_UNIQUE_INDEX,
  type BotConfigRecord,
  botConfigRepository,
} from '../../db/repositories/bot-configs.ts';
import { isUniqueViolation, type Sql } from '../../db/sql.ts';
import type { TokenCipher } from '../../security/token-cipher.ts';
import { configHash } from '../../supervisor/config-hash.ts';
import { ApiError } from '../errors.ts';
import {
  type BotIdentity,
  TelegramApiError,
  type TelegramClient,
  TelegramNoAnswerError,
} from '../telegram.ts';

export interface BotServiceOptions {
  sql: Sql;
  cipher: TokenCipher;
  telegram: TelegramClient;
}

/** What `PUT /api/bot` may change. */
export interface BotChange {
  token?: string | undefined;
  enabled?: boolean | undefined;
}

const NOT_CONFIGURED = 'No bot is configured yet: save a token from @BotFather first.';

export class BotService {
  constructor(private readonly options: BotServiceOptions) {}

  /** The tenant's config. @throws ApiError bot_not_configured */
  async get(tenantId: number): Promise<BotConfigRecord> {
    const config = await botConfigRepository.findByTenant(this.options.sql, tenantId);
    if (!config) throw new ApiError('bot_not_configured', NOT_CONFIGURED);
    return config;
  }

  /**
   * Save a new token and/or switch the bot on or off.
   * @throws ApiError invalid_token (422), telegram_unreachable / telegram_error (502), bot_in_use (409),
   *   bot_not_configured (404, `enabled` alone before any token)
   */
  async update(tenantId: number, change: BotChange): Promise<BotConfigRecord> {
    const { sql } = this.options;
    if (change.token !== undefined) {
      await this.saveToken(tenantId, change.token, change.enabled);
    } else if (change.enabled !== undefined) {
      const before = await this.get(tenantId);
      await sql.transaction(async (tx) => {
        if (!(await botConfigRepository.setEnabled(tx, tenantId, change.enabled!))) {
          throw new ApiError('bot_not_configured', NOT_CONFIGURED);
        }
        if (before.enabled !== change.enabled) {
          await auditRepository.record(tx, {
            tenantId,
            actor: tenantActor(tenantId),
            action: change.enabled ? 'bot.enabled' : 'bot.disabled',
            subject: botSubject(before.botId),
          });
        }
      });
    }
    return this.get(tenantId);
  }

  /** Ask the supervisor to restart the bot. @throws ApiError bot_not_configured */
  async restart(tenantId: number): Promise<Date> {
    return this.options.sql.transaction(async (tx) => {
      const at = await botConfigRepository.requestRestart(tx, tenantId);
      if (!at) throw new ApiError('bot_not_configured', NOT_CONFIGURED);
      await auditRepository.record(tx, {
        tenantId,
        actor: tenantActor(tenantId),
        action: 'bot.restart_requested',
      });
      return at;
    });
  }

  /** Delete the config; the supervisor stops the bot. @throws ApiError bot_not_configured */
  async remove(tenantId: number): Promise<void> {
    await this.options.sql.transaction(async (tx) => {
      const before = await botConfigRepository.findByTenant(tx, tenantId);
      if (!before || !(await botConfigRepository.delete(tx, tenantId))) {
        throw new ApiError('bot_not_configured', NOT_CONFIGURED);
      }
      await auditRepository.record(tx, {
        tenantId,
        actor: tenantActor(tenantId),
        action: 'bot.deleted',
        subject: botSubject(before.botId),
        detail: { bot_username: before.botUsername },
      });
    });
  }

  private async saveToken(tenantId: number, token: string, enabled: boolean | undefined): Promise<void> {
    const { sql, cipher } = this.options;
    const bot = await this.identify(token);
    const owner = await botConfigRepository.ownerOfBot(sql, bot.id);
    if (owner !== undefined && owner !== tenantId) throw botInUse(bot);
    const before = await botConfigRepository.findByTenant(sql, tenantId);
    const tokenHint = token.slice(-4);
    try {
      await sql.transaction(async (tx) => {
        await botConfigRepository.saveToken(tx, {
          tenantId,
          tokenEncrypted: cipher.encrypt(token),
          tokenHint,
          botId: bot.id,
          botUsername: bot.username,
          configHash: configHash({ token }),
          enabled,
        });
        await auditRepository.record(tx, {
          tenantId,
          actor: tenantActor(tenantId),
          action: before ? 'bot.token_changed' : 'bot.configured',
          subject: botSubject(bot.id),
          detail: {
            bot_username: bot.username,
            token_hint: tokenHint,
            ...(before && before.botId !== bot.id ? { previous_bot_id: before.botId } : {}),
            ...(enabled !== undefined ? { enabled } : {}),
          },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err, BOT_ID_UNIQUE_INDEX)) throw botInUse(bot);
      throw err;
    }
  }

  /** getMe, with Telegram's answers turned into errors a person can act on. */
  private async identify(token: string): Promise<BotIdentity> {
    try {
      return await this.options.telegram.getMe(token);
    } catch (err) {
      if (err instanceof TelegramApiError) {
        if (err.code === 401 || err.code === 404) {
          throw new ApiError(
            'invalid_token',
            `Telegram rejected this token (${err.code}): paste a fresh token from @BotFather (/mybots → your bot → API Token).`,
          );
        }
        throw new ApiError(
          'telegram_error',
          `Telegram answered with an error (${err.code}) while checking the token: try again in a minute.`,
        );
      }
      if (err instanceof TelegramNoAnswerError) {
        throw new ApiError(
          'telegram_unreachable',
          `Telegram could not be reached to check the token (${err.reason}): try again, or ask the operator to check the server's connection to Telegram.`,
        );
      }
      throw err;
    }
  }
}

function botSubject(botId: number | null): string | null {
  return botId === null ? null : `bot:${botId}`;
}

function botInUse(bot: BotIdentity): ApiError {
  return new ApiError(
    'bot_in_use',
    `The bot @${bot.username} is already configured by another account: create a new bot with @BotFather for this account.`,
  );
}
