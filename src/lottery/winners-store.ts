/**
 * The home of the SQL of a drawn lottery's winners and its proof row; also queues the announcements (winners post per target, each winner's DM). Shared by the draw and the reroll.
 */
import type { DeliveryStatus, WinnerStatus } from '../contracts/lottery.ts';
import type { Sql } from '../db/sql.ts';
import { type EntryPerson, entryUserIds } from './entries-store.ts';
import type { DrawProof, RerollRecord, UndrawnRecord, WinnerRecord } from './fairness/index.ts';
import type { LotteryRecord } from './model.ts';
import { cancelPendingWinnerMessage, enqueue, type OutboxItem } from './outbox.ts';
import { type AnnouncedWinner, winnersText } from './render.ts';
import { languageFor, texts } from './texts.ts';

/**
 * Winner rows per INSERT: each column travels as one text parameter (unnest of arrays), so a statement has
 * a handful of bind parameters whatever its size (PostgreSQL allows 65,535 per statement).
 */
const WINNER_ROWS_PER_STATEMENT = 10_000;

/**
 * Inserts winner rows for `winners` (status active); returns winners.id by user id.
 * @throws Error when a winner has no entry in `people` (a bug upstream: winners come from the entries)
 */
export async function insertWinners(
  sql: Sql,
  lotteryId: number,
  winners: readonly WinnerRecord[],
  people: Map<number, EntryPerson>,
): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  const rows = await insertWinnerRows(sql, lotteryId, winners, people, null);
  for (const row of rows) ids.set(row.userId, row.id);
  return ids;
}

/** A winner replaced during the draw (a winning condition failed), recorded like a later reroll. */
export interface ReplacedAtDraw {
  userId: number;
  position: number;
  prizeId: number;
  reason: string;
}

/** Inserts the rows of winners replaced during the draw (status replaced, with the reason, never sent). */
export async function insertReplacedAtDraw(
  sql: Sql,
  lotteryId: number,
  replaced: readonly ReplacedAtDraw[],
  people: Map<number, EntryPerson>,
): Promise<void> {
  await insertWinnerRows(sql, lotteryId, replaced, people, replaced);
}

/**
 * Winner rows in chunks: active ones (`reasons` null), or replaced at the draw with `reasons[i]` the
 * reason of `rows[i]`. Returns each row's winners.id with its user.
 */
async function insertWinnerRows(
  sql: Sql,
  lotteryId: number,
  rows: readonly { userId: number; position: number; prizeId: number }[],
  people: Map<number, EntryPerson>,
  reasons: readonly { reason: string }[] | null,
): Promise<{ id: number; userId: number }[]> {
  const out: { id: number; userId: number }[] = [];
  for (let start = 0; start < rows.length; start += WINNER_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + WINNER_ROWS_PER_STATEMENT);
    const entryIds: number[] = [];
    const userOfEntry = new Map<number, number>();
    for (const w of chunk) {
      const person = people.get(w.userId);
      if (!person) throw new Error(`winner ${w.userId} has no entry in lottery ${lotteryId}`);
      entryIds.push(person.entryId);
      userOfEntry.set(person.entryId, w.userId);
    }
    const replaced = reasons !== null;
    const inserted = await sql.query<{ id: string; entry_id: string }>(
      `insert into winners (lottery_id, entry_id, prize_id, position, status, replaced_reason, replaced_at,
         delivery_status)
       select ?::int, r.entry_id, r.prize_id, r.position, ${replaced ? `'replaced', r.reason, now(), 'not-sent'` : `'active', null, null, 'pending'`}
         from unnest(string_to_array(?, ',')::bigint[], string_to_array(?, ',')::int[],
                     string_to_array(?, ',')::int[], ?::text[]) as r(entry_id, prize_id, position, reason)
       returning id, entry_id`,
      [
        lotteryId,
        entryIds.join(','),
        chunk.map((w) => w.prizeId).join(','),
        chunk.map((w) => w.position).join(','),
        toTextArray(
          reasons ? reasons.slice(start, start + chunk.length).map((r) => r.reason) : chunk.map(() => ''),
        ),
      ],
    );
    for (const row of inserted)
      out.push({ id: Number(row.id), userId: userOfEntry.get(Number(row.entry_id))! });
  }
  return out;
}

