/**
 * The Python reference verifier printed in docs/fairness.md, run against proofs made by this implementation:
 * an independent second implementation of the whole scheme, and a guard that the documentation stays right.
 * Skipped when `python3` is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrawProof } from '../../../src/lottery/fairness/draw.ts';
import { reroll } from '../../../src/lottery/fairness/reroll.ts';
import type { DrawProof } from '../../../src/lottery/fairness/schema.ts';
import { seedFrom, vectorLotteryId, vectorPrizes, vectorSeed, vectorUserIds } from './fixtures.ts';

const hasPython = spawnSync('python3', ['--version']).status === 0;

/** Proofs with rerolls, including ones that run the pool dry (null replacements). */
function proofs(): DrawProof[] {
  const out: DrawProof[] = [];
  const vector = createDrawProof({
    lotteryId: vectorLotteryId,
    seed: vectorSeed,
    userIds: vectorUserIds,
    prizes: vectorPrizes,
  });
  out.push(vector, reroll({ proof: vector, replace: [1057], reason: 'did not answer within 48 h' }));
  const prizes = [
    { prizeId: 5, name: 'A', quantity: 2 },
    { prizeId: 2, name: 'B', quantity: 3 },
  ];
  for (let t = 1; t <= 6; t++) {
    const userIds = Array.from({ length: t * 2 }, (_, i) => 9_000_000_000_000 - i * 7_777_777 * t);
    let proof = createDrawProof({ lotteryId: 100 + t, seed: seedFrom(t), userIds, prizes });
    for (let round = 0; round < 3 && proof.winners.length > 0; round++) {
      const replace = proof.winners.filter((_, i) => (i + round + t) % 2 === 0).map((w) => w.userId);
      if (replace.length > 0) proof = reroll({ proof, replace: replace.reverse(), reason: `round ${round}` });
    }
    out.push(proof);
  }
  return out;
}

describe.skipIf(!hasPython)('the Python reference verifier in docs/fairness.md', () => {
  let dir: string;
  let script: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tgl-reference-'));
    const docs = await readFile(new URL('../../../docs/fairness.md', import.meta.url), 'utf8');
    const block =
      /<!-- reference-verifier:start -->\n```python\n([\s\S]*?)```\n<!-- reference-verifier:end -->/.exec(
        docs,
      );
    if (!block?.[1]) throw new Error('docs/fairness.md: the reference verifier block is missing');
    script = join(dir, 'verify.py');
    await writeFile(script, block[1]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reproduces every proof this implementation makes, rerolls and undrawn slots included', async () => {
    const all = proofs();
    expect(all.some((p) => p.rerolls.some((r) => r.replacements.includes(null)))).toBe(true);
    for (const [i, proof] of all.entries()) {
      const file = join(dir, `proof-${i}.json`);
      await writeFile(file, JSON.stringify(proof));
      const run = spawnSync('python3', [script, file], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('MATCH');
    }
  });

  it('rejects a proof with a changed winner', async () => {
    const [proof] = proofs();
    const file = join(dir, 'tampered.json');
    const tampered = {
      ...proof!,
      winners: proof!.winners.map((w, i) => (i === 0 ? { ...w, userId: 1000 } : w)),
    };
    await writeFile(file, JSON.stringify(tampered));
    const run = spawnSync('python3', [script, file], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/AssertionError: winners/);
  });
});
