/**
 * The bot role (BOT_DATABASE_URL, or the embedded server's tg_lottery_bot) can do everything a bot process
 * does — the src/lottery functions src/bot calls and the statements of src/bot itself — and is refused
 * what bots never need: accounts, sessions, tokens, seeds, proofs, other writes, and any new table.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBotGrants } from '../../src/db/database.ts';
import { leaseRepository } from '../../src/db/repositories/leases.ts';
import { type Sql, sqlFromOrm, sqlFromPool } from '../../src/db/sql.ts';
import { hasStartedBot, recordBlocked } from '../../src/lottery/bot-users-store.ts';
import { chatNames, flagChat } from '../../src/lottery/chats-store.ts';
import { applyFailed, applySent } from '../../src/lottery/effects.ts';
import { refreshEntryCounts } from '../../src/lottery/entries-store.ts';
import { joinLottery, recordStarted } from '../../src/lottery/join.ts';
import {
  claim,
  complete,
  enqueue,
  fail,
  nextDue,
  pauseAll,
  recoverInterrupted,
  retryLater,
  unclaim,
} from '../../src/lottery/outbox.ts';
import { botUsername } from '../../src/lottery/posts.ts';
import { findLottery, loadJoinLottery } from '../../src/lottery/store.ts';
import { openTestDatabase } from '../helpers/db.ts';
import {
  deliverOutbox,
  type LotteryOverrides,
  type LotteryState,
  makeLottery,
  makeOrganiser,
  person,
} from '../helpers/factories/index.ts';

const entrant = (userId: number) => person(userId, { firstName: `user ${userId}`, username: null });
const member = async () => 'member' as const;

describe('the bot role', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let owner: Sql;
  let pool: pg.Pool;
  let bot: Sql;
  let tenantId: number;
  let uncapped: number;
  let capped: number;
  let postId: number;
  let winnerId: number;

  beforeAll(async () => {
    db = await openTestDatabase();
    owner = sqlFromOrm(db.orm);
    expect(new URL(db.botUrl).username).not.toBe(new URL(db.url).username);
    pool = new pg.Pool({ connectionString: db.botUrl, max: 2 });
    bot = sqlFromPool(pool);
    ({ tenantId } = await makeOrganiser(owner, {
      username: 'grants',
      bot: { botUsername: 'grants_bot' },
      chats: [{ chatId: -100, title: 'News' }],
    }));
    const lottery = async (drawTrigger: LotteryOverrides['drawTrigger'], status: LotteryState = 'open') =>
      (await makeLottery(owner, { tenantId, status, targets: [-100], title: 't', drawTrigger })).id;
    uncapped = await lottery({ kind: 'manual' });
    capped = await lottery({ kind: 'entries', count: 5 });
    const drawn = await lottery({ kind: 'manual' }, 'drawn');
    const [post] = await owner.query<{ id: number }>('select id from lottery_posts where lottery_id = ?', [
      uncapped,
    ]);
    postId = post!.id;
    const [winner] = await owner.query<{ id: number }>('select id from winners where lottery_id = ?', [
      drawn,
    ]);
    winnerId = Number(winner!.id);
    // What publishing and the draw queued went out (as the bot sends it), so the outbox starts empty.
    await deliverOutbox(owner, tenantId);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('connects as a role that is no superuser', async () => {
    const [me] = await bot.query<{ super: boolean }>(
      'select rolsuper as super from pg_roles where rolname = current_user',
    );
    expect(me?.super).toBe(false);
  });

  it('joins (uncapped and capped), records starts and blocks, flags chats and refreshes counts', async () => {
    const open = await loadJoinLottery(bot, tenantId, uncapped);
    expect(open?.status).toBe('open');
    const joined = await joinLottery(bot, {
      tenantId,
      lotteryId: uncapped,
      entrant: entrant(1),
      source: 'button',
      checkMembership: member,
    });
    expect(joined.kind).toBe('joined');
    const again = await joinLottery(bot, {
      tenantId,
      lotteryId: uncapped,
      entrant: entrant(1),
      source: 'button',
      checkMembership: member,
    });
    expect(again.kind).toBe('already');
    const counted = await joinLottery(bot, {
      tenantId,
      lotteryId: capped,
      entrant: entrant(2),
      source: 'keyword',
      checkMembership: member,
    });
    expect(counted).toMatchObject({ kind: 'joined', entryCount: 1 });
    await recordStarted(bot, tenantId, 1, 'en');
    expect(await hasStartedBot(bot, tenantId, 1)).toBe(true);
    await recordBlocked(bot, tenantId, 1);
    expect(await hasStartedBot(bot, tenantId, 1)).toBe(false);
    await flagChat(bot, tenantId, -100, 'a membership check could not be made');
    expect(await refreshEntryCounts(bot, tenantId)).toBe(1);
    expect((await findLottery(bot, tenantId, uncapped))?.entryCount).toBe(1);
    expect(await chatNames(bot, tenantId)).toEqual(new Map([[-100, 'News']]));
    expect(await botUsername(bot, tenantId)).toBe('grants_bot');
  });

  it('runs the outbox: enqueue, claim, send outcomes, retries, pauses', async () => {
    const base = { tenantId, method: 'sendMessage', payload: { chat_id: -100, text: 'x' } };
    expect(
      await enqueue(bot, [
        { ...base, kind: 'post', refId: postId, lotteryId: uncapped, dedupeKey: 'grants:post' },
        { ...base, kind: 'count-edit', refId: postId, meta: { entryCount: 3 } },
        { ...base, kind: 'winner-dm', winnerId, payload: { chat_id: 999, text: 'won' } },
        { ...base, kind: 'join-result' },
      ]),
    ).toBe(4);
    await recoverInterrupted(bot, tenantId);
    const rows = await claim(bot, tenantId, 10);
    expect(rows).toHaveLength(4);
    const [post, edit, dm, other] = rows;
    await complete(bot, post!.id, { message_id: 77 });
    await applySent(bot, post!, { message_id: 77 });
    await complete(bot, edit!.id, { ok: true });
    await applySent(bot, edit!, { ok: true });
    await fail(bot, dm!.id, 403, 'Forbidden: bot was blocked by the user');
    await applyFailed(bot, dm!, 403, 'Forbidden: bot was blocked by the user');
    await applySent(bot, dm!, null);
    await retryLater(bot, other!.id, 1000, 429, 'Too Many Requests');
    await pauseAll(bot, tenantId, 1000);
    expect(await nextDue(bot, tenantId)).toBeInstanceOf(Date);
    await unclaim(bot, [other!.id]);
    const [shown] = await owner.query<{ message_id: string; shown_entry_count: number }>(
      'select message_id, shown_entry_count from lottery_posts where id = ?',
      [postId],
    );
    expect(shown).toEqual({ message_id: '77', shown_entry_count: 3 });
  });

  it('works under its lease: fenced claims and records, the polling offset; never takes a lease itself', async () => {
    const [lease] = await leaseRepository.acquire(owner, 'grants-node', [tenantId], 60_000);
    await enqueue(bot, [
      {
        tenantId,
        method: 'sendMessage',
        payload: { chat_id: 5, text: 'fenced' },
        kind: 'join-result',
        dedupeKey: 'grants:fenced',
      },
    ]);
    const rows = await claim(bot, tenantId, 10, lease!.epoch);
    expect(rows.map((r) => r.payload.text)).toContain('fenced');
    for (const row of rows) expect(await complete(bot, row.id, { ok: true }, lease!.epoch)).toBe(true);
    expect(await leaseRepository.isCurrent(bot, lease!)).toBe(true);
    expect(await leaseRepository.recordPollOffset(bot, lease!, 12)).toBe(true);
    await expect(leaseRepository.acquire(bot, 'a-bot', [tenantId], 60_000)).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      leaseRepository.renew(bot, { nodeId: 'a-bot', name: 'x', pid: 1 }, [], 1000),
    ).rejects.toThrow(/permission denied/);
  });

  it("writes the chats it is in (the bot's my_chat_member upsert)", async () => {
    // The statement of src/bot/handlers.ts.
    await bot.query(
      `insert into chats (tenant_id, chat_id, type, title, username, bot_status, rights)
       values (?, ?, ?, ?, ?, ?, ?::jsonb)
       on conflict (tenant_id, chat_id) do update set type = excluded.type, title = excluded.title,
         username = excluded.username, bot_status = excluded.bot_status, rights = excluded.rights,
         check_failed_at = null, check_error = null, updated_at = now()`,
      [tenantId, -100, 'channel', 'News', null, 'administrator', '{}'],
    );
    await bot.query(
      `select id from lotteries where tenant_id = ? and status = 'open' and join_keyword = ?
         and publish_targets @> ?::jsonb order by id desc limit 1`,
      [tenantId, 'go', '[-100]'],
    );
  });

  it.each([
    ['accounts', 'select username, password_hash from tenants'],
    ['sessions', 'select * from sessions'],
    ['invites', 'select * from invites'],
    ['the audit log', 'select * from audit_events'],
    ['bot status', 'select * from bot_status'],
    ['proofs', 'select * from draw_proofs'],
    ['bot tokens', 'select token_encrypted from bot_configs'],
    ['the whole bot config', 'select * from bot_configs'],
    ["a lottery's seed", 'select seed_encrypted from lotteries'],
    ["who won (beyond the winner's id)", 'select entry_id from winners'],
    ['changing a lottery', "update lotteries set status = 'cancelled'"],
    ['deleting entries', 'delete from entries'],
    [
      'inserting winners',
      'insert into winners (lottery_id, entry_id, prize_id, position) values (1, 1, 1, 1)',
    ],
    ['changing a bot config', 'update bot_configs set enabled = false'],
    ['creating a table', 'create table intruder (x int)'],
  ])('is refused %s', async (_what, statement) => {
    await expect(bot.query(statement)).rejects.toMatchObject({ code: '42501' });
  });

  it('is refused a table added later, even after the grants are applied again', async () => {
    await owner.query('create table later_feature (id int primary key, secret text)');
    await applyBotGrants(db.orm, new URL(db.botUrl).username);
    await expect(bot.query('select * from later_feature')).rejects.toMatchObject({ code: '42501' });
    // And what it had is still there.
    await expect(bot.query('select count(*) from entries')).resolves.toHaveLength(1);
  });
});
