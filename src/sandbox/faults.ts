/**
 * Fault injection: make the next N calls of a Bot API method (for one token or all, into one chat or
 * any) answer an error,
 * hang for a while, or lose the connection. A rule may combine a hang with an error or a drop
 * (hang then drop = a request that times out at the client).
 */
import { defaultDescription, type ResponseParameters } from './errors.ts';

export interface FaultSpec {
  /** Only calls with this token; omitted = every bot. */
  token?: string | undefined;
  /** Bot API method name (case-insensitive), or `*` for every method. */
  method: string;
  /** Only calls whose `chat_id` is this (compared as text); omitted = any chat. */
  chatId?: number | string | undefined;
  errorCode?: number | undefined;
  description?: string | undefined;
  parameters?: ResponseParameters | undefined;
  /** Delay before answering (or dropping), in milliseconds. */
  hangMs?: number | undefined;
  /** Destroy the socket without answering. */
  drop?: boolean | undefined;
  /** How many matching calls this rule affects. */
  times: number;
}

/** What to do with one call. */
export interface FaultAction {
  hangMs: number;
  drop: boolean;
  error: { errorCode: number; description: string; parameters?: ResponseParameters } | null;
}

interface FaultRule extends FaultSpec {
  id: number;
  remaining: number;
}

export class FaultInjector {
  #rules: FaultRule[] = [];
  #nextId = 1;

  /** Add a rule; returns its id. Rules are consumed in the order they were added. */
  add(spec: FaultSpec): number {
    const id = this.#nextId++;
    this.#rules.push({ ...spec, method: spec.method.toLowerCase(), id, remaining: spec.times });
    return id;
  }

  /** Remove every rule; returns how many were removed. */
  clear(): number {
    const n = this.#rules.length;
    this.#rules = [];
    return n;
  }

  /** Rules still active (for the control API). */
  list(): Array<FaultSpec & { id: number; remaining: number }> {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** Consume the first rule matching this call, if any. `method` must already be lower-case. */
  take(token: string, method: string, chatId?: unknown): FaultAction | null {
    if (this.#rules.length === 0) return null;
    const chat = chatId === undefined || chatId === null ? undefined : String(chatId);
    const rule = this.#rules.find(
      (r) =>
        (r.method === '*' || r.method === method) &&
        (r.token === undefined || r.token === token) &&
        (r.chatId === undefined || String(r.chatId) === chat),
    );
    if (!rule) return null;
    rule.remaining--;
    if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
    const error =
      rule.errorCode !== undefined
        ? {
            errorCode: rule.errorCode,
            description: rule.description ?? defaultDescription(rule.errorCode),
            ...(rule.parameters ? { parameters: rule.parameters } : {}),
          }
        : null;
    return { hangMs: rule.hangMs ?? 0, drop: rule.drop ?? false, error };
  }
}
