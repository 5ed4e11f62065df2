/**
 * "Verify in your browser" runs src/lottery/fairness/verify.ts with hash.ts swapped for the browser's
 * @noble/hashes version, exactly as vite.config.ts aliases it. With that swap it reproduces the documented
 * test vector of docs/fairness.md and tells a genuine proof from a tampered one.
 */
import { describe, expect, it, vi } from 'vitest';
import { createDrawProof } from '../../../src/lottery/fairness/draw.ts';
import * as hash from '../../../src/lottery/fairness/hash.ts';
import { reroll } from '../../../src/lottery/fairness/reroll.ts';
import { drawProofSchema } from '../../../src/lottery/fairness/schema.ts';
import { verifyProof } from '../../../src/lottery/fairness/verify.ts';
import * as browser from '../../../src/web/ui/fairness-hash.ts';

vi.mock('../../../src/lottery/fairness/hash.ts', () => import('../../../src/web/ui/fairness-hash.ts'));

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const proof = () =>
  createDrawProof({
    lotteryId: 42,
    seed,
    userIds: Array.from({ length: 20 }, (_, i) => 1000 + i * 3),
    prizes: [
      { prizeId: 1, name: 'Gold', quantity: 1 },
      { prizeId: 2, name: 'Silver', quantity: 2 },
    ],
  });

describe('the draw verifier with the browser hash', () => {
  it('really uses the browser hash', () => {
    expect(hash.createSha256).toBe(browser.createSha256);
  });

  it('reproduces the documented test vector', () => {
    const drawn = proof();
    expect(drawn.commitment).toBe('630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd');
    expect(drawn.entriesDigest).toBe('d6f9703d207b0fa806bf223dff114ca274df085e707a2136215ba659effa5480');
    expect(drawn.winners.map((w) => w.userId)).toEqual([1021, 1057, 1039]);
    const rerolled = reroll({ proof: drawn, replace: [1057], reason: 'did not answer within 48 h' });
    expect(rerolled.rerolls).toEqual([
      { round: 1, replaced: [1057], replacements: [1030], reason: 'did not answer within 48 h' },
    ]);
  });

  it('says MATCH for a genuine proof, every check passing, after a JSON round trip', () => {
    const published = JSON.parse(JSON.stringify(reroll({ proof: proof(), replace: [1021], reason: 'gone' })));
    const report = verifyProof(drawProofSchema.parse(published));
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('names the failing checks of a tampered proof', () => {
    const tampered = { ...proof() };
    tampered.winners = tampered.winners.map((w, i) => (i === 0 ? { ...w, userId: 1000 } : w));
    tampered.seed = `${tampered.seed.slice(0, 62)}ff`;
    const failed = verifyProof(tampered)
      .checks.filter((c) => !c.ok)
      .map((c) => c.name);
    expect(failed).toEqual(['commitment', 'winners']);
  });
});
