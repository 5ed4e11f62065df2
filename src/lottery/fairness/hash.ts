/**
 * The hashing seam of the fairness core: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), synchronous.
 * This is the only file of the draw, reroll and verify code that imports a Node-only module. A browser
 * build (the admin panel's "verify in your browser") aliases this file to one with the same three exports
 * backed by `@noble/hashes` (`sha256.create()`, `hmac(sha256, key, data)`); WebCrypto is not a drop-in
 * because its digests are asynchronous and not incremental.
 */
import { createHash, createHmac } from 'node:crypto';

/** An incremental SHA-256: feed bytes with `update`, read the 32-byte digest once with `digest`. */
export interface Sha256 {
  update(data: Uint8Array): Sha256;
  digest(): Uint8Array;
}

/** Start an incremental SHA-256 (FIPS 180-4). */
export function createSha256(): Sha256 {
  const hash = createHash('sha256');
  const api: Sha256 = {
    update(data) {
      hash.update(data);
      return api;
    },
    digest: () => new Uint8Array(hash.digest()),
  };
  return api;
}

/** SHA-256 of `data`, 32 bytes. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** HMAC-SHA256 of `data` under `key` (RFC 2104), 32 bytes. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}
