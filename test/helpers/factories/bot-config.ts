/**
 * Bot configs (`bot_configs`, one per tenant). By default written as the web saves a token that getMe
 * accepted (src/web/services/bot-service.ts through src/db/repositories/bot-configs.ts): encrypted with
 * the token cipher, with its hint, bot id, bot username and config hash. `straight` writes only what an
 * operator's `insert` would (tenant, encrypted token, enabled): the supervisor then claims the bot id from
 * the token itself (src/supervisor/config-source.ts).
 */

import { type BotConfigRecord, botConfigRepository } from '../../../src/db/repositories/bot-configs.ts';
import type { TokenCipher } from '../../../src/security/token-cipher.ts';
import { configHash } from '../../../src/supervisor/config-hash.ts';
import { type FactoryDb, sqlOf } from './door.ts';
import { tokenCipher } from './secrets.ts';
import { uniqueBotId, uniqueBotToken } from './unique.ts';

export interface BotConfigOverrides {
  tenantId: number;
  /** A sandbox bot (`sandbox.client.createBot`): its token, id and username. */
  bot?: { id: number; token: string; username: string };
  /** The token (plain text). Default: the bot's, else a fresh token-shaped one. Null: a config without a token. */
  token?: string | null;
  /** Default: the bot's id, else the digits before the token's colon, else a fresh one. */
  botId?: number;
  /** Default: the bot's username, else `bot<id>_bot`. */
  botUsername?: string;
  /** Default true. */
  enabled?: boolean;
  /** Written past the web (no bot id, username, hint or hash); implied by `token: null`. */
  straight?: boolean;
  /** Default: the tests' token cipher (TEST_SECRET). */
  cipher?: TokenCipher;
}

/** Create the tenant's bot config. @returns it as the web reads it (status null) */
export async function makeBotConfig(db: FactoryDb, overrides: BotConfigOverrides): Promise<BotConfigRecord> {
  const sql = sqlOf(db);
  const cipher = overrides.cipher ?? tokenCipher;
  const token = overrides.token === undefined ? (overrides.bot?.token ?? uniqueBotToken()) : overrides.token;
  const enabled = overrides.enabled ?? true;
  if (token === null || overrides.straight) {
    // The product never writes a config this way (the web always has getMe's answer): plain SQL.
    await sql.query('insert into bot_configs (tenant_id, token_encrypted, enabled) values (?, ?, ?)', [
      overrides.tenantId,
      token === null ? null : cipher.encrypt(token),
      enabled,
    ]);
  } else {
    const fromToken = /^(\d{1,15}):/.exec(token)?.[1];
    const botId = overrides.botId ?? overrides.bot?.id ?? (fromToken ? Number(fromToken) : uniqueBotId());
    await botConfigRepository.saveToken(sql, {
      tenantId: overrides.tenantId,
      tokenEncrypted: cipher.encrypt(token),
      tokenHint: token.slice(-4),
      botId,
      botUsername: overrides.botUsername ?? overrides.bot?.username ?? `bot${botId}_bot`,
      configHash: configHash({ token }),
      enabled,
    });
  }
  return (await botConfigRepository.findByTenant(sql, overrides.tenantId))!;
}
