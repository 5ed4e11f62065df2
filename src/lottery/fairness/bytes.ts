/**
 * Byte helpers shared by the fairness core, free of Node-only APIs (they run in a browser as they are):
 * lowercase hex, ASCII and fixed-width big-endian integers.
 */

const HEX = '0123456789abcdef';

/** Lowercase hex of `bytes` (two digits per byte). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte >> 4]! + HEX[byte & 15]!;
  return out;
}

/**
 * Bytes of a lowercase hex string of exactly `length` bytes.
 * @throws RangeError when `hex` is not `2 × length` lowercase hex digits.
 */
export function fromHex(hex: string, length: number): Uint8Array {
  if (hex.length !== length * 2 || !/^[0-9a-f]*$/.test(hex)) {
    throw new RangeError(`expected ${length * 2} lowercase hex digits (${length} bytes), got "${hex}"`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The bytes of an ASCII string (throws on other characters, which no caller should pass). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) throw new RangeError(`not ASCII: ${JSON.stringify(text)}`);
    out[i] = code;
  }
  return out;
}

/** `value` as 4 bytes, unsigned big-endian. @throws RangeError outside [0, 2^32). */
export function uint32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`not a 32-bit unsigned integer: ${value}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** `value` as 8 bytes, unsigned big-endian. @throws RangeError unless a safe integer ≥ 0 (< 2^53). */
export function uint64be(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`not a safe unsigned integer: ${value}`);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(value / 2 ** 32), false);
  view.setUint32(4, value % 2 ** 32, false);
  return out;
}

/** The concatenation of `parts`. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
