import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VerifyIo, verifyCommand } from '../../../src/commands/verify.ts';
import { createDrawProof } from '../../../src/lottery/fairness/draw.ts';
import { reroll } from '../../../src/lottery/fairness/reroll.ts';
import { vectorLotteryId, vectorPrizes, vectorSeed, vectorUserIds } from './fixtures.ts';

function capture(stdinText = ''): VerifyIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    stdin: Readable.from([Buffer.from(stdinText)]),
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('tg-lottery verify <proof.json>', () => {
  let dir: string;
  const proof = reroll({
    proof: createDrawProof({
      lotteryId: vectorLotteryId,
      seed: vectorSeed,
      userIds: vectorUserIds,
      prizes: vectorPrizes,
    }),
    replace: [1057],
    reason: 'did not answer within 48 h',
  });
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tgl-verify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 and prints MATCH for an untouched proof', async () => {
    const io = capture();
    expect(await verifyCommand(await write('ok.json', JSON.stringify(proof, null, 2)), io)).toBe(0);
    expect(io.stdout()).toContain(
      '✓ commitment: SHA-256(seed) = 630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd, as the proof says',
    );
    expect(io.stdout()).toContain('reroll 1: 1057 → 1030; reason: "did not answer within 48 h"');
    expect(io.stdout().trimEnd().split('\n').at(-1)).toBe(
      'MATCH: the published winners are exactly what this proof produces',
    );
    expect(io.stderr()).toBe('');
  });

  it('exits 1 and prints MISMATCH naming the failed check for a tampered proof', async () => {
    const tampered = {
      ...proof,
      winners: proof.winners.map((w, i) => (i === 0 ? { ...w, userId: 1000 } : w)),
    };
    const io = capture();
    expect(await verifyCommand(await write('tampered.json', JSON.stringify(tampered)), io)).toBe(1);
    expect(io.stdout()).toContain(
      '✗ winners: position 1: proof says user 1000 (prize 1), re-run gives user 1021',
    );
    expect(io.stdout()).toMatch(/\nMISMATCH: winners failed; /);
  });

  it('reads the proof from standard input with -', async () => {
    const io = capture(JSON.stringify(proof));
    expect(await verifyCommand('-', io)).toBe(0);
    expect(io.stdout()).toContain('MATCH:');
  });

  it('exits 2 with one line for a file that is not JSON', async () => {
    const io = capture();
    expect(await verifyCommand(await write('bad.json', '{"version": 1,'), io)).toBe(2);
    expect(io.stderr()).toMatch(/^tg-lottery verify: .*bad\.json is not valid JSON \(.+\)\n$/);
    expect(io.stdout()).toBe('');
  });

  it('exits 2 with one line naming the fields of a document that is not a draw proof', async () => {
    const io = capture();
    const wrong = { ...proof, seed: 'xyz', winners: [{ position: 0, userId: 1, prizeId: 1 }] };
    expect(await verifyCommand(await write('wrong.json', JSON.stringify(wrong)), io)).toBe(2);
    const text = io.stderr();
    expect(text.split('\n')).toHaveLength(2); // one line and its line feed
    expect(text).toMatch(/is not a draw proof: seed: expected 64 lowercase hex digits/);
    expect(text).toMatch(/winners\.0\.position: /);
  });

  it('exits 2 when the file cannot be read', async () => {
    const io = capture();
    expect(await verifyCommand(join(dir, 'missing.json'), io)).toBe(2);
    expect(io.stderr()).toMatch(/^tg-lottery verify: cannot read .*missing\.json: ENOENT/);
  });

  it('verifies a 200,000-winner proof over 1,000,000 entries with 20,000 rerolled, from its file', async () => {
    const userIds = Array.from({ length: 1_000_000 }, (_, i) => 5_000_000_000 + 7 * (i + 1));
    const prizes = Array.from({ length: 20 }, (_, i) => ({
      prizeId: i + 1,
      name: `P${i + 1}`,
      quantity: 10_000,
    }));
    const drawn = createDrawProof({ lotteryId: 7, seed: vectorSeed, userIds, prizes });
    const replace = drawn.winners.filter((_, i) => i % 10 === 0).map((w) => w.userId);
    const big = reroll({ proof: drawn, replace, reason: 'not a member of Big at the draw' });
    const io = capture();
    expect(await verifyCommand(await write('big.json', JSON.stringify(big)), io)).toBe(0);
    expect(io.stdout()).toContain('1000000 entries · 200000 winners · 1 reroll round(s)');
    expect(io.stdout()).toContain('… and 199980 more');
    expect(io.stdout()).toContain('MATCH: the published winners are exactly what this proof produces');
  }, 120_000);
});
