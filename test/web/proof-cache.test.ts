/**
 * The proof cache (src/web/proof-cache.ts) and the proof route's header rules: one build per fingerprint
 * however many ask at once, a byte-bounded LRU, If-None-Match matching, Accept-Encoding parsing.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/sql.ts';
import type { DrawProof } from '../../src/lottery/fairness/index.ts';
import { createProofCache, etagMatches } from '../../src/web/proof-cache.ts';
import { acceptsGzip } from '../../src/web/routes/lotteries.ts';

/** A proof-shaped document with `n` user ids (content does not matter to the cache). */
function proof(lotteryId: number, n: number): DrawProof {
  return {
    version: 1,
    lotteryId,
    algorithmVersion: 'tg-lottery-draw/1',
    commitment: 'a'.repeat(64),
    seed: 'b'.repeat(64),
    entriesDigest: 'c'.repeat(64),
    entryCount: n,
    userIds: Array.from({ length: n }, (_, i) => 1000 + i * 7919),
    prizes: [{ prizeId: 1, name: 'Prize', quantity: 1 }],
    winners: [],
    undrawn: [],
    rerolls: [],
  };
}

/** An Sql answering the fingerprint query with `state` per lottery. */
function fakeSql(state: Map<number, string>): Sql {
  return {
    async query<T>(_text: string, params: readonly unknown[] = []): Promise<T[]> {
      const id = Number(params[0]);
      const s = state.get(id);
      return (s === undefined ? [] : [{ tenant_id: 7, entries_digest: 'd'.repeat(64), state: s }]) as T[];
    },
    transaction: (work) => work(fakeSql(state)),
  };
}

describe('proof cache', () => {
  it('builds once for concurrent requests, serves JSON and gzip of the same document, rebuilds on change', async () => {
    const state = new Map([[1, 'v1']]);
    const cache = createProofCache(fakeSql(state));
    let builds = 0;
    const load = async () => {
      builds++;
      return proof(1, 500);
    };
    const stamp = (await cache.stamp(1))!;
    expect(stamp).toMatchObject({ tenantId: 7, etag: expect.stringMatching(/^"[A-Za-z0-9_-]{32}"$/) });
    const [a, b] = await Promise.all([cache.body(1, stamp, load), cache.body(1, stamp, load)]);
    expect(builds).toBe(1);
    expect(a).toBe(b);
    expect(JSON.parse(a!.json.toString())).toEqual(proof(1, 500));
    expect(gunzipSync(a!.gzip).equals(a!.json)).toBe(true);
    expect(a!.gzip.length).toBeLessThan(a!.json.length);
    await cache.body(1, stamp, load);
    expect(builds).toBe(1);

    state.set(1, 'v2'); // a reroll
    const next = (await cache.stamp(1))!;
    expect(next.etag).not.toBe(stamp.etag);
    await cache.body(1, next, load);
    expect(builds).toBe(2);
    expect(await cache.stamp(2)).toBeNull();
  });

  it('keeps at most its byte budget, dropping the least recently used proof', async () => {
    const state = new Map([
      [1, 'x'],
      [2, 'x'],
      [3, 'x'],
    ]);
    const one = createProofCache(fakeSql(state));
    const size = await (async () => {
      const s = (await one.stamp(1))!;
      const body = (await one.body(1, s, async () => proof(1, 300)))!;
      return body.json.length + body.gzip.length;
    })();
    const cache = createProofCache(fakeSql(state), Math.floor(size * 2.5));
    const builds: number[] = [];
    const get = async (id: number) =>
      cache.body(id, (await cache.stamp(id))!, async () => {
        builds.push(id);
        return proof(id, 300);
      });
    await get(1);
    await get(2);
    await get(1); // 1 is now the most recently used
    await get(3); // over budget: 2 goes
    await get(1);
    expect(builds).toEqual([1, 2, 3]);
    await get(2);
    expect(builds).toEqual([1, 2, 3, 2]);
  });

  it('matches If-None-Match in its plain, gzip, weak, listed and * forms', () => {
    const etag = '"abc"';
    expect(etagMatches('"abc"', etag)).toBe(true);
    expect(etagMatches('"abc-gz"', etag)).toBe(true);
    expect(etagMatches('W/"abc"', etag)).toBe(true);
    expect(etagMatches('"zzz", "abc-gz"', etag)).toBe(true);
    expect(etagMatches('*', etag)).toBe(true);
    expect(etagMatches('"abd"', etag)).toBe(false);
    expect(etagMatches(undefined, etag)).toBe(false);
  });

  it('reads Accept-Encoding, honouring q=0', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
