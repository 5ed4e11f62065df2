/**
 * The browser build of the fairness core's hashing seam (src/lottery/fairness/hash.ts): the same three
 * exports, backed by @noble/hashes instead of node:crypto, so "verify in your browser" runs the very draw
 * and verify code the server runs. vite.config.ts aliases `./hash.ts` to this file; the tests compare both.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type { Sha256 } from '../../lottery/fairness/hash.ts';

export type { Sha256 };

/** Start an incremental SHA-256 (FIPS 180-4). */
export function createSha256(): Sha256 {
  const hash = nobleSha256.create();
  const api: Sha256 = {
    update(data) {
      hash.update(data);
      return api;
    },
    digest: () => hash.digest(),
  };
  return api;
}

/** SHA-256 of `data`, 32 bytes. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** HMAC-SHA256 of `data` under `key` (RFC 2104), 32 bytes. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}