/** A PostgreSQL array literal of texts (`{"a","b \"c\""}`), every element quoted and escaped. */
function toTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** Marks winners replaced (by user id) with the reason. */
export async function markReplaced(
  sql: Sql,
  lotteryId: number,
  userIds: number[],
  people: Map<number, EntryPerson>,
  reason: string,
): Promise<void> {
  for (const userId of userIds) {
    const person = people.get(userId);
    if (!person) continue;
    const [row] = await sql.query<{ id: string }>(
      `update winners set status = 'replaced', replaced_reason = ?, replaced_at = now()
        where lottery_id = ? and entry_id = ? and status = 'active' returning id`,
      [reason, lotteryId, person.entryId],
    );
    if (!row) continue;
    // A replaced winner is not told they won: a message still waiting is cancelled.
    if (await cancelPendingWinnerMessage(sql, Number(row.id))) {
      await sql.query(
        `update winners set delivery_status = 'not-sent' where id = ? and delivery_status = 'pending'`,
        [row.id],
      );
    }
  }
}

/** Saves (insert or update) the proof row of a lottery. */
export async function saveProof(sql: Sql, proof: DrawProof): Promise<void> {
  await sql.query(
    `insert into draw_proofs (lottery_id, algorithm_version, commitment, seed, entries_digest, entry_count, winners,
       rerolls, prizes, undrawn)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb)
     on conflict (lottery_id) do update set winners = excluded.winners, rerolls = excluded.rerolls,
       undrawn = excluded.undrawn`,
    [
      proof.lotteryId,
      proof.algorithmVersion,
      proof.commitment,
      proof.seed,
      proof.entriesDigest,
      proof.entryCount,
      JSON.stringify(proof.winners),
      JSON.stringify(proof.rerolls),
      JSON.stringify(proof.prizes),
      JSON.stringify(proof.undrawn),
    ],
  );
}

/**
 * The full public proof of a drawn lottery, or null before the draw. The entry list comes from the
 * entries table (fixed since the draw: joining needs the lottery open), in canonical order.
 */
export async function loadProof(sql: Sql, lotteryId: number): Promise<DrawProof | null> {
  const [row] = await sql.query<{
    algorithm_version: string;
    commitment: string;
    seed: string;
    entries_digest: string;
    entry_count: number;
    winners: WinnerRecord[];
    rerolls: RerollRecord[];
    prizes: DrawProof['prizes'];
    undrawn: UndrawnRecord[];
  }>(
    `select algorithm_version, commitment, seed, entries_digest, entry_count, winners, rerolls, prizes, undrawn
       from draw_proofs where lottery_id = ?`,
    [lotteryId],
  );
  if (!row) return null;
  const userIds = (await entryUserIds(sql, lotteryId)).sort((a, b) => a - b);
  return {
    version: 1,
    lotteryId,
    algorithmVersion: row.algorithm_version,
    commitment: row.commitment.trim(),
    seed: row.seed,
    entriesDigest: row.entries_digest.trim(),
    entryCount: row.entry_count,
    userIds,
    prizes: row.prizes,
    winners: row.winners,
    undrawn: row.undrawn,
    rerolls: row.rerolls,
  };
}

