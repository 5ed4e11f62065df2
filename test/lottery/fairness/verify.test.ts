import { describe, expect, it } from 'vitest';
import { commitment } from '../../../src/lottery/fairness/commitment.ts';
import { createDrawProof } from '../../../src/lottery/fairness/draw.ts';
import { reroll } from '../../../src/lottery/fairness/reroll.ts';
import { type DrawProof, drawProofSchema } from '../../../src/lottery/fairness/schema.ts';
import { CHECKS, verifyProof } from '../../../src/lottery/fairness/verify.ts';
import { vectorLotteryId, vectorPrizes, vectorSeed, vectorUserIds } from './fixtures.ts';

/** The test vector after one reroll (1057 → 1030), as it would be published. */
function publishedProof(): DrawProof {
  const drawn = createDrawProof({
    lotteryId: vectorLotteryId,
    seed: vectorSeed,
    userIds: vectorUserIds,
    prizes: vectorPrizes,
  });
  return reroll({ proof: drawn, replace: [1057], reason: 'did not answer within 48 h' });
}

function failing(proof: DrawProof): string[] {
  return verifyProof(proof)
    .checks.filter((c) => !c.ok)
    .map((c) => c.name);
}

const otherSeed = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Each tampering and the checks that must fail, exactly. A change to an input of the randomness (seed,
 * entry list, lottery id, prize slots) changes the re-run draw, so the rerolls replayed on it differ too.
 * Changing whom a reroll replaced leaves the round's replacements as they were (they do not depend on whom
 * it replaces) but puts them at another position, so only the winners differ.
 */
const tamperings: Array<[string, (p: DrawProof) => DrawProof, string[]]> = [
  [
    'one byte of the seed',
    (p) => ({ ...p, seed: `ff${p.seed.slice(2)}` }),
    [CHECKS.commitment, CHECKS.winners, CHECKS.rerolls],
  ],
  [
    'the seed and its commitment together',
    (p) => ({ ...p, seed: hex(otherSeed), commitment: commitment(otherSeed) }),
    [CHECKS.winners, CHECKS.rerolls],
  ],
  [
    'one winner',
    (p) => ({ ...p, winners: p.winners.map((w, i) => (i === 0 ? { ...w, userId: 1000 } : w)) }),
    [CHECKS.winners],
  ],
  [
    "one winner's prize",
    (p) => ({ ...p, winners: p.winners.map((w, i) => (i === 2 ? { ...w, prizeId: 1 } : w)) }),
    [CHECKS.winners],
  ],
  [
    'one user id of the entry list',
    (p) => ({ ...p, userIds: p.userIds.map((id) => (id === 1003 ? 1004 : id)) }),
    [CHECKS.entriesDigest, CHECKS.winners, CHECKS.rerolls],
  ],
  [
    'a user id duplicated in the entry list',
    (p) => ({ ...p, userIds: p.userIds.map((id) => (id === 1003 ? 1006 : id)) }),
    [CHECKS.entryList, CHECKS.entriesDigest, CHECKS.winners, CHECKS.rerolls, CHECKS.undrawn],
  ],
  ['the entry count', (p) => ({ ...p, entryCount: p.entryCount + 1 }), [CHECKS.entryCount]],
  ['the entries digest', (p) => ({ ...p, entriesDigest: '0'.repeat(64) }), [CHECKS.entriesDigest]],
  ['the prize order', (p) => ({ ...p, prizes: [...p.prizes].reverse() }), [CHECKS.winners]],
  [
    'a prize quantity',
    (p) => ({ ...p, prizes: p.prizes.map((x) => ({ ...x, quantity: x.quantity + 1 })) }),
    [CHECKS.winners, CHECKS.rerolls],
  ],
  ['the lottery id', (p) => ({ ...p, lotteryId: p.lotteryId + 1 }), [CHECKS.winners, CHECKS.rerolls]],
  [
    "a reroll's replacement",
    (p) => ({ ...p, rerolls: p.rerolls.map((r) => ({ ...r, replacements: [1003] })) }),
    [CHECKS.rerolls],
  ],
  [
    'whom a reroll replaced',
    (p) => ({ ...p, rerolls: p.rerolls.map((r) => ({ ...r, replaced: [1021] })) }),
    [CHECKS.winners],
  ],
  ['a reroll removed', (p) => ({ ...p, rerolls: [] }), [CHECKS.winners]],
  ['the undrawn slots', (p) => ({ ...p, undrawn: [{ prizeId: 2, count: 1 }] }), [CHECKS.undrawn]],
  [
    'the algorithm version',
    (p) => ({ ...p, algorithmVersion: 'tg-lottery-draw/2' }),
    [CHECKS.algorithm, CHECKS.winners, CHECKS.rerolls, CHECKS.undrawn],
  ],
];

describe('verifyProof', () => {
  it('passes every check of an untouched proof, rerolls included', () => {
    const report = verifyProof(publishedProof());
    expect(report.checks.map((c) => c.name)).toEqual(Object.values(CHECKS));
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('passes a proof that went through JSON and the schema', () => {
    const text = JSON.stringify(publishedProof());
    expect(verifyProof(drawProofSchema.parse(JSON.parse(text))).ok).toBe(true);
  });

  it.each(tamperings)('fails when %s is changed, naming the right checks', (_, tamper, expected) => {
    const report = verifyProof(tamper(publishedProof()));
    expect(report.ok).toBe(false);
    expect(failing(tamper(publishedProof()))).toEqual(expected);
  });

  it('explains a changed winner with the position and both users', () => {
    const proof = publishedProof();
    const tampered = {
      ...proof,
      winners: proof.winners.map((w, i) => (i === 0 ? { ...w, userId: 1000 } : w)),
    };
    const check = verifyProof(tampered).checks.find((c) => c.name === CHECKS.winners)!;
    expect(check.detail).toBe('position 1: proof says user 1000 (prize 1), re-run gives user 1021 (prize 1)');
  });

  it('does not cover reroll reasons: they are testimony, not randomness (docs/fairness.md)', () => {
    const proof = publishedProof();
    const edited = { ...proof, rerolls: proof.rerolls.map((r) => ({ ...r, reason: 'something else' })) };
    expect(verifyProof(edited).ok).toBe(true);
  });

  it('reports a reroll that cannot be replayed instead of throwing', () => {
    const proof = publishedProof();
    const tampered = { ...proof, rerolls: proof.rerolls.map((r) => ({ ...r, replaced: [424242] })) };
    const check = verifyProof(tampered).checks.find((c) => c.name === CHECKS.rerolls)!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/round 1 cannot be replayed: user 424242 is not a current winner/);
  });
});
