/**
 * A {@link MembershipCheck} over the Bot API's getChatMember, through the seam (src/telegram/; the lottery
 * domain stays free of Telegram libraries). Used by the web's manual draw and by the supervisor's draw
 * scheduler, which have no running bot at hand; the bot process has its own client.
 *
 * The check never throws: Telegram's answer becomes a three-way {@link Membership} through
 * `membershipOf` (a `ChatMember`) or `membershipOfError` (a refusal), and a request that gets no usable
 * answer (network error, timeout, a reply that is not the Bot API's JSON) is `unknown`. It is tried once
 * (the seam's retry table: a draw checks many winners, and `unknown` is an answer, F11). The token is in
 * the request URL only and never in an error or a log line.
 * https://core.telegram.org/bots/api#getchatmember
 */
import { botApi, TelegramApiError } from '../telegram/index.ts';
import { type Membership, type MembershipCheck, membershipOf, membershipOfError } from './conditions.ts';

export interface MembershipClientOptions {
  /** Bot API root without the `/bot<token>` part, e.g. `https://api.telegram.org` (TELEGRAM_API_ROOT). */
  apiRoot: string;
  /** The bot's token (decrypted). */
  token: string;
  /** `fetch` to use, default the global one (tests inject failures). */
  fetch?: typeof fetch;
  /** Timeout per call in milliseconds, default 5 000. */
  timeoutMs?: number;
}

/** Default timeout of one getChatMember call, in milliseconds. */
export const MEMBERSHIP_TIMEOUT_MS = 5_000;

/**
 * A membership check for one bot.
 * @example const check = createMembershipCheck({ apiRoot, token }); await check(-1001234, 777); // 'member'
 */
export function createMembershipCheck(options: MembershipClientOptions): MembershipCheck {
  const timeoutMs = options.timeoutMs ?? MEMBERSHIP_TIMEOUT_MS;

  return async (chatId: number, userId: number): Promise<Membership> => {
    let result: unknown;
    try {
      const api = botApi(options.token, {
        apiRoot: options.apiRoot,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      result = await api.call(
        'getChatMember',
        { chat_id: chatId, user_id: userId },
        // The whole check, any wait included, stays within the budget.
        { attempts: 1, timeoutMs, signal: AbortSignal.timeout(timeoutMs) },
      );
    } catch (err) {
      if (err instanceof TelegramApiError) return membershipOfError(err.code, err.description);
      return 'unknown';
    }
    if (typeof result === 'object' && result !== null) {
      const { status, is_member } = result as { status?: unknown; is_member?: unknown };
      return membershipOf({
        ...(typeof status === 'string' ? { status } : {}),
        ...(typeof is_member === 'boolean' ? { is_member } : {}),
      });
    }
    return 'unknown';
  };
}
