/**
 * The outbox (F8): every Telegram send a tenant's bot must make, persisted before it is attempted.
 * Producers (publish, draw, reroll, the count updater) `enqueue` rows, usually in the same transaction as
 * the change they announce, so a send is never lost; a unique `dedupe_key` per tenant makes enqueueing
 * idempotent, so it is never queued twice. The bot process `claim`s rows in id order (`for update skip
 * locked`, so two workers never take the same row), sends them, and records the outcome with `complete`,
 * `fail` or `retryLater`. A row that waits (429, retry) holds back only the later rows into its own chat:
 * `claim` never takes a row past an older one of the same chat still waiting, which keeps each chat's
 * order, and sends into other chats go on.
 *
 * Each row has a `kind` (what it is for) and a `ref_id` (the row it concerns); effects.ts turns an
 * outcome into changes of that row (a post's message id, a winner's delivery status).
 *
 * Fencing (several supervisor nodes, src/db/repositories/leases.ts): a bot claims with its lease's epoch,
 * and the claim takes nothing unless that lease is the tenant's live one; the epoch is stored on each row
 * it claims (`claim_epoch`), and its outcome is recorded only while the row is still claimed with that
 * epoch, so a node that lost the bot neither takes new sends nor overwrites what the new owner records.
 * `epoch` null = unfenced (a bot run without the supervisor's leases: tests, tools).
 */
import { type Sql, toDate } from '../db/sql.ts';

export const OUTBOX_KINDS = [
  'post',
  'post-edit',
  'count-edit',
  'announce',
  'winner-dm',
  'reroll-announce',
  'join-result',
] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export interface OutboxItem {
  tenantId: number;
  /** A Bot API method, e.g. `sendMessage`. */
  method: string;
  /** Its parameters, as JSON. */
  payload: Record<string, unknown>;
  kind: OutboxKind;
  /** The row the send concerns (lottery_posts.id for posts, winners.id for DMs). */
  refId?: number | null;
  lotteryId?: number | null;
  winnerId?: number | null;
  /** Unique per tenant: a second enqueue with the same key does nothing. */
  dedupeKey?: string | null;
  /** What the outcome handler needs besides `refId` (e.g. the entry count an edit shows). Not sent. */
  meta?: Record<string, unknown>;
  /** Not before this time (default now). */
  notBefore?: Date | null;
}

/**
 * Rows per INSERT of {@link enqueue}. A chunk travels as one jsonb parameter (PostgreSQL allows 65,535
 * bind parameters per statement, and one statement per row or per 200 rows makes a 200,000-winner draw's
 * DMs thousands of round trips).
 */
const ENQUEUE_ROWS_PER_STATEMENT = 5_000;

/** Queues `items` in order; returns how many were new (the others had a row with the same dedupe key). */
export async function enqueue(sql: Sql, items: readonly OutboxItem[]): Promise<number> {
  let added = 0;
  for (let start = 0; start < items.length; start += ENQUEUE_ROWS_PER_STATEMENT) {
    const chunk = items.slice(start, start + ENQUEUE_ROWS_PER_STATEMENT).map((item) => ({
      t: item.tenantId,
      m: item.method,
      p: item.payload,
      k: item.kind,
      r: item.refId ?? null,
      l: item.lotteryId ?? null,
      w: item.winnerId ?? null,
      d: item.dedupeKey ?? null,
      x: item.meta ?? {},
      n: item.notBefore ? item.notBefore.toISOString() : null,
    }));
    // Ids follow the order of the list (`order by ord`), which keeps the send order.
    const rows = await sql.query<{ id: string }>(
      `insert into outbox_messages
         (tenant_id, method, payload, kind, ref_id, lottery_id, winner_id, dedupe_key, meta, not_before)
       select (i->>'t')::int, i->>'m', i->'p', i->>'k', (i->>'r')::bigint, (i->>'l')::int, (i->>'w')::bigint,
              i->>'d', i->'x', coalesce((i->>'n')::timestamptz, now())
         from jsonb_array_elements(?::jsonb) with ordinality as list(i, ord)
        order by ord
       on conflict (tenant_id, dedupe_key) where dedupe_key is not null do nothing
       returning id`,
      [JSON.stringify(chunk)],
    );
    added += rows.length;
  }
  return added;
}