/** Announcements of a finished draw: the winners post in every target and a DM to each winner. */
export async function enqueueAnnouncements(
  sql: Sql,
  lottery: LotteryRecord,
  proof: DrawProof,
  people: Map<number, EntryPerson>,
  winnerIds: Map<number, number>,
  proofUrl: string | null,
): Promise<void> {
  const prizeName = new Map(proof.prizes.map((p) => [p.prizeId, p.name]));
  const announced: AnnouncedWinner[] = proof.winners.map((w) => {
    const person = people.get(w.userId);
    return {
      userId: w.userId,
      firstName: person?.firstName ?? String(w.userId),
      lastName: person?.lastName ?? null,
      prizeName: prizeName.get(w.prizeId) ?? '',
    };
  });
  const undrawn = proof.undrawn.map((u) => ({ prizeName: prizeName.get(u.prizeId) ?? '', count: u.count }));
  const text = winnersText(lottery, announced, undrawn, proofUrl);
  const items: OutboxItem[] = lottery.publishTargets.map((chatId) => ({
    tenantId: lottery.tenantId,
    method: 'sendMessage',
    payload: { chat_id: chatId, text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    kind: 'announce',
    lotteryId: lottery.id,
    dedupeKey: `announce:${lottery.id}:${chatId}`,
  }));
  // Not items.push(...dms): spreading 200,000 arguments overflows the call stack.
  await enqueue(sql, items.concat(winnerDms(lottery, proof.winners, people, winnerIds, prizeName)));
}

/** One private message per winner (plain text: no markup to break, F14). */
export function winnerDms(
  lottery: LotteryRecord,
  winners: WinnerRecord[],
  people: Map<number, EntryPerson>,
  winnerIds: Map<number, number>,
  prizeName: Map<number, string>,
): OutboxItem[] {
  return winners.flatMap((w) => {
    const winnerId = winnerIds.get(w.userId);
    if (winnerId === undefined) return [];
    const language = languageFor(people.get(w.userId)?.languageCode, lottery.language);
    return [
      {
        tenantId: lottery.tenantId,
        method: 'sendMessage',
        payload: {
          chat_id: w.userId,
          text: texts(language).dm(lottery.title, prizeName.get(w.prizeId) ?? ''),
        },
        kind: 'winner-dm' as const,
        lotteryId: lottery.id,
        winnerId,
        dedupeKey: `dm:${winnerId}`,
      },
    ];
  });
}

/** Records that the winner's private message was delivered. */
export async function recordDelivered(sql: Sql, winnerId: number): Promise<void> {
  await sql.query(
    `update winners set delivery_status = 'delivered', delivery_error = null, delivered_at = now() where id = ?`,
    [winnerId],
  );
}

/** Records why the winner's private message could not be delivered (Telegram's answer, at most 500 characters). */
export async function recordUndelivered(
  sql: Sql,
  winnerId: number,
  status: DeliveryStatus,
  error: string,
): Promise<void> {
  await sql.query('update winners set delivery_status = ?, delivery_error = ? where id = ?', [
    status,
    error.slice(0, 500),
    winnerId,
  ]);
}

/** The lottery's winner rows of the given ids (any status), with each winner's Telegram user id. */
export async function winnersByIds(
  sql: Sql,
  lotteryId: number,
  ids: readonly number[],
): Promise<{ id: number; userId: number; status: WinnerStatus }[]> {
  const rows = await sql.query<{ id: string; tg_user_id: string; status: WinnerStatus }>(
    `select w.id, e.tg_user_id, w.status from winners w join entries e on e.id = w.entry_id
      where w.lottery_id = ? and w.id = any(string_to_array(?, ',')::bigint[])`,
    [lotteryId, ids.join(',')],
  );
  return rows.map((r) => ({ id: Number(r.id), userId: Number(r.tg_user_id), status: r.status }));
}

/**
 * What identifies a lottery's proof without reading it (one small row): its tenant, the entries digest and a
 * digest of everything a reroll can change; null before the draw.
 */
export async function proofFingerprint(
  sql: Sql,
  lotteryId: number,
): Promise<{ tenantId: number; entriesDigest: string; state: string } | null> {
  const [row] = await sql.query<{ tenant_id: number; entries_digest: string; state: string }>(
    `select l.tenant_id, d.entries_digest,
            md5(d.winners::text || d.rerolls::text || d.prizes::text || d.undrawn::text) as state
       from draw_proofs d join lotteries l on l.id = d.lottery_id where d.lottery_id = ?`,
    [lotteryId],
  );
  return row
    ? { tenantId: Number(row.tenant_id), entriesDigest: row.entries_digest.trim(), state: row.state }
    : null;
}
