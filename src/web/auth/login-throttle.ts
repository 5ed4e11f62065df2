/**
 * Brute-force protection for sign-in that a stranger cannot turn against the owner. Failed attempts
 * are counted per (account, client address) and per client address, never per account alone: a
 * stranger hammering an account from their address slows down only that address, while the owner
 * signing in from theirs is not affected.
 *
 * Each count allows a few free failures, then every further failure imposes a delay that doubles
 * (1 s, 2 s, 4 s, ... up to 15 minutes by default) before that key may try again; attempts inside the
 * delay are refused (429 with `Retry-After`) without checking the password. A key is forgotten after
 * an hour without failures. A successful sign-in clears its (account, address) count but not the
 * address count (one's own account must not wash away the guesses at others').
 * OWASP Authentication Cheat Sheet, "Protect against automated attacks" and "Account lockout":
 * https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
 *
 * Password checks in flight count too: a key may have at most as many checks running at once as it has
 * free failures left (one once they are used up), so a burst of parallel guesses gets no more checks
 * than the same guesses one after the other; the surplus is refused with the first delay.
 *
 * The counts live in this process, in maps bounded by `maxKeys` each (least recently failed forgotten
 * first, expired ones swept as new failures arrive). Several web processes each count on their own.
 */

/** Limits of the throttle; every default in one place. */
export interface LoginLimits {
  /** Free failures per (account, address) before delays start, default 3. */
  pairFailures: number;
  /** Free failures per address (across accounts) before delays start, default 20 (shared NATs). */
  addressFailures: number;
  /** The first delay in milliseconds, doubled at each further failure, default 1 000. */
  baseDelayMs: number;
  /** The longest delay in milliseconds, default 15 minutes. */
  maxDelayMs: number;
  /** A key without failures for this long is forgotten (ms), default 1 hour. */
  forgetAfterMs: number;
  /** Keys remembered at most per map (oldest forgotten first), default 50 000. */
  maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  pairFailures: 3,
  addressFailures: 20,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 3600_000,
  maxKeys: 50_000,
};

/** Which count a delay comes from. */
export type ThrottleScope = 'account_address' | 'address';

/** A delay a failure has just imposed (for the audit log). */
export interface Penalty {
  scope: ThrottleScope;
  /** Failures counted for the key, this one included. */
  failures: number;
  /** Milliseconds the key must now wait. */
  delayMs: number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
}

/** Failure counts per key with growing delays, bounded in size and forgotten after a quiet time. */
class DelayTable {
  /** Insertion order = least recently failed first (an entry is re-inserted at each failure). */
  private readonly entries = new Map<string, Entry>();
  /** Password checks running now per key (removed at 0, so bounded by the requests in flight). */
  private readonly inFlight = new Map<string, number>();
  constructor(
    private readonly free: number,
    private readonly limits: LoginLimits,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.lastFailureAt >= this.limits.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The delay after `failures` failures (0 while they are free). */
  delayFor(failures: number): number {
    const over = failures - this.free;
    if (over <= 0) return 0;
    return Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over - 1, 40));
  }

  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfterMs(key: string, now: number): number {
    const entry = this.live(key, now);
    if (!entry) return 0;
    return Math.max(0, entry.lastFailureAt + this.delayFor(entry.failures) - now);
  }

  /**
   * Milliseconds until a check of `key` may start now, counting the checks in flight; 0 = it may. A
   * check refused only because others are in flight is told to wait the first delay.
   */
  admitAfterMs(key: string, now: number): number {
    const wait = this.retryAfterMs(key, now);
    if (wait > 0) return wait;
    const failures = this.live(key, now)?.failures ?? 0;
    const running = this.inFlight.get(key) ?? 0;
    return running < Math.max(1, this.free + 1 - failures) ? 0 : this.limits.baseDelayMs;
  }

  /** A check of `key` starts (+1) or ends (-1). */
  track(key: string, delta: 1 | -1): void {
    const running = (this.inFlight.get(key) ?? 0) + delta;
    if (running > 0) this.inFlight.set(key, running);
    else this.inFlight.delete(key);
  }

  /** Count a failure; resolves with the failures counted and the delay it imposes. */
  add(key: string, now: number): { failures: number; delayMs: number } {
    const failures = (this.live(key, now)?.failures ?? 0) + 1;
    this.entries.delete(key);
    this.entries.set(key, { failures, lastFailureAt: now });
    this.sweep(now);
    return { failures, delayMs: this.delayFor(failures) };
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  /** Drop expired entries from the old end, then the oldest ones beyond `maxKeys`. */
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.lastFailureAt < this.limits.forgetAfterMs) break;
      this.entries.delete(key);
    }
    while (this.entries.size > this.limits.maxKeys) {
      const [oldest] = this.entries.keys();
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

export interface LoginThrottle {
  /** Milliseconds until this account may be tried from this address again; 0 = go ahead. */
  retryAfterMs(account: string, address: string): number;
  /**
   * Start a password check: 0 when it may run now (it is then counted as in flight until
   * {@link LoginThrottle.release}), else the milliseconds to wait (nothing is reserved). Record the
   * outcome with `failed` or `succeeded` before releasing.
   */
  admit(account: string, address: string): number;
  /** End a check that {@link LoginThrottle.admit} let run (always, whatever its outcome). */
  release(account: string, address: string): void;
  /** Record a failed attempt; resolves with the delays it imposed (empty while failures are free). */
  failed(account: string, address: string): Penalty[];
  /** Record a successful sign-in (clears the failures of this account from this address). */
  succeeded(account: string, address: string): void;
  /** Keys remembered now (tests: memory stays bounded). */
  size(): { pairs: number; addresses: number };
}

/** The key of an account: NFKC, trimmed, lower case (as usernames compare). */
function accountKey(account: string): string {
  return account.normalize('NFKC').trim().toLowerCase();
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
  const pairs = new DelayTable(l.pairFailures, l);
  const addresses = new DelayTable(l.addressFailures, l);
  const pairKey = (account: string, address: string) => `${address}\n${accountKey(account)}`;
  return {
    retryAfterMs(account, address) {
      const t = now();
      return Math.max(pairs.retryAfterMs(pairKey(account, address), t), addresses.retryAfterMs(address, t));
    },
    admit(account, address) {
      const t = now();
      const key = pairKey(account, address);
      const wait = Math.max(pairs.admitAfterMs(key, t), addresses.admitAfterMs(address, t));
      if (wait > 0) return wait;
      pairs.track(key, 1);
      addresses.track(address, 1);
      return 0;
    },
    release(account, address) {
      pairs.track(pairKey(account, address), -1);
      addresses.track(address, -1);
    },
    failed(account, address) {
      const t = now();
      const penalties: Penalty[] = [];
      const pair = pairs.add(pairKey(account, address), t);
      if (pair.delayMs > 0) penalties.push({ scope: 'account_address', ...pair });
      const byAddress = addresses.add(address, t);
      if (byAddress.delayMs > 0) penalties.push({ scope: 'address', ...byAddress });
      return penalties;
    },
    succeeded(account, address) {
      pairs.clear(pairKey(account, address));
    },
    size: () => ({ pairs: pairs.size, addresses: addresses.size }),
  };
}