export interface OutboxRow {
  id: number;
  tenantId: number;
  method: string;
  payload: Record<string, unknown>;
  kind: OutboxKind;
  refId: number | null;
  lotteryId: number | null;
  winnerId: number | null;
  meta: Record<string, unknown>;
  attempts: number;
}

interface RawRow {
  id: string;
  tenant_id: number;
  method: string;
  payload: Record<string, unknown>;
  kind: OutboxKind;
  ref_id: string | null;
  lottery_id: number | null;
  winner_id: string | null;
  meta: Record<string, unknown>;
  attempts: number;
}

const toRow = (r: RawRow): OutboxRow => ({
  id: Number(r.id),
  tenantId: r.tenant_id,
  method: r.method,
  payload: r.payload,
  kind: r.kind,
  refId: r.ref_id === null ? null : Number(r.ref_id),
  lotteryId: r.lottery_id,
  winnerId: r.winner_id === null ? null : Number(r.winner_id),
  meta: r.meta ?? {},
  attempts: r.attempts,
});

/**
 * Rows left `sending` by a process that died mid-send go back to `pending` (called once when a worker
 * starts, before it claims anything). Such a send may or may not have reached Telegram: retrying it is the
 * one case where a message could be sent twice, and it needs the process to die within the milliseconds
 * between the send and its record. A graceful stop always finishes and records the send in flight.
 */
export async function recoverInterrupted(sql: Sql, tenantId: number): Promise<number> {
  const rows = await sql.query<{ id: string }>(
    `update outbox_messages set status = 'pending', updated_at = now()
      where tenant_id = ? and status = 'sending' returning id`,
    [tenantId],
  );
  return rows.length;
}

/**
 * The chats of a tenant that wait (a pending row not due yet: a 429's retry_after or a retry's backoff),
 * each from its oldest waiting row: no later row into that chat may go first (F8 keeps each chat's
 * order). Rows into other chats are not held up. Rows without a `chat_id` form no chat and wait for
 * nothing.
 */
const WAITING_CHATS = `
  waiting as (
    select payload->'chat_id' as chat, min(id) as from_id from outbox_messages
     where tenant_id = ? and status = 'pending' and not_before > now() and payload->'chat_id' is not null
     group by 1)`;

/** The pending rows of a tenant that no waiting row of their chat holds back (alias `o`). */
const NOT_HELD = `
  not exists (select 1 from waiting w where w.chat = o.payload->'chat_id' and w.from_id < o.id)`;

/**
 * Takes up to `limit` due rows of a tenant in id order and marks them `sending`. Never past an older
 * pending row into the same chat that is not due yet (a 429's or a retry's wait): rows into that chat
 * queued during the wait, or put back from the batch that hit it, must not overtake it; rows into other
 * chats go on meanwhile (issue: a blocked chat held every other send of the bot back for minutes).
 */
export async function claim(
  sql: Sql,
  tenantId: number,
  limit: number,
  epoch: number | null = null,
): Promise<OutboxRow[]> {
  const rows = await sql.query<RawRow>(
    `with ${WAITING_CHATS}
     update outbox_messages u set status = 'sending', attempts = u.attempts + 1, updated_at = now(),
            claim_epoch = ?::bigint
      where u.id in (
        select o.id from outbox_messages o
         where o.tenant_id = ? and o.status = 'pending' and o.not_before <= now() and ${NOT_HELD}
         order by o.id limit ? for update of o skip locked)
        and (?::bigint is null or exists (
          select 1 from bot_leases l where l.tenant_id = ? and l.epoch = ?::bigint and l.expires_at > now()))
      returning u.id, u.tenant_id, u.method, u.payload, u.kind, u.ref_id, u.lottery_id, u.winner_id, u.meta,
                u.attempts`,
    [tenantId, epoch, tenantId, limit, epoch, tenantId, epoch],
  );
  return rows.map(toRow).sort((a, b) => a.id - b.id);
}

/** The condition that a row is still claimed by `epoch` (anything, when `epoch` is null). */
const STILL_CLAIMED = `(?::bigint is null or (status = 'sending' and claim_epoch = ?::bigint))`;

/** Gives claimed rows that were not attempted back (status `pending`, the claim's attempt undone). */
export async function unclaim(sql: Sql, ids: number[], epoch: number | null = null): Promise<void> {
  if (ids.length === 0) return;
  await sql.query(
    `update outbox_messages set status = 'pending', attempts = greatest(0, attempts - 1), updated_at = now()
      where id = any(string_to_array(?, ',')::bigint[]) and status = 'sending' and ${STILL_CLAIMED}`,
    [ids.join(','), epoch, epoch],
  );
}

