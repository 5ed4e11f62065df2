/**
 * The fixed entry list of a draw and its digest. An entry is identified by the entrant's Telegram user id,
 * a positive integer below 2^53 (Telegram: "at most 52 significant bits").
 *
 * Canonical form (docs/fairness.md, step 3): the user ids sorted ascending by value, each written in
 * decimal ASCII without sign or leading zeros and followed by one line feed (0x0a). The empty list is the
 * empty string. The entries digest is SHA-256 of that text, so `sort -n ids.txt | sha256sum` checks it.
 */

import { toHex } from './bytes.ts';
import { createSha256 } from './hash.ts';

/** The largest user id accepted: 2^53 − 1 (Number.MAX_SAFE_INTEGER). */
export const MAX_USER_ID = Number.MAX_SAFE_INTEGER;

/** Bytes the canonical form is hashed in; one line is at most 17 bytes (16 digits and a line feed). */
const CHUNK_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 17;

/**
 * The user ids sorted ascending: the canonical order every index of a draw refers to.
 * O(n log n) time, 8 bytes per entry.
 * @throws RangeError naming the first id that is not an integer in [1, 2^53 − 1], or the first duplicate
 *   (an entry is one Telegram user per lottery, so a user appearing twice is a bug upstream).
 */
export function canonicalEntries(userIds: ArrayLike<number>): Float64Array {
  const sorted = new Float64Array(userIds.length);
  for (let i = 0; i < userIds.length; i++) {
    const id = userIds[i]!;
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new RangeError(
        `entry ${i}: user id ${String(id)} is not a Telegram user id (an integer from 1 to 2^53 − 1)`,
      );
    }
    sorted[i] = id;
  }
  sorted.sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      throw new RangeError(
        `duplicate entry: user ${sorted[i]} appears more than once; entries must be unique`,
      );
    }
  }
  return sorted;
}

/**
 * SHA-256 (32 bytes) of the canonical form of an already canonical (sorted, unique, valid) list, streamed
 * in 64 KiB chunks so memory stays flat whatever the entry count.
 */
export function digestCanonical(sorted: Float64Array): Uint8Array {
  const hash = createSha256();
  const chunk = new Uint8Array(Math.min(CHUNK_BYTES, sorted.length * MAX_LINE_BYTES + 1));
  let used = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (used > chunk.length - MAX_LINE_BYTES) {
      hash.update(chunk.subarray(0, used));
      used = 0;
    }
    used = writeLine(chunk, used, sorted[i]!);
  }
  hash.update(chunk.subarray(0, used));
  return hash.digest();
}

/**
 * The entries digest of a lottery: lowercase hex SHA-256 of the canonical form of `userIds` (any order).
 * @throws RangeError as {@link canonicalEntries}.
 */
export function entriesDigest(userIds: ArrayLike<number>): string {
  return toHex(digestCanonical(canonicalEntries(userIds)));
}

/**
 * Writes `id` in decimal and a line feed at `offset`; returns the offset after it. The id is split into
 * id = high · 10^8 + low so that both halves fit 32-bit integer arithmetic (high < 2^53 / 10^8 < 2^27).
 */
function writeLine(out: Uint8Array, offset: number, id: number): number {
  let at = offset;
  if (id < 1e8) {
    at = writeInt(out, at, id);
  } else {
    const high = Math.floor(id / 1e8);
    at = writeInt(out, at, high);
    let low = id - high * 1e8;
    for (let i = at + 7; i >= at; i--) {
      const quotient = (low / 10) | 0;
      out[i] = 48 + low - quotient * 10;
      low = quotient;
    }
    at += 8;
  }
  out[at] = 10;
  return at + 1;
}

/** Writes `value` (an integer in [0, 2^31)) in decimal without leading zeros; returns the next offset. */
function writeInt(out: Uint8Array, offset: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  let rest = value;
  for (let i = offset + digits - 1; i >= offset; i--) {
    const quotient = (rest / 10) | 0;
    out[i] = 48 + rest - quotient * 10;
    rest = quotient;
  }
  return offset + digits;
}
