/**
 * Membership checks for the manual draw: for a tenant, its bot's getChatMember (through
 * src/lottery/membership-client.ts) with the token read from `bot_configs` and decrypted with the
 * bot-token cipher. The token lives only inside the returned function; it is never logged.
 */
import { botConfigRepository } from '../../db/repositories/bot-configs.ts';
import type { Sql } from '../../db/sql.ts';
import { createMembershipCheck, type MembershipCheck } from '../../lottery/index.ts';
import type { TokenCipher } from '../../security/token-cipher.ts';

export interface TenantMembershipOptions {
  sql: Sql;
  /** The bot-token cipher (`createTokenCipher(appSecret)`). */
  cipher: TokenCipher;
  /** Bot API root (TELEGRAM_API_ROOT). */
  apiRoot: string;
  /** `fetch` for getChatMember, default the global one. */
  fetch?: typeof fetch;
  /** Timeout per getChatMember call in milliseconds, default 5 000. */
  timeoutMs?: number;
}

/**
 * `membershipFor` of the draw's dependencies: the tenant's membership check, or null when it has no bot
 * token (or the token cannot be decrypted, e.g. after APP_SECRET changed). The draw then keeps every
 * winner, as it does for a check that cannot be made.
 */
export function tenantMembership(
  options: TenantMembershipOptions,
): (tenantId: number) => Promise<MembershipCheck | null> {
  return async (tenantId) => {
    const sealed = await botConfigRepository.tokenCiphertext(options.sql, tenantId);
    if (!sealed) return null;
    let token: string;
    try {
      token = options.cipher.decrypt(sealed);
    } catch {
      return null;
    }
    return createMembershipCheck({
      apiRoot: options.apiRoot,
      token,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  };
}
