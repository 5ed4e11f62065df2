/**
 * The API's resources as the panel receives them (snake_case, times as ISO-8601 UTC strings). Accounts and
 * bot: src/web/schemas/*.ts; lotteries, entries, winners and chats: docs/api-lotteries.md.
 */

export type Role = 'admin' | 'organiser';

export interface Me {
  id: number;
  username: string;
  role: Role;
  locale: string;
  display_name: string | null;
  created_at: string;
  csrf_token: string;
}

export type RegistrationMode = 'open' | 'invite' | 'closed';

/**
 * States of a bot as the API shows them; `idle` before it first started, `degraded` = running while
 * getUpdates fails, `isolated` = running in a bot host of its own (see `isolation_reason`), `unknown` =
 * running was reported but no heartbeat came for 90 s (unknown wins over degraded, degraded over isolated).
 */
export type BotState =
  | 'idle'
  | 'starting'
  | 'running'
  | 'degraded'
  | 'isolated'
  | 'restarting'
  | 'stopped'
  | 'unknown';

/** Why a bot runs in a bot host of its own: it harmed the bots it shared one with. */
export type IsolationReason = 'crash-loop' | 'event-loop-blocked' | 'memory';

/** One session of the signed-in account (GET /api/me/sessions). */
export interface AccountSession {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
  address: string | null;
  current: boolean;
}

export interface BotStatus {
  state: BotState | string;
  /** Why it is stopped or restarting: `invalid-token`, `token-conflict`, `crash-loop`, `disabled`, ... */
  reason: string | null;
  detail: string | null;
  since: string;
  restarts: number;
  /** The supervisor's last heartbeat of this bot (or when the state began). */
  reported_at: string;
  /** Degraded: getUpdates failing since, and Telegram's error code. */
  polling_failing_since: string | null;
  polling_error_code: number | null;
  /** Why it runs in a bot host of its own; null while it shares one. */
  isolation_reason: IsolationReason | null;
  /** The bot host it runs in; null when it runs nowhere. */
  host_id: string | null;
}

export interface Bot {
  username: string | null;
  bot_id: number | null;
  enabled: boolean;
  /** "…" and the last 4 characters of the saved token. */
  token_hint: string | null;
  updated_at: string;
  restart_requested_at: string | null;
  status: BotStatus | null;
}

/** A JSON value as the API sends it (an audit event's detail). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One audit log event (GET /api/admin/audit, GET /api/me/audit). */
export interface AuditEvent {
  id: number;
  at: string;
  tenant_id: number | null;
  tenant_name: string | null;
  /** `tenant:<id>` of whoever acted, or `system`. */
  actor: string;
  /** Dotted verb, e.g. `auth.signed_in`. */
  action: string;
  subject: string | null;
  detail: Record<string, JsonValue>;
}

/** A page of audit events, newest first; pass `next_before` as `before` for the older ones. */
export interface AuditPage {
  items: AuditEvent[];
  next_before: number | null;
}

export interface TenantItem {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: string;
  bot: {
    username: string | null;
    enabled: boolean;
    state: string | null;
    reason: string | null;
    isolation_reason: IsolationReason | null;
    host_id: string | null;
  } | null;
}

export const LOTTERY_STATUSES = ['draft', 'open', 'drawing', 'drawn', 'cancelled'] as const;
export type LotteryStatus = (typeof LOTTERY_STATUSES)[number];

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Prize {
  id: number;
  name: string;
  quantity: number;
}

export type JoinCondition =
  | { kind: 'member'; chat_id: number }
  | { kind: 'has-username' }
  | { kind: 'not-bot' };

export type DrawTrigger =
  | { kind: 'manual' }
  | { kind: 'time'; at: string }
  | { kind: 'entries'; count: number };

export interface Lottery {
  id: number;
  title: string;
  description: string;
  status: LotteryStatus;
  language: Language;
  prizes: Prize[];
  winner_count: number;
  join_conditions: JoinCondition[];
  draw_trigger: DrawTrigger;
  publish_targets: number[];
  join_keyword: string | null;
  commitment: string | null;
  entry_count: number;
  changes: { at: string; field: string; from: unknown; to: unknown }[];
  posts: { chat_id: number; message_id: number | null }[];
  created_at: string;
  updated_at: string;
  published_at: string | null;
  drawn_at: string | null;
  cancelled_at: string | null;
}

/** The body of `POST /api/lotteries`; `PATCH` takes any subset (prizes may carry their `id`). */
export interface LotteryBody {
  title?: string;
  description?: string;
  language?: Language;
  prizes?: { id?: number; name: string; quantity: number }[];
  join_conditions?: JoinCondition[];
  draw_trigger?: DrawTrigger;
  publish_targets?: number[];
  join_keyword?: string | null;
}

export interface TelegramUser {
  id: number;
  first_name: string;
  last_name: string | null;
  username: string | null;
}

export interface Entry {
  id: number;
  user_id: number;
  first_name: string;
  last_name: string | null;
  username: string | null;
  source: string;
  joined_at: string;
}

export type DeliveryStatus =
  | 'pending'
  | 'delivered'
  | 'blocked'
  | 'never-started'
  | 'deactivated'
  | 'failed'
  | 'not-sent';

export interface Winner {
  id: number;
  position: number;
  prize: { id: number; name: string };
  user: TelegramUser;
  status: 'active' | 'replaced';
  replaced_reason: string | null;
  delivery: { status: DeliveryStatus | string; error: string | null; delivered_at: string | null } | null;
}

export interface Chat {
  chat_id: number;
  type: string;
  title: string | null;
  username: string | null;
  bot_status: string;
  is_admin: boolean;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
}
