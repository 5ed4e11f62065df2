/**
 * The lease keeper (src/supervisor/leases.ts) when its node loses the database: with a shared database it
 * gives its bots up 0.8 × the lease time after its last renewal, before the leases expire (so another node
 * can start them without overlap); on the embedded database (no other node can reach it) it keeps them and
 * keeps its bot hosts working through the outage.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { sqlFromPool } from '../../src/db/sql.ts';
import { type LeaseKeeper, type OwnedLease, startLeaseKeeper } from '../../src/supervisor/leases.ts';
import { openTestDatabase, testLogger } from '../helpers/db.ts';
import { makeOrganiser, unique } from '../helpers/factories/index.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitUntil } from '../helpers/wait.ts';

const TTL_MS = 2000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function keeperBehindProxy(alone: boolean) {
  const db = await openTestDatabase();
  cleanups.push(() => db.drop());
  const { tenantId } = await makeOrganiser(db);
  const target = new URL(db.url);
  const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  cleanups.push(() => proxy.close());
  const via = new URL(db.url);
  via.hostname = '127.0.0.1';
  via.port = String(proxy.port);
  const pool = new pg.Pool({ connectionString: via.toString(), max: 2, connectionTimeoutMillis: 500 });
  pool.on('error', () => {});
  cleanups.push(() => pool.end());
  const seen = {
    owned: new Map<string, OwnedLease>() as ReadonlyMap<string, OwnedLease>,
    validUntil: 0,
    at: 0,
  };
  const keeper: LeaseKeeper = startLeaseKeeper({
    sql: sqlFromPool(pool),
    node: { nodeId: `test:${unique()}`, name: 'test', pid: process.pid },
    logger: testLogger(),
    ttlMs: TTL_MS,
    alone,
    onOwned: (owned) => {
      seen.owned = owned;
    },
    onValidUntil: (until) => {
      seen.validUntil = until;
      seen.at = Date.now();
    },
    isRunning: () => false,
  });
  cleanups.push(() => keeper.release());
  keeper.setWanted([String(tenantId)]);
  await waitUntil(() => seen.owned.has(String(tenantId)), 'the keeper to take the lease');
  return { tenantId, proxy, seen };
}

describe('the lease keeper without its database', () => {
  it('on a shared database: gives its bots up before the leases expire', async () => {
    const { proxy, seen } = await keeperBehindProxy(false);
    // Just after a renewal, so its time is known: the last `onValidUntil` came with it.
    const renewed = seen.at;
    await waitUntil(() => seen.at > renewed, 'a renewal');
    const lastRenewal = seen.at;
    const until = seen.validUntil;
    proxy.cut();
    await waitUntil(() => seen.owned.size === 0, 'the bots to be given up', 10_000, 10);
    const gaveUpAfter = Date.now() - lastRenewal;
    // The lease in the database lasts TTL_MS from the renewal (stamped after it was sent).
    expect(gaveUpAfter).toBeLessThan(TTL_MS);
    // The hosts' gate closed by itself no later than 0.9 × TTL after the renewal was sent.
    expect(until).toBeLessThanOrEqual(lastRenewal + TTL_MS);
  });

  it('on the embedded database (no other node can reach it): keeps its bots and its hosts working', async () => {
    const { tenantId, proxy, seen } = await keeperBehindProxy(true);
    const cutAt = Date.now();
    proxy.cut();
    // Past the lease time without the database, the gate is still extended and the bot still owned.
    await waitUntil(
      () => seen.validUntil > cutAt + 2 * TTL_MS,
      'the gate to be extended past the lease time',
      10_000,
    );
    expect(seen.owned.has(String(tenantId))).toBe(true);
  });
});
