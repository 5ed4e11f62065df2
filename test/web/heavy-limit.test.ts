/**
 * The per-tenant limiter of heavy requests (src/web/heavy-limit.ts): a tenant's excess waits behind that
 * tenant, other tenants keep their slots, a full queue is refused with 429 and Retry-After.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/web/errors.ts';
import { createHeavyLimiter, type Release } from '../../src/web/heavy-limit.ts';

/** Whether `promise` has settled (after the microtasks already queued have run). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('heavy-request limiter', () => {
  it("queues a tenant's excess behind itself while another tenant is served at once", async () => {
    const limiter = createHeavyLimiter({ perTenant: 2, total: 4, queuePerTenant: 20 });
    const a1 = await limiter.acquire('a');
    const a2 = await limiter.acquire('a');
    const a3 = limiter.acquire('a');
    expect(await settled(a3)).toBe(false);
    // Tenant b is not behind a's queue.
    const b1 = await limiter.acquire('b');
    expect(limiter.stats()).toMatchObject({ running: 3, waiting: 1 });
    a1();
    expect(await settled(a3)).toBe(true);
    (await a3)();
    a2();
    b1();
    expect(limiter.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('keeps the total bound and hands freed slots to the tenants in turn', async () => {
    const limiter = createHeavyLimiter({ perTenant: 2, total: 2, queuePerTenant: 20 });
    const held = [await limiter.acquire('a'), await limiter.acquire('a')];
    const order: string[] = [];
    const noted = async (key: string) => {
      const release = await limiter.acquire(key);
      order.push(key);
      return release;
    };
    const waiting = [noted('a'), noted('a'), noted('b')];
    expect(limiter.stats()).toMatchObject({ running: 2, waiting: 3 });
    held[0]!();
    await settled(waiting[0]!);
    held[1]!();
    await settled(waiting[2]!);
    // a's first waiter, then b (round robin), not a's second waiter.
    expect(order).toEqual(['a', 'b']);
    const releases: Release[] = await Promise.all([waiting[0]!, waiting[2]!]);
    for (const release of releases) release();
    (await waiting[1]!)();
    expect(limiter.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('refuses with 429 and Retry-After once the tenant queue is full; a release is counted once', async () => {
    const limiter = createHeavyLimiter({ perTenant: 1, total: 4, queuePerTenant: 1, retryAfterS: 7 });
    const first = await limiter.acquire(1);
    const queued = limiter.acquire(1);
    const refused = await limiter.acquire(1).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ statusCode: 429, code: 'rate_limited', headers: { 'retry-after': '7' } });
    first();
    first();
    expect(limiter.stats()).toMatchObject({ running: 1, waiting: 0 });
    (await queued)();
    expect(limiter.stats().running).toBe(0);
  });

  it('run() releases the slot when the work fails', async () => {
    const limiter = createHeavyLimiter({ perTenant: 1 });
    await expect(limiter.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.stats().running).toBe(0);
  });
});
