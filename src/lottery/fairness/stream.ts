/**
 * The draw's deterministic random byte stream (a DRBG): HMAC-SHA256 in counter mode, the shape of the
 * counter-mode KDF of NIST SP 800-108r1 §4.1 with an open-ended output and a 64-bit counter.
 *
 *   info     = ASCII("tg-lottery/draw/v1") || 0x00 || uint64be(lotteryId) || entriesDigest (32 raw bytes)
 *              || uint32be(round)
 *   block(i) = HMAC-SHA256(key = seed (32 bytes), info || uint64be(i)),   i = 0, 1, 2, ...
 *   stream   = block(0) || block(1) || ...
 *
 * Round 0 is the draw; round r ≥ 1 is the r-th reroll. Numbers are read from the stream 8 bytes at a time
 * (see {@link DrawStream.next53}). Exact bytes and a test vector: docs/fairness.md, step 4.
 */
import { ascii, concatBytes, uint32be, uint64be } from './bytes.ts';
import { hmacSha256 } from './hash.ts';

/** Domain label of algorithm tg-lottery-draw/1; a new algorithm version gets a new label. */
export const STREAM_LABEL = 'tg-lottery/draw/v1';

export interface StreamParams {
  /** The lottery's secret seed, 32 bytes, revealed in the proof after the draw. */
  seed: Uint8Array;
  /** The lottery's id, a safe integer ≥ 1. */
  lotteryId: number;
  /** SHA-256 of the canonical entry list, 32 raw bytes (not hex). */
  entriesDigest: Uint8Array;
  /** 0 for the draw, r for the r-th reroll. */
  round: number;
}

/** The `info` bytes of a stream (everything HMAC'd before the block counter). */
export function streamInfo(params: StreamParams): Uint8Array {
  if (params.seed.length !== 32) throw new RangeError(`the seed must be 32 bytes, got ${params.seed.length}`);
  if (params.entriesDigest.length !== 32) throw new RangeError('the entries digest must be 32 bytes');
  return concatBytes(
    ascii(STREAM_LABEL),
    new Uint8Array([0]),
    uint64be(params.lotteryId),
    params.entriesDigest,
    uint32be(params.round),
  );
}

/** Block `index` (32 bytes) of the stream: HMAC-SHA256(seed, info || uint64be(index)). */
export function streamBlock(params: StreamParams, index: number): Uint8Array {
  return hmacSha256(params.seed, concatBytes(streamInfo(params), uint64be(index)));
}

/** A reader of one stream; each call of {@link next53} consumes the next 8 bytes. */
export interface DrawStream {
  /**
   * The next 8 bytes read as an unsigned big-endian 64-bit integer, shifted right by 11: a uniform
   * integer in [0, 2^53), exact as a JavaScript number.
   */
  next53(): number;
  /** How many 8-byte words have been read so far. */
  readonly wordsRead: number;
}

/** Opens the stream of `params` at byte 0. @throws RangeError on a malformed seed, digest, id or round. */
export function openStream(params: StreamParams): DrawStream {
  const key = params.seed;
  const message = concatBytes(streamInfo(params), new Uint8Array(8));
  const counterAt = message.length - 8;
  let block: Uint8Array = new Uint8Array(0);
  let view = new DataView(block.buffer);
  let nextBlock = 0;
  let offset = 0;
  let wordsRead = 0;
  return {
    next53() {
      if (offset === block.length) {
        message.set(uint64be(nextBlock), counterAt);
        block = hmacSha256(key, message);
        view = new DataView(block.buffer, block.byteOffset, block.byteLength);
        nextBlock++;
        offset = 0;
      }
      const high = view.getUint32(offset, false);
      const low = view.getUint32(offset + 4, false);
      offset += 8;
      wordsRead++;
      return high * 2 ** 21 + (low >>> 11);
    },
    get wordsRead() {
      return wordsRead;
    },
  };
}