/**
 * When `claim` can next take a row of a tenant (null when nothing is pending): the earliest due time of a
 * pending row that no waiting row of its chat holds back (a held row goes when its chat's oldest waiting
 * row does, never sooner).
 */
export async function nextDue(sql: Sql, tenantId: number): Promise<Date | null> {
  const [row] = await sql.query<{ at: Date | string | null }>(
    `with ${WAITING_CHATS}
     select min(o.not_before) as at from outbox_messages o
      where o.tenant_id = ? and o.status = 'pending' and ${NOT_HELD}`,
    [tenantId, tenantId],
  );
  if (!row?.at) return null;
  return toDate(row.at);
}

/**
 * Records a successful send and Telegram's result.
 * @returns false when the row is no longer claimed with `epoch` (another owner took it): nothing written
 */
export async function complete(
  sql: Sql,
  id: number,
  result: unknown,
  epoch: number | null = null,
): Promise<boolean> {
  const rows = await sql.query(
    `update outbox_messages set status = 'sent', result = ?::jsonb, sent_at = now(), updated_at = now(),
       error_code = null, error_description = null where id = ? and ${STILL_CLAIMED} returning id`,
    [JSON.stringify(result ?? null), id, epoch, epoch],
  );
  return rows.length === 1;
}

/** Records a send that will not be retried (Telegram refused it for good). */
export async function fail(
  sql: Sql,
  id: number,
  errorCode: number | null,
  description: string,
  epoch: number | null = null,
): Promise<boolean> {
  const rows = await sql.query(
    `update outbox_messages set status = 'failed', error_code = ?, error_description = ?, updated_at = now()
      where id = ? and ${STILL_CLAIMED} returning id`,
    [errorCode, description.slice(0, 2000), id, epoch, epoch],
  );
  return rows.length === 1;
}

/** Puts a row back to `pending`, due after `delayMs`, with the error that made it wait. */
export async function retryLater(
  sql: Sql,
  id: number,
  delayMs: number,
  errorCode: number | null,
  description: string,
  epoch: number | null = null,
): Promise<void> {
  await sql.query(
    `update outbox_messages set status = 'pending', not_before = now() + (? * interval '1 millisecond'),
       error_code = ?, error_description = ?, updated_at = now() where id = ? and ${STILL_CLAIMED}`,
    [delayMs, errorCode, description.slice(0, 2000), id, epoch, epoch],
  );
}

/** A flood wait (429 retry_after) for the whole bot: no pending row of the tenant is due before it. */
export async function pauseAll(sql: Sql, tenantId: number, delayMs: number): Promise<void> {
  await sql.query(
    `update outbox_messages set not_before = greatest(not_before, now() + (? * interval '1 millisecond'))
      where tenant_id = ? and status = 'pending'`,
    [delayMs, tenantId],
  );
}

/** Cancels pending rows of a tenant whose dedupe key starts with `prefix` (superseded edits). */
export async function cancelPending(sql: Sql, tenantId: number, prefix: string): Promise<number> {
  const rows = await sql.query<{ id: string }>(
    `update outbox_messages set status = 'cancelled', updated_at = now()
      where tenant_id = ? and status = 'pending' and dedupe_key like ? returning id`,
    [tenantId, `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
  );
  return rows.length;
}

/** Rows waiting per tenant (the `outbox depth` metric). */
export async function outboxDepth(sql: Sql): Promise<{ tenantId: number; pending: number }[]> {
  const rows = await sql.query<{ tenant_id: number; pending: string }>(
    `select tenant_id, count(*) as pending from outbox_messages where status in ('pending', 'sending')
      group by tenant_id`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, pending: Number(r.pending) }));
}

/**
 * Cancels the winner's message while it is still waiting (a replaced winner is not told they won); true when
 * one was cancelled. One that is being sent or was sent stays as it is.
 */
export async function cancelPendingWinnerMessage(sql: Sql, winnerId: number): Promise<boolean> {
  const cancelled = await sql.query(
    `update outbox_messages set status = 'cancelled', updated_at = now()
      where winner_id = ? and status = 'pending' returning id`,
    [winnerId],
  );
  return cancelled.length > 0;
}
