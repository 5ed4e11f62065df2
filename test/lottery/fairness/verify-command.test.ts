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
});
