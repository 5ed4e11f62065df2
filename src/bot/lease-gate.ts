/**
 * The lease gate of a bot host (docs/operations.md, "Several nodes"): until when the bots of this host may
 * poll and send, as the supervisor last said after renewing its node's leases. A host whose supervisor
 * stops renewing (frozen, cut off from the database) closes its gate by itself, before any other node may
 * take its bots over, and waits; a later extension opens it again. Times are epoch ms of this machine's
 * clock (the supervisor is on the same machine).
 */

/** Whether the bot of `fence` may poll and send now. */
export function mayWork(fence: LeaseFence): boolean {
  return !fence.lost && fence.gate.open;
}

export class LeaseGate {
  private until: number;
  private readonly waiters = new Set<() => void>();
  /** Aborted when the gate closes (its time passes without an extension); a new one per open period. */
  private closing = new AbortController();
  private closeTimer: NodeJS.Timeout | undefined;

  /** @param until open until then (epoch ms); `Infinity` = never closes (no supervisor leases) */
  constructor(until = 0) {
    this.until = until;
    this.arm();
  }

  /** Open until `until` (epoch ms); wakes whoever waits if that is in the future. */
  extend(until: number): void {
    this.until = until;
    this.arm();
    if (this.open) for (const wake of [...this.waiters]) wake();
  }

  /**
   * A signal aborted the moment the gate closes, unless an extension comes first: a long poll started
   * while it was open is cut short then, so a frozen supervisor's host hands no update to its bots after
   * its time (the next owner gets them from Telegram instead).
   */
  closesOn(): AbortSignal {
    return this.closing.signal;
  }

  private arm(): void {
    clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    if (this.closing.signal.aborted && this.open) this.closing = new AbortController();
    if (!Number.isFinite(this.until)) return;
    const ms = this.until - Date.now();
    if (ms <= 0) {
      this.closing.abort();
      return;
    }
    this.closeTimer = setTimeout(() => this.closing.abort(), Math.min(ms, 2_147_000_000));
    this.closeTimer.unref?.();
  }

  /** Whether the bots may work now. */
  get open(): boolean {
    return Date.now() < this.until;
  }

  /** Epoch ms until which it is open. */
  get validUntil(): number {
    return this.until;
  }

  /**
   * Resolves once the gate is open (at once if it is); with `signal`, resolves early when it is aborted
   * (the caller then looks at why). Never rejects.
   */
  whenOpen(signal?: AbortSignal): Promise<void> {
    if (this.open) return Promise.resolve();
    return this.nextExtension(signal);
  }

  /** Resolves at the next extension that leaves it open (or when `signal` is aborted). Never rejects. */
  nextExtension(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** What a bot's fenced work carries: its lease's epoch (the fencing number) and its host's gate. */
export interface LeaseFence {
  tenantId: number;
  epoch: number;
  gate: LeaseGate;
  /**
   * The supervisor found this lease taken over by another node: the bot works no more, even once the
   * gate opens again for its neighbours, and waits to be stopped.
   */
  lost: boolean;
  /** Aborted when the lease is found lost (cuts a long poll short, like the gate's closing). */
  lostSignal?: AbortSignal;
  /** Where polling resumes (the last owner's recorded offset), null = where Telegram has it. */
  pollOffset: number | null;
}
