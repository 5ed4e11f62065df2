/**
 * The lottery's lifecycle over a real database, without Telegram: create → publish (seed, commitment,
 * queued posts) → joins (idempotent, conditions, cap) → draw exactly once → proof verifies → reroll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import {
  cancelLottery,
  createLottery,
  deleteLottery,
  drawIfOpen,
  drawNow,
  editLottery,
  joinLottery,
  LotteryError,
  listWinners,
  loadProof,
  publishLottery,
  rerollWinners,
} from '../../src/lottery/index.ts';
import { makeOrganiser, person } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from './helpers.ts';

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

const member = async () => 'member' as const;
const input = (extra: Record<string, unknown> = {}) => ({
  title: 'Year-end <b>giveaway</b>',
  prizes: [
    { name: 'AirPods', quantity: 2 },
    { name: 'Sticker', quantity: 1 },
  ],
  drawTrigger: { kind: 'manual' },
  publishTargets: [-1001],
  ...extra,
});

describe('lottery lifecycle', () => {
  it('creates a draft, publishes it with a commitment and queues one post per target', async () => {
    const tenantId = (
      await makeOrganiser(world.sql, { chats: [{ chatId: -1001 }, { chatId: -1002, type: 'supergroup' }] })
    ).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const draft = await createLottery(deps, tenantId, input({ publishTargets: [-1001, -1002] }));
    expect(draft.status).toBe('draft');
    expect(draft.prizes.map((p) => p.quantity)).toEqual([2, 1]);
    const open = await publishLottery(deps, tenantId, draft.id);
    expect(open.status).toBe('open');
    expect(open.commitment).toMatch(/^[0-9a-f]{64}$/);
    const rows = await world.sql.query<{ kind: string; payload: { chat_id: number; text: string } }>(
      'select kind, payload from outbox_messages where tenant_id = ? order by id',
      [tenantId],
    );
    expect(rows.map((r) => [r.kind, r.payload.chat_id])).toEqual([
      ['post', -1001],
      ['post', -1002],
    ]);
    expect(rows[0]!.payload.text).toContain('Year-end &lt;b&gt;giveaway&lt;/b&gt;');
    await expect(publishLottery(deps, tenantId, draft.id)).rejects.toMatchObject({
      code: 'lottery_not_draft',
    });
  });

  it('refuses targets where the bot is not an administrator', async () => {
    const tenantId = (
      await makeOrganiser(world.sql, { chats: [{ chatId: -2001 }, { chatId: -2002, botStatus: 'member' }] })
    ).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    await expect(createLottery(deps, tenantId, input({ publishTargets: [-2002] }))).rejects.toMatchObject({
      code: 'chat_not_admin',
    });
    await expect(
      createLottery(
        deps,
        tenantId,
        input({ publishTargets: [-2001], joinConditions: [{ kind: 'member', chatId: -2003 }] }),
      ),
    ).rejects.toBeInstanceOf(LotteryError);
  });

  it('joins once per user, checks conditions, and draws exactly once with a proof that verifies', async () => {
    const tenantId = (await makeOrganiser(world.sql, { chats: [{ chatId: -3001 }] })).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const lottery = await createLottery(
      deps,
      tenantId,
      input({ publishTargets: [-3001], joinConditions: [{ kind: 'has-username' }] }),
    );
    await publishLottery(deps, tenantId, lottery.id);
    const join = (userId: number, extra = {}) =>
      joinLottery(world.botSql, {
        tenantId,
        lotteryId: lottery.id,
        entrant: person(userId, extra),
        source: 'button',
        checkMembership: member,
      });
    expect((await join(1)).kind).toBe('joined');
    expect((await join(1)).kind).toBe('already');
    expect((await join(2, { username: null })).kind).toBe('has-username');
    const many = await Promise.all([3, 4, 5, 6, 7, 7, 7].map((u) => join(u)));
    expect(many.filter((o) => o.kind === 'joined')).toHaveLength(5);
    expect(many.filter((o) => o.kind === 'already')).toHaveLength(2);

    const drawDeps = { sql: world.sql, seedCipher: world.seedCipher };
    const [a, b] = await Promise.all([
      drawIfOpen(drawDeps, lottery.id, { tenantId: null, wait: false }),
      drawNow(drawDeps, tenantId, lottery.id).catch((err: unknown) => err),
    ]);
    const drew = [a, b].filter((o) => typeof o === 'object' && o !== null && 'proof' in o);
    expect(drew).toHaveLength(1);
    const refused = [a, b].filter((o) => o === null || o instanceof LotteryError);
    expect(refused).toHaveLength(1);
    expect((await join(8)).kind).toBe('closed');

    const proof = (await loadProof(world.sql, lottery.id))!;
    expect(proof.entryCount).toBe(6);
    expect(proof.winners).toHaveLength(3);
    expect(verifyProof(proof).ok).toBe(true);
    const winners = await listWinners(world.sql, lottery.id);
    expect(winners.filter((w) => w.status === 'active')).toHaveLength(3);
    const dms = await world.sql.query('select 1 from outbox_messages where lottery_id = ? and kind = ?', [
      lottery.id,
      'winner-dm',
    ]);
    expect(dms).toHaveLength(3);

    const replaced = winners[0]!;
    await rerollWinners(world.sql, tenantId, lottery.id, {
      winnerIds: [replaced.id],
      reason: 'did not answer',
    });
    const after = await listWinners(world.sql, lottery.id);
    expect(after.find((w) => w.id === replaced.id)?.status).toBe('replaced');
    expect(after.filter((w) => w.status === 'active')).toHaveLength(3);
    const proof2 = (await loadProof(world.sql, lottery.id))!;
    expect(proof2.rerolls).toHaveLength(1);
    expect(verifyProof(proof2).ok).toBe(true);
    await expect(
      rerollWinners(world.sql, tenantId, lottery.id, { winnerIds: [replaced.id], reason: 'again' }),
    ).rejects.toMatchObject({ code: 'winner_not_active' });
  });

  it('stops taking entries at the N-th entry of an entry-count trigger', async () => {
    const tenantId = (await makeOrganiser(world.sql, { chats: [{ chatId: -4001 }] })).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const lottery = await createLottery(
      deps,
      tenantId,
      input({ publishTargets: [-4001], drawTrigger: { kind: 'entries', count: 3 } }),
    );
    await publishLottery(deps, tenantId, lottery.id);
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((u) =>
        joinLottery(world.botSql, {
          tenantId,
          lotteryId: lottery.id,
          entrant: person(u),
          source: 'button',
          checkMembership: member,
        }),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'joined')).toHaveLength(3);
    expect(outcomes.filter((o) => o.kind === 'full')).toHaveLength(2);
  });

  it('lets an open lottery only get easier or later, and records each change', async () => {
    const tenantId = (await makeOrganiser(world.sql, { chats: [{ chatId: -5001 }] })).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const lottery = await createLottery(
      deps,
      tenantId,
      input({ publishTargets: [-5001], drawTrigger: { kind: 'time', at } }),
    );
    const open = await publishLottery(deps, tenantId, lottery.id);
    await expect(editLottery(deps, tenantId, open.id, { title: 'Other' })).rejects.toMatchObject({
      code: 'lottery_change_not_allowed',
    });
    const earlier = new Date(Date.now() + 60_000).toISOString();
    await expect(
      editLottery(deps, tenantId, open.id, { drawTrigger: { kind: 'time', at: earlier } }),
    ).rejects.toMatchObject({ code: 'lottery_change_not_allowed' });
    const prizes = open.prizes.map((p) => ({ id: p.id, name: p.name, quantity: p.quantity + 1 }));
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const edited = await editLottery(deps, tenantId, open.id, {
      prizes,
      drawTrigger: { kind: 'time', at: later },
    });
    expect(edited.changes.map((c) => c.field)).toEqual(['prizes', 'draw']);
    const edits = await world.sql.query('select 1 from outbox_messages where lottery_id = ? and kind = ?', [
      open.id,
      'post-edit',
    ]);
    expect(edits).toHaveLength(1);
    const cancelled = await cancelLottery(deps, tenantId, open.id);
    expect(cancelled.status).toBe('cancelled');
  });

  it('deletes drafts and cancelled lotteries only, and says so plainly', async () => {
    const tenantId = (await makeOrganiser(world.sql, { chats: [{ chatId: -6001 }] })).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const draft = await createLottery(deps, tenantId, input({ publishTargets: [-6001] }));
    const open = await publishLottery(
      deps,
      tenantId,
      (await createLottery(deps, tenantId, input({ publishTargets: [-6001] }))).id,
    );
    await expect(deleteLottery(deps, tenantId, open.id)).rejects.toThrow(/cancel it first/);
    await cancelLottery(deps, tenantId, open.id);
    await expect(cancelLottery(deps, tenantId, open.id)).rejects.toThrow(
      'This lottery is already cancelled.',
    );
    await deleteLottery(deps, tenantId, open.id);
    await deleteLottery(deps, tenantId, draft.id);
    expect(await world.sql.query('select 1 from lotteries where tenant_id = ?', [tenantId])).toHaveLength(0);
  });

  it('refuses an entry-count trigger below the number of winners', async () => {
    const tenantId = (await makeOrganiser(world.sql, { chats: [{ chatId: -7001 }] })).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    await expect(
      createLottery(
        deps,
        tenantId,
        input({ publishTargets: [-7001], drawTrigger: { kind: 'entries', count: 2 } }),
      ),
    ).rejects.toMatchObject({
      code: 'invalid_lottery',
      message: expect.stringContaining('3 entries or more'),
      path: ['drawTrigger', 'count'], // the field, as data: the web names it draw_trigger.count
    });
  });

  it('a winner replaced before their message went out is not told they won', async () => {
    const tenantId = (await makeOrganiser(world.sql, { chats: [{ chatId: -8001 }] })).tenantId;
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const lottery = await createLottery(deps, tenantId, input({ publishTargets: [-8001] }));
    await publishLottery(deps, tenantId, lottery.id);
    for (const userId of [1, 2, 3, 4, 5, 6]) {
      await joinLottery(world.botSql, {
        tenantId,
        lotteryId: lottery.id,
        entrant: person(userId),
        source: 'button',
        checkMembership: member,
      });
    }
    await drawNow(deps, tenantId, lottery.id);
    const [first] = await listWinners(world.sql, lottery.id);
    await rerollWinners(world.sql, tenantId, lottery.id, { winnerIds: [first!.id], reason: 'unreachable' });
    const after = await listWinners(world.sql, lottery.id);
    expect(after.find((w) => w.id === first!.id)?.delivery.status).toBe('not-sent');
    const dm = await world.sql.query<{ status: string }>(
      'select status from outbox_messages where winner_id = ?',
      [first!.id],
    );
    expect(dm.map((r) => r.status)).toEqual(['cancelled']);
  });
});
