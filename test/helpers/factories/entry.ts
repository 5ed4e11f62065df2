/**
 * Entries (`entries`, one Telegram user in one lottery), made as a bot makes them: through the domain's
 * `joinLottery` (src/lottery/join.ts), membership conditions answered "member". For the tens of
 * thousands of rows a budget test needs, {@link makeEntriesInBulk} writes them in one statement.
 */
import type { Sql } from '../../../src/db/sql.ts';
import { type Entrant, joinLottery } from '../../../src/lottery/index.ts';
import type { JoinSource } from '../../../src/lottery/join.ts';
import { type FactoryDb, sqlOf } from './door.ts';
import { person } from './person.ts';

export interface EntryOverrides {
  lotteryId: number;
  /** Default: the lottery's tenant. */
  tenantId?: number;
  /** Who joins; default a fresh {@link person}. */
  entrant?: Entrant;
  /** `button` (default), `deeplink` or `keyword`. */
  source?: JoinSource;
}

export interface EntryRow {
  id: number;
  lotteryId: number;
  userId: number;
  firstName: string;
  lastName: string | null;
  username: string | null;
  languageCode: string | null;
  isBot: boolean;
  startedBot: boolean;
  source: JoinSource;
}

async function tenantOf(sql: Sql, lotteryId: number): Promise<number> {
  const [row] = await sql.query<{ tenant_id: number }>('select tenant_id from lotteries where id = ?', [
    lotteryId,
  ]);
  if (!row) throw new Error(`makeEntry: no lottery ${lotteryId}`);
  return row.tenant_id;
}

/** Join one user to an open lottery. @throws Error unless the join's outcome is `joined` */
export async function makeEntry(db: FactoryDb, overrides: EntryOverrides): Promise<EntryRow> {
  const sql = sqlOf(db);
  const entrant = overrides.entrant ?? person();
  const outcome = await joinLottery(sql, {
    tenantId: overrides.tenantId ?? (await tenantOf(sql, overrides.lotteryId)),
    lotteryId: overrides.lotteryId,
    entrant,
    source: overrides.source ?? 'button',
    checkMembership: async () => 'member',
  });
  if (outcome.kind !== 'joined')
    throw new Error(`makeEntry: the join of ${entrant.userId} → ${outcome.kind}`);
  const [row] = await sql.query<{ started_bot: boolean; source: JoinSource }>(
    'select started_bot, source from entries where id = ?',
    [outcome.entryId],
  );
  return {
    id: outcome.entryId,
    lotteryId: overrides.lotteryId,
    ...entrant,
    startedBot: row!.started_bot,
    source: row!.source,
  };
}

/** Join each entrant in turn (see {@link makeEntry}). */
export async function makeEntries(
  db: FactoryDb,
  lotteryId: number,
  entrants: readonly Entrant[],
): Promise<EntryRow[]> {
  const sql = sqlOf(db);
  const tenantId = await tenantOf(sql, lotteryId);
  const rows: EntryRow[] = [];
  for (const entrant of entrants) rows.push(await makeEntry(sql, { lotteryId, tenantId, entrant }));
  return rows;
}

export interface BulkEntryShape {
  /** Entry g (1 … count) is user `firstUserId + g * step`. */
  firstUserId: number;
  /** Default 1. */
  step?: number;
  /** First name `<firstName><g>`; default `User `. */
  firstName?: string;
  /** Last name `<prefix><g % kinds>` (so names repeat), default none. */
  lastName?: { prefix: string; kinds: number };
  /** Username `<username><g>`, default none. */
  username?: string;
  languageCode?: string;
}

/**
 * `count` entries of an open lottery in one statement, for volume (a million-entry draw, a search plan):
 * the product joins one user at a time (src/lottery/join.ts), so this writes past it; no entry count,
 * bot start or condition is looked at.
 */
export async function makeEntriesInBulk(
  db: FactoryDb,
  lotteryId: number,
  count: number,
  shape: BulkEntryShape,
): Promise<void> {
  await sqlOf(db).query(
    `insert into entries (lottery_id, tg_user_id, first_name, last_name, username, language_code)
     select ?, ?::bigint + g * ?::bigint, ? || g,
            case when ?::int is null then null else ? || (g % ?::int) end,
            case when ?::text is null then null else ? || g end, ?
       from generate_series(1, ?) g`,
    [
      lotteryId,
      shape.firstUserId,
      shape.step ?? 1,
      shape.firstName ?? 'User ',
      shape.lastName?.kinds ?? null,
      shape.lastName?.prefix ?? null,
      shape.lastName?.kinds ?? null,
      shape.username ?? null,
      shape.username ?? null,
      shape.languageCode ?? null,
      count,
    ],
  );
}
