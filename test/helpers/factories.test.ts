/**
 * The test factories store what the product would store and read back: unique defaults, tokens the
 * supervisor can decrypt, lotteries in each state with their prizes, posts and entries, bot users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantRepository } from '../../src/db/repositories/tenants.ts';
import { type Sql, sqlFromOrm } from '../../src/db/sql.ts';
import { hasStartedBot } from '../../src/lottery/bot-users-store.ts';
import { findLottery, listChats, listWinners } from '../../src/lottery/index.ts';
import { isBotTokenShaped } from '../../src/security/bot-token.ts';
import { openTestDatabase } from './db.ts';
import {
  deliverOutbox,
  makeBotConfig,
  makeBotUser,
  makeChat,
  makeEntry,
  makeLottery,
  makeOrganiser,
  makeTenant,
  person,
  tokenCipher,
  uniqueBotToken,
} from './factories/index.ts';

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let sql: Sql;
beforeAll(async () => {
  db = await openTestDatabase();
  sql = sqlFromOrm(db.orm);
});
afterAll(async () => {
  await db?.drop();
});

describe('the test factories', () => {
  it('make tenants with unique names by default, stored as a sign-up stores them', async () => {
    const [a, b] = [await makeTenant(db), await makeTenant(db)];
    expect(a.username).not.toBe(b.username);
    expect(a).toMatchObject({ role: 'organiser', disabled: false, locale: 'zh-CN' });
    const named = await makeTenant(db, { username: 'Ａlice', role: 'admin', disabled: true, locale: 'en' });
    expect(named).toMatchObject({ username: 'Alice', role: 'admin', disabled: true, locale: 'en' });
    expect(await tenantRepository.usernameConflict(sql, 'alice')).toBe('taken');
  });

  it('store a bot token encrypted, as the web saves it, and straight past the web on request', async () => {
    const { id: tenantId } = await makeTenant(db);
    const config = await makeBotConfig(db, { tenantId });
    expect(config).toMatchObject({ enabled: true, status: null });
    const [row] = await sql.query<{ token_encrypted: string; bot_id: string; config_hash: string }>(
      'select token_encrypted, bot_id::text, config_hash from bot_configs where tenant_id = ?',
      [tenantId],
    );
    const token = tokenCipher.decrypt(row!.token_encrypted);
    expect(isBotTokenShaped(token)).toBe(true);
    expect(row!.bot_id).toBe(token.slice(0, token.indexOf(':')));
    expect(config.tokenHint).toBe(token.slice(-4));
    expect(row!.config_hash).toMatch(/^[0-9a-f]{64}$/);

    const other = await makeTenant(db);
    const straight = await makeBotConfig(db, { tenantId: other.id, token: uniqueBotToken(), straight: true });
    expect(straight).toMatchObject({ botId: null, botUsername: null, tokenHint: null, configHash: null });
    const none = await makeBotConfig(db, { tenantId: (await makeTenant(db)).id, token: null });
    expect(none.botId).toBeNull();
  });

  it('make lotteries in each state, targeting a fresh admin chat unless told', async () => {
    const { tenantId } = await makeOrganiser(db);
    const draft = await makeLottery(db, { tenantId });
    expect(draft).toMatchObject({ status: 'draft', posts: [] });
    expect(await listChats(sql, tenantId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ chatId: draft.publishTargets[0], isAdmin: true })]),
    );

    const open = await makeLottery(db, { tenantId, status: 'open', entrants: [person(), person()] });
    expect(open).toMatchObject({
      status: 'open',
      posts: [{ chatId: open.publishTargets[0], messageId: null }],
    });
    expect(open.commitment).toMatch(/^[0-9a-f]{64}$/);
    const entries = await sql.query('select 1 from entries where lottery_id = ?', [open.id]);
    expect(entries).toHaveLength(2);

    const drawn = await makeLottery(db, { status: 'drawn', prizes: [{ name: 'Mug', quantity: 2 }] });
    expect(drawn.status).toBe('drawn');
    expect((await listWinners(sql, drawn.id)).filter((w) => w.status === 'active')).toHaveLength(2);

    const cancelled = await makeLottery(db, { tenantId, status: 'cancelled' });
    expect(cancelled.status).toBe('cancelled');
  });

  it('join entries and record bot users through the domain', async () => {
    const { tenantId } = await makeOrganiser(db);
    const lottery = await makeLottery(db, { tenantId, status: 'open' });
    const started = await makeBotUser(db, { tenantId });
    expect(started).toMatchObject({ blockedAt: null, languageCode: 'en' });
    expect(started.startedAt).toBeInstanceOf(Date);
    const entry = await makeEntry(db, { lotteryId: lottery.id, entrant: person(started.userId) });
    expect(entry).toMatchObject({ userId: started.userId, startedBot: true, source: 'button' });
    await expect(makeEntry(db, { lotteryId: lottery.id, entrant: person(started.userId) })).rejects.toThrow(
      /already/,
    );
    const blocked = await makeBotUser(db, { tenantId, blocked: true });
    expect(await hasStartedBot(sql, tenantId, blocked.userId)).toBe(false);
    expect((await findLottery(sql, tenantId, lottery.id))!.id).toBe(lottery.id);
  });

  it('deliver what an outbox holds as a bot would: posts get their message ids', async () => {
    const { tenantId } = await makeOrganiser(db);
    const chat = await makeChat(db, { tenantId, title: 'News' });
    const lottery = await makeLottery(db, { tenantId, status: 'open', targets: [chat.chatId] });
    expect(await deliverOutbox(db, tenantId)).toBe(1);
    expect((await findLottery(sql, tenantId, lottery.id))!.posts).toEqual([
      { chatId: chat.chatId, messageId: 1 },
    ]);
  });
});
