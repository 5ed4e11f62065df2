/**
 * A {@link MembershipCheck} over the Bot API's getChatMember, with plain `fetch` (no Telegram library:
 * the lottery domain stays free of them). Used by the web's manual draw and by the supervisor's draw
 * scheduler, which have no running bot at hand; the bot process has its own client.
 *
 * The check never throws: Telegram's answer becomes a three-way {@link Membership} through
 * `membershipOf` (a `ChatMember`) or `membershipOfError` (a refusal), and a request that gets no usable
 * answer (network error, timeout, a reply that is not the Bot API's JSON) is `unknown`. The token is in
 * the request URL only and never in an error or a log line.
 * https://core.telegram.org/bots/api#getchatmember
 */
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
  const root = options.apiRoot.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? MEMBERSHIP_TIMEOUT_MS;
  const url = `${root}/bot${options.token}/getChatMember`;

  return async (chatId: number, userId: number): Promise<Membership> => {
    let body: unknown;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ chat_id: chatId, user_id: userId }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.json();
    } catch {
      return 'unknown';
    }
    const answer = body as {
      ok?: unknown;
      result?: { status?: unknown; is_member?: unknown };
      error_code?: unknown;
      description?: unknown;
    } | null;
    if (answer?.ok === true && typeof answer.result === 'object' && answer.result !== null) {
      const { status, is_member } = answer.result;
      return membershipOf({
        ...(typeof status === 'string' ? { status } : {}),
        ...(typeof is_member === 'boolean' ? { is_member } : {}),
      });
    }
    if (answer?.ok === false) {
      return membershipOfError(
        typeof answer.error_code === 'number' ? answer.error_code : null,
        typeof answer.description === 'string' ? answer.description : '',
      );
    }
    return 'unknown';
  };
}
