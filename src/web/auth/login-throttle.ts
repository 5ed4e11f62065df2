/**
 * Brute-force protection for sign-in: failed attempts are counted per account and per client address
 * in a sliding window; once either count reaches its limit, further attempts for that account (or from
 * that address) are refused with 429 and `Retry-After` until the oldest failure leaves the window, even
 * with the right password. A successful sign-in clears the account's count.
 *
 * The counts live in this process (bounded memory). Several web processes behind one load balancer
 * each count on their own, so the effective limit is multiplied by their number.
 */

/** Limits of the throttle; every default in one place. */
export interface LoginLimits {
  /** Failed attempts per account within the window before it is locked, default 5. */
  accountFailures: number;
  /** Failed attempts per client address within the window, default 20. */
  addressFailures: number;
  /** The sliding window in milliseconds, default 15 minutes. */
  windowMs: number;
  /** Keys remembered at most (oldest forgotten first), default 10 000. */
  maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  accountFailures: 5,
  addressFailures: 20,
  windowMs: 15 * 60_000,
  maxKeys: 10_000,
};

/** Counts failures per key in a sliding window. */
class FailureWindow {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  private recent(key: string, now: number): number[] {
    const all = this.failures.get(key);
    if (!all) return [];
    const kept = all.filter((t) => now - t < this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfterMs(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < this.limit) return 0;
    const oldest = recent[recent.length - this.limit] ?? now;
    return Math.max(1, oldest + this.windowMs - now);
  }

  add(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    // Keep only what the limit needs; re-insert so the Map's order is "least recently failed first".
    this.failures.delete(key);
    this.failures.set(key, recent.slice(-this.limit));
    while (this.failures.size > this.maxKeys) {
      const [oldestKey] = this.failures.keys();
      if (oldestKey === undefined) break;
      this.failures.delete(oldestKey);
    }
  }

  clear(key: string): void {
    this.failures.delete(key);
  }
}

export interface LoginThrottle {
  /** Milliseconds until this account from this address may try again; 0 = go ahead. */
  retryAfterMs(account: string, address: string): number;
  /** Record a failed attempt. */
  failed(account: string, address: string): void;
  /** Record a successful sign-in (clears the account's failures). */
  succeeded(account: string): void;
}

/**
 * Create a throttle.
 * @param limits over {@link DEFAULT_LOGIN_LIMITS}
 * @param now clock in epoch ms (tests)
 */
export function createLoginThrottle(
  limits: Partial<LoginLimits> = {},
  now: () => number = Date.now,
): LoginThrottle {
  const l = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  const accounts = new FailureWindow(l.accountFailures, l.windowMs, l.maxKeys);
  const addresses = new FailureWindow(l.addressFailures, l.windowMs, l.maxKeys);
  const accountKey = (account: string) => account.trim().toLowerCase();
  return {
    retryAfterMs(account, address) {
      const t = now();
      return Math.max(accounts.retryAfterMs(accountKey(account), t), addresses.retryAfterMs(address, t));
    },
    failed(account, address) {
      const t = now();
      accounts.add(accountKey(account), t);
      addresses.add(address, t);
    },
    succeeded(account) {
      accounts.clear(accountKey(account));
    },
  };
}
