/**
 * The 200,000-winner draw: 1,000,000 entries, 20 prizes × 10,000 (the most a lottery may have), a
 * membership condition that some winners fail (so condition rerolls run at that size too). The draw must
 * not hit a call-stack limit (spreads of 200,000 arguments) or PostgreSQL's 65,535 bind parameters per
 * statement, and its proof must verify. No timing is asserted: speed is bench/lottery.ts's business.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import { drawNow, loadProof } from '../../src/lottery/index.ts';
import { makeEntriesInBulk, makeLottery, makeOrganiser } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from './helpers.ts';

const ENTRIES = 1_000_000;
const PRIZES = 20;
const PER_PRIZE = 10_000;
const WINNERS = PRIZES * PER_PRIZE;
/** User ids are 5,000,000,000 + 7g for g = 1 … ENTRIES. */
const userOf = (g: number) => 5_000_000_000 + 7 * g;
/** Every 97th entrant has left the channel by the draw. */
const hasLeft = (userId: number) => ((userId - 5_000_000_000) / 7) % 97 === 0;

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('the 200,000-winner draw', () => {
  it('draws 200,000 distinct winners from 1,000,000 entries, queues every message, and its proof verifies', async () => {
    const { tenantId } = await makeOrganiser(world.sql, { chats: [{ chatId: -9200, title: 'Big channel' }] });
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const lottery = await makeLottery(world.sql, {
      tenantId,
      status: 'open',
      title: 'Huge giveaway',
      prizes: Array.from({ length: PRIZES }, (_, i) => ({ name: `Prize ${i + 1}`, quantity: PER_PRIZE })),
      joinConditions: [{ kind: 'member', chatId: -9200 }],
      targets: [-9200],
    });
    await makeEntriesInBulk(world.sql, lottery.id, ENTRIES, {
      firstUserId: 5_000_000_000,
      step: 7,
      firstName: 'U',
      languageCode: 'en',
    });

    let checks = 0;
    const { proof } = await drawNow(
      {
        ...deps,
        membershipFor: async () => async (_chatId, userId) => {
          checks++;
          return hasLeft(userId) ? 'not-member' : 'member';
        },
      },
      tenantId,
      lottery.id,
    );

    expect(proof.entryCount).toBe(ENTRIES);
    expect(proof.winners).toHaveLength(WINNERS);
    const users = new Set(proof.winners.map((w) => w.userId));
    expect(users.size).toBe(WINNERS);
    expect([...users].every((u) => !hasLeft(u))).toBe(true);
    const replaced = proof.rerolls.reduce((n, r) => n + r.replaced.length, 0);
    expect(replaced).toBeGreaterThan(0);
    expect(checks).toBe(WINNERS + replaced);
    const entrants = new Set(Array.from({ length: ENTRIES }, (_, i) => userOf(i + 1)));
    expect([...users].every((u) => entrants.has(u))).toBe(true);

    const [rows] = await world.sql.query<{ active: string; distinct_entries: string; replaced: string }>(
      `select count(*) filter (where w.status = 'active') as active,
              count(distinct w.entry_id) filter (where w.status = 'active') as distinct_entries,
              count(*) filter (where w.status = 'replaced') as replaced
         from winners w join entries e on e.id = w.entry_id and e.lottery_id = w.lottery_id
        where w.lottery_id = ?`,
      [lottery.id],
    );
    expect(Number(rows!.active)).toBe(WINNERS);
    expect(Number(rows!.distinct_entries)).toBe(WINNERS);
    expect(Number(rows!.replaced)).toBe(replaced);

    const queued = await world.sql.query<{ kind: string; n: string }>(
      'select kind, count(*) as n from outbox_messages where lottery_id = ? group by kind',
      [lottery.id],
    );
    const count = (kind: string) => Number(queued.find((q) => q.kind === kind)?.n ?? 0);
    expect(count('winner-dm')).toBe(WINNERS);
    expect(count('announce')).toBe(1);

    const stored = (await loadProof(world.sql, lottery.id))!;
    expect(stored.winners).toEqual(proof.winners);
    const report = verifyProof(stored);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 600_000);
});
