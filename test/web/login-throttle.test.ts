import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from '../../src/web/auth/login-throttle.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('login throttle', () => {
  it('locks an account after N failures until the oldest leaves the window', () => {
    const c = clock();
    const t = createLoginThrottle({ accountFailures: 3, addressFailures: 100, windowMs: 60_000 }, c.now);
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfterMs('Alice', '1.1.1.1')).toBe(0);
      t.failed('Alice', '1.1.1.1');
      c.advance(1000);
    }
    // Case-insensitive and from any address.
    expect(t.retryAfterMs('alice', '2.2.2.2')).toBe(57_000);
    c.advance(57_000);
    expect(t.retryAfterMs('alice', '2.2.2.2')).toBe(0);
  });

  it('limits an address across accounts', () => {
    const c = clock();
    const t = createLoginThrottle({ accountFailures: 100, addressFailures: 2, windowMs: 10_000 }, c.now);
    t.failed('a', '9.9.9.9');
    t.failed('b', '9.9.9.9');
    expect(t.retryAfterMs('c', '9.9.9.9')).toBe(10_000);
    expect(t.retryAfterMs('c', '8.8.8.8')).toBe(0);
  });

  it('a success clears the account, not the address', () => {
    const c = clock();
    const t = createLoginThrottle({ accountFailures: 2, addressFailures: 3, windowMs: 10_000 }, c.now);
    t.failed('a', 'x');
    t.failed('a', 'x');
    expect(t.retryAfterMs('a', 'y')).toBeGreaterThan(0);
    t.succeeded('a');
    expect(t.retryAfterMs('a', 'y')).toBe(0);
    t.failed('b', 'x');
    expect(t.retryAfterMs('z', 'x')).toBeGreaterThan(0);
  });

  it('remembers a bounded number of keys', () => {
    const c = clock();
    const t = createLoginThrottle({ accountFailures: 1, addressFailures: 1000, maxKeys: 10 }, c.now);
    for (let i = 0; i < 50; i++) t.failed(`user${i}`, `addr${i % 3}`);
    expect(t.retryAfterMs('user0', 'elsewhere')).toBe(0); // forgotten
    expect(t.retryAfterMs('user49', 'elsewhere')).toBeGreaterThan(0);
  });
});
