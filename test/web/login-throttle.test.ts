import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from '../../src/web/auth/login-throttle.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('login throttle', () => {
  it('lets the free failures through, then doubles the delay at each further failure up to the cap', () => {
    const c = clock();
    const t = createLoginThrottle(
      { pairFailures: 2, addressFailures: 1000, baseDelayMs: 1000, maxDelayMs: 8000 },
      c.now,
    );
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      expect(t.retryAfterMs('Alice', '1.1.1.1')).toBe(0);
      t.failed('Alice', '1.1.1.1');
      const wait = t.retryAfterMs('alice', '1.1.1.1'); // case-insensitive
      delays.push(wait);
      c.advance(wait);
    }
    expect(delays).toEqual([0, 0, 1000, 2000, 4000, 8000, 8000]);
  });

  it('counts checks in flight: a burst gets no more password checks than the free failures allow', () => {
    const c = clock();
    const t = createLoginThrottle({ pairFailures: 3, addressFailures: 1000, baseDelayMs: 1000 }, c.now);
    // Ten guesses arrive at once: as many run as one after the other would (the 3 free and the 4th).
    const admitted = Array.from({ length: 10 }, () => t.admit('alice', '1.1.1.1'));
    expect(admitted.filter((w) => w === 0)).toHaveLength(4);
    expect(admitted.filter((w) => w === 1000)).toHaveLength(6);
    // They all fail: the delay now applies, and nothing else may start.
    for (let i = 0; i < 4; i++) {
      t.failed('alice', '1.1.1.1');
      t.release('alice', '1.1.1.1');
    }
    expect(t.admit('alice', '1.1.1.1')).toBe(1000);
    // After the delay, one check at a time.
    c.advance(1000);
    expect(t.admit('alice', '1.1.1.1')).toBe(0);
    expect(t.admit('alice', '1.1.1.1')).toBe(1000);
    t.release('alice', '1.1.1.1');
    // Another address is not affected by any of it.
    expect(t.admit('alice', '2.2.2.2')).toBe(0);
  });

  it('never delays the same account from another address', () => {
    const c = clock();
    const t = createLoginThrottle({ pairFailures: 1, addressFailures: 1000 }, c.now);
    for (let i = 0; i < 20; i++) {
      t.failed('owner', '6.6.6.6');
      c.advance(t.retryAfterMs('owner', '6.6.6.6'));
    }
    t.failed('owner', '6.6.6.6');
    expect(t.retryAfterMs('owner', '6.6.6.6')).toBeGreaterThan(0);
    expect(t.retryAfterMs('owner', '1.2.3.4')).toBe(0);
  });

  it('delays an address failing across accounts, not other addresses', () => {
    const c = clock();
    const t = createLoginThrottle({ pairFailures: 100, addressFailures: 2, baseDelayMs: 500 }, c.now);
    t.failed('a', '9.9.9.9');
    t.failed('b', '9.9.9.9');
    expect(t.retryAfterMs('c', '9.9.9.9')).toBe(0);
    const penalties = t.failed('c', '9.9.9.9');
    expect(penalties).toEqual([{ scope: 'address', failures: 3, delayMs: 500 }]);
    expect(t.retryAfterMs('d', '9.9.9.9')).toBe(500);
    expect(t.retryAfterMs('d', '8.8.8.8')).toBe(0);
  });

  it('reports the delays a failure imposes, per scope', () => {
    const c = clock();
    const t = createLoginThrottle({ pairFailures: 1, addressFailures: 1, baseDelayMs: 1000 }, c.now);
    expect(t.failed('a', 'x')).toEqual([]);
    expect(t.failed('a', 'x')).toEqual([
      { scope: 'account_address', failures: 2, delayMs: 1000 },
      { scope: 'address', failures: 2, delayMs: 1000 },
    ]);
  });

  it('a success clears the account at that address, not the address count', () => {
    const c = clock();
    const t = createLoginThrottle({ pairFailures: 1, addressFailures: 2, baseDelayMs: 1000 }, c.now);
    t.failed('a', 'x');
    t.failed('a', 'x');
    expect(t.retryAfterMs('a', 'x')).toBe(1000);
    c.advance(1000);
    t.succeeded('a', 'x');
    expect(t.retryAfterMs('a', 'x')).toBe(0);
    t.failed('b', 'x'); // the address's third failure
    expect(t.retryAfterMs('z', 'x')).toBe(1000);
  });

  it('forgets a key after the quiet time', () => {
    const c = clock();
    const t = createLoginThrottle({ pairFailures: 1, addressFailures: 1000, forgetAfterMs: 60_000 }, c.now);
    t.failed('a', 'x');
    t.failed('a', 'x');
    t.failed('a', 'x');
    c.advance(60_000);
    t.failed('a', 'x'); // counted as the first again
    expect(t.retryAfterMs('a', 'x')).toBe(0);
  });

  it('remembers a bounded number of keys, sweeping expired ones as failures arrive', () => {
    const c = clock();
    const t = createLoginThrottle(
      { pairFailures: 0, addressFailures: 1000, maxKeys: 10, forgetAfterMs: 60_000 },
      c.now,
    );
    for (let i = 0; i < 50; i++) t.failed(`user${i}`, `addr${i % 3}`);
    expect(t.size()).toEqual({ pairs: 10, addresses: 3 });
    expect(t.retryAfterMs('user0', 'addr0')).toBe(0); // forgotten
    expect(t.retryAfterMs('user49', 'addr1')).toBeGreaterThan(0);
    c.advance(60_000);
    t.failed('late', 'addr9');
    expect(t.size()).toEqual({ pairs: 1, addresses: 1 });
  });

  it('stays bounded under many addresses', () => {
    const c = clock();
    const t = createLoginThrottle({ maxKeys: 1000 }, c.now);
    for (let i = 0; i < 20_000; i++) {
      t.failed('victim', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      c.advance(1);
    }
    expect(t.size().pairs).toBeLessThanOrEqual(1000);
    expect(t.size().addresses).toBeLessThanOrEqual(1000);
    expect(t.retryAfterMs('victim', '192.168.0.1')).toBe(0);
  });
});
