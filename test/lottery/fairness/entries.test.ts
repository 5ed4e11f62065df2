import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalEntries, entriesDigest, MAX_USER_ID } from '../../../src/lottery/fairness/entries.ts';

/** The canonical form spelled out independently: ascending decimal ids, each followed by "\n". */
function referenceDigest(ids: number[]): string {
  const text = [...ids]
    .sort((a, b) => a - b)
    .map((id) => `${id}\n`)
    .join('');
  return createHash('sha256').update(text, 'ascii').digest('hex');
}

describe('entries digest', () => {
  it('is SHA-256 of the ascending ids, one per line (known answer)', () => {
    const ids = [3, 1, 2];
    expect(entriesDigest(ids)).toBe(createHash('sha256').update('1\n2\n3\n').digest('hex'));
  });

  it('matches an independent recomputation on digit-count and chunk boundaries', () => {
    const ids = [
      1,
      9,
      10,
      99_999_999,
      100_000_000,
      100_000_001,
      5_000_000_007,
      123_456_789_012_345,
      MAX_USER_ID,
    ];
    expect(entriesDigest(ids)).toBe(referenceDigest(ids));
    expect(entriesDigest(ids)).toBe('fcc9a664e56bbca8f6be799a09dd1eb735ef0927f38adaf7d518ed5993447d55');
    // More than one 64 KiB chunk of canonical text.
    const many = Array.from({ length: 20_000 }, (_, i) => 7_000_000_000 + i * 13);
    expect(entriesDigest(many)).toBe(referenceDigest(many));
  });

  it('of no entries is SHA-256 of the empty string', () => {
    expect(entriesDigest([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('does not depend on the order the ids are given in', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => 10 + i * 7);
    const reversed = [...ids].reverse();
    expect(entriesDigest(reversed)).toBe(entriesDigest(ids));
    expect(Array.from(canonicalEntries(reversed))).toEqual(ids);
  });

  it('rejects duplicates, naming the user', () => {
    expect(() => entriesDigest([5, 7, 5])).toThrow(/duplicate entry: user 5 /);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY])('rejects %s as a user id', (bad) => {
    expect(() => entriesDigest([1, bad])).toThrow(/entry 1: user id .* is not a Telegram user id/);
  });
});
