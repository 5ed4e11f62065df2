import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/lottery/fairness/bytes.ts';
import { openStream, STREAM_LABEL, streamBlock } from '../../../src/lottery/fairness/stream.ts';

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const digestHex = 'd6f9703d207b0fa806bf223dff114ca274df085e707a2136215ba659effa5480';
const params = { seed, lotteryId: 42, entriesDigest: fromHex(digestHex, 32), round: 0 };

/** block(i) spelled out byte by byte, as docs/fairness.md step 4 gives it, with node:crypto directly. */
function referenceBlock(lotteryId: number, round: number, index: number): Buffer {
  const lottery = Buffer.alloc(8);
  lottery.writeBigUInt64BE(BigInt(lotteryId));
  const roundBytes = Buffer.alloc(4);
  roundBytes.writeUInt32BE(round);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(index));
  const message = Buffer.concat([
    Buffer.from('tg-lottery/draw/v1', 'ascii'),
    Buffer.from([0x00]),
    lottery,
    Buffer.from(digestHex, 'hex'),
    roundBytes,
    counter,
  ]);
  return createHmac('sha256', Buffer.from(seed)).update(message).digest();
}

describe('draw stream (HMAC-SHA256 counter mode)', () => {
  it('uses the documented label', () => {
    expect(STREAM_LABEL).toBe('tg-lottery/draw/v1');
  });

  it('matches the known-answer vector and an independent recomputation', () => {
    const known = [
      '929380a29e77dd80feea682abe22fde1841af8c15b23984889168d3b4c6297ff',
      '6ff54467f924267a7f022844790c4a3ed5007a762f6510750fad4a94fb91baae',
    ];
    for (const [index, hex] of known.entries()) {
      expect(Buffer.from(streamBlock(params, index)).toString('hex')).toBe(hex);
      expect(referenceBlock(42, 0, index).toString('hex')).toBe(hex);
    }
    expect(Buffer.from(streamBlock({ ...params, round: 1 }, 0)).toString('hex')).toBe(
      '0f3c158e22389fdb85dc28456b50971ba422126f7086316b946b25924c84ae74',
    );
    expect(referenceBlock(42, 1, 0).toString('hex')).toBe(
      '0f3c158e22389fdb85dc28456b50971ba422126f7086316b946b25924c84ae74',
    );
  });

  it('reads 53-bit words: the top 53 bits of each big-endian 8-byte group, block after block', () => {
    const stream = openStream(params);
    const expected: number[] = [];
    for (let index = 0; index < 3; index++) {
      const block = referenceBlock(42, 0, index);
      for (let at = 0; at < 32; at += 8) expected.push(Number(block.readBigUInt64BE(at) >> 11n));
    }
    const words = expected.map(() => stream.next53());
    expect(words).toEqual(expected);
    expect(stream.wordsRead).toBe(12);
    for (const word of words) expect(Number.isSafeInteger(word)).toBe(true);
  });

  it('separates lotteries, entry lists and rounds', () => {
    const first = (p: typeof params) => openStream(p).next53();
    const base = first(params);
    expect(first({ ...params, lotteryId: 43 })).not.toBe(base);
    expect(first({ ...params, round: 1 })).not.toBe(base);
    expect(first({ ...params, entriesDigest: fromHex('00'.repeat(32), 32) })).not.toBe(base);
  });

  it('rejects a seed that is not 32 bytes', () => {
    expect(() => openStream({ ...params, seed: new Uint8Array(16) })).toThrow(/32 bytes/);
  });
});
