import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, uint64be } from '../../../src/lottery/fairness/bytes.ts';
import { commitment } from '../../../src/lottery/fairness/commitment.ts';
import { generateSeed } from '../../../src/lottery/fairness/seed.ts';
import { vectorSeed } from './fixtures.ts';

describe('seed and commitment', () => {
  it('generates 32 fresh random bytes per call', () => {
    const a = generateSeed();
    const b = generateSeed();
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });

  it('commits with SHA-256 of the raw seed bytes (known answer, recomputed with node:crypto)', () => {
    expect(commitment(vectorSeed)).toBe('630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd');
    const seed = generateSeed();
    expect(commitment(seed)).toBe(createHash('sha256').update(seed).digest('hex'));
    // Not the hash of the hex text:
    expect(commitment(seed)).not.toBe(createHash('sha256').update(seed.toString('hex')).digest('hex'));
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => commitment(new Uint8Array(16))).toThrow(/32 bytes, got 16/);
  });
});

describe('byte helpers', () => {
  it('round-trips lowercase hex and rejects anything else', () => {
    const bytes = generateSeed();
    expect(toHex(bytes)).toBe(bytes.toString('hex'));
    expect(fromHex(toHex(bytes), 32)).toEqual(new Uint8Array(bytes));
    expect(() => fromHex('AB'.repeat(32), 32)).toThrow(RangeError);
    expect(() => fromHex('ab', 32)).toThrow(RangeError);
  });

  it('writes 64-bit big-endian integers up to 2^53 − 1', () => {
    const expected = Buffer.alloc(8);
    expected.writeBigUInt64BE(BigInt(Number.MAX_SAFE_INTEGER));
    expect(Buffer.from(uint64be(Number.MAX_SAFE_INTEGER))).toEqual(expected);
    expect(() => uint64be(2 ** 53)).toThrow(RangeError);
  });
});
