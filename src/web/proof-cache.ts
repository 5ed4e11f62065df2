/**
 * The public draw proof, built once and served many times. A proof of a 1,000,000-entry lottery is about
 * 10 MB of JSON (its user id list) and takes a second to read and serialise, so:
 *
 * - each request first reads a fingerprint of the proof (one row of `draw_proofs`, no entry read): the
 *   entries digest (which commits to the fixed entry list) and an md5 of the winners, rerolls, prizes
 *   and undrawn slots, which change on a reroll. Its SHA-256 is the strong ETag, so `If-None-Match`
 *   answers 304 without building anything;
 * - the document is built once per fingerprint (concurrent requests share one build) and kept as JSON
 *   and gzip bytes in a small LRU cache ({@link DEFAULT_PROOF_CACHE_BYTES}, 64 MiB), so later requests
 *   send bytes without touching the database again; a rerolled proof gets a new fingerprint and is
 *   rebuilt;
 * - clients that accept gzip get the gzip bytes, others the JSON (1,000,000 random user ids: 10.9 MB of
 *   JSON, 4.0 MB gzipped; the gzip runs once per build, off the event loop).
 * The document itself is unchanged (docs/fairness.md): the panel's verifier and `tg-lottery verify` read
 * the whole proof as before.
 */

import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Sql } from '../db/sql.ts';
import type { DrawProof } from '../lottery/fairness/index.ts';
import { proofFingerprint } from '../lottery/winners-store.ts';

const gzip = promisify(gzipCallback);

/** Bytes of proofs kept in memory, JSON and gzip together. */
export const DEFAULT_PROOF_CACHE_BYTES = 64 * 1024 * 1024;

/** The fingerprint of a stored proof: whose lottery it is and its ETag. */
export interface ProofStamp {
  tenantId: number;
  /** A strong ETag, quoted (`"3f…"`); the gzip representation's ETag is this with `-gz` before the quote. */
  etag: string;
}

/** A built proof. */
export interface ProofBody {
  etag: string;
  json: Buffer;
  gzip: Buffer;
}

export interface ProofCache {
  /** The fingerprint of lottery `id`'s proof, or null before the draw (one small query). */
  stamp(id: number): Promise<ProofStamp | null>;
  /** The proof's bytes for `stamp`, from the cache or built by `load` (which may return null: gone). */
  body(id: number, stamp: ProofStamp, load: () => Promise<DrawProof | null>): Promise<ProofBody | null>;
}

/** Whether an `If-None-Match` header names `etag` (or its gzip variant, or `*`). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.slice(1, -1);
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag || tag === `"${bare}-gz"`;
  });
}

/** A proof cache over `sql`, keeping at most `maxBytes` bytes. */
export function createProofCache(sql: Sql, maxBytes = DEFAULT_PROOF_CACHE_BYTES): ProofCache {
  /** By lottery id; Map order is the LRU order (oldest first). */
  const cache = new Map<number, ProofBody>();
  const building = new Map<string, Promise<ProofBody | null>>();
  let bytes = 0;

  const remember = (id: number, body: ProofBody) => {
    const old = cache.get(id);
    if (old) {
      bytes -= old.json.length + old.gzip.length;
      cache.delete(id);
    }
    const size = body.json.length + body.gzip.length;
    if (size > maxBytes) return;
    cache.set(id, body);
    bytes += size;
    for (const [oldest, entry] of cache) {
      if (bytes <= maxBytes) break;
      cache.delete(oldest);
      bytes -= entry.json.length + entry.gzip.length;
    }
  };

  return {
    async stamp(id) {
      const row = await proofFingerprint(sql, id);
      if (!row) return null;
      const hash = createHash('sha256')
        .update(`tg-lottery-proof/1|${id}|${row.entriesDigest}|${row.state}`)
        .digest('base64url')
        .slice(0, 32);
      return { tenantId: row.tenantId, etag: `"${hash}"` };
    },

    async body(id, stamp, load) {
      const hit = cache.get(id);
      if (hit && hit.etag === stamp.etag) {
        cache.delete(id);
        cache.set(id, hit); // most recently used
        return hit;
      }
      const key = `${id}|${stamp.etag}`;
      let pending = building.get(key);
      if (!pending) {
        pending = (async () => {
          const proof = await load();
          if (!proof) return null;
          const json = Buffer.from(JSON.stringify(proof));
          const body = { etag: stamp.etag, json, gzip: await gzip(json) };
          remember(id, body);
          return body;
        })().finally(() => building.delete(key));
        building.set(key, pending);
      }
      return pending;
    },
  };
}
