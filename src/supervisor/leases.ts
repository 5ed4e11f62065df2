/**
 * The lease keeper: which tenants' bots this supervisor node runs when several nodes share one database
 * (docs/operations.md, "Several nodes"). A bot runs where its lease is (src/db/repositories/leases.ts);
 * the keeper renews the node's leases every `renewMs`, takes free ones and gives some back as
 * machines/lease-plan.ts says, and tells the runtime which tenants it owns (`onOwned`). One node alone
 * works the same way: it simply owns every bot.
 *
 * Timing (all lease times are the database's clock; the deadlines below are measured on this machine
 * from the moment a renewal was sent, which is before the database stamped it, so they are earlier):
 * - the database's lease ends `ttlMs` after a renewal;
 * - the bot hosts may work until 0.9 × ttlMs after it (`onValidUntil`): a host whose supervisor is frozen
 *   (SIGSTOP) stops polling and sending by itself before another node may take its bots;
 * - when renewals fail (the database unreachable from this node) the node gives up every lease 0.8 ×
 *   ttlMs after the last renewal that worked (a timer, not the next retry), so its bots stop before
 *   another node can start them — unless no other node can ever reach this database (`alone`: the
 *   embedded server, on loopback in this node's data directory): then its bots keep running through the
 *   outage as they always did (they answer "try again" to what needs the database). With a shared
 *   database a node cannot tell a cut from a crash of the others, so it stops: a node started during
 *   the outage would otherwise run the same bots.
 * A renewal that comes back without some leases (another node took them after they expired) drops them
 * at once. A lease is given back only once its bot has stopped here (`isRunning`), never before.
 */
import { type LeaseRoundView, planLeaseRound } from '../../machines/lease-plan.ts';
import { type HeldLease, leaseRepository } from '../db/repositories/leases.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';

/** A lease this node owns: the fencing number its bot's work carries, and where its polling resumes. */
export interface OwnedLease {
  epoch: number;
  pollOffset: number | null;
}

export interface LeaseKeeperOptions {
  sql: Pick<Sql, 'query'>;
  node: { nodeId: string; name: string; pid: number };
  logger: Logger;
  /** Lease time (ms), default 9000. */
  ttlMs?: number;
  /** Time between two lease rounds (ms), default ttlMs / 3. */
  renewMs?: number;
  /** The tenants this node owns changed (tenant id → lease). Only tenants that are wanted. */
  onOwned(owned: ReadonlyMap<string, OwnedLease>): void;
  /**
   * Until when (epoch ms, this machine's clock) the bots of this node may poll and send; `lost`: tenants
   * whose lease another node took over, whose bots must not work again even if they still run here.
   */
  onValidUntil(until: number, lost: readonly string[]): void;
  /** Whether the tenant's bot still runs on this node (a lease is given back only once it does not). */
  isRunning(tenantId: string): boolean;
  /** No other node can reach this database (the embedded server): keep the bots through an outage. */
  alone?: boolean;
}

export interface LeaseKeeperView {
  nodeId: string;
  name: string;
  liveNodes: number;
  /** Epoch ms until which this node's bots may work (0 before the first renewal). */
  validUntil: number;
  leases: Array<{ tenantId: string; epoch: number; givingBack: boolean }>;
}

export interface LeaseKeeper {
  /** The tenants whose bots should run (from the config snapshot); a round follows. */
  setWanted(tenantIds: readonly string[]): void;
  /** Another node joined, stopped or released leases: run a round now. */
  wake(): void;
  /** The tenants owned now. */
  readonly owned: ReadonlyMap<string, OwnedLease>;
  view(): LeaseKeeperView;
  /** Shutting down: tell the others, take nothing more (leases are still renewed until `release`). */
  beginStop(): Promise<void>;
  /** The bots have stopped: give every lease back and leave. Idempotent. */
  release(): Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 9000;

/** Reject after `ms` (the renewal must not wait for a frozen database past its deadline). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Start keeping leases; the first round runs at once. */
export function startLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { sql, node, logger } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewMs = options.renewMs ?? Math.floor(ttlMs / 3);
  /** Every lease held, wanted or not, given back or not. */
  const held = new Map<string, OwnedLease>();
  /** Held leases whose bots are being stopped so the lease can go to another node. */
  const givingBack = new Set<string>();
  let wanted = new Set<string>();
  let liveNodes = 1;
  let fewestHeld = 0;
  let validUntil = 0;
  /** Local time after which a node that cannot renew gives everything up. */
  let deadline = 0;
  let failing = false;
  let freeRounds = 0;
  let stopping = false;
  let closed = false;
  let announced = false;
  let timer: NodeJS.Timeout | undefined;
  /** Fires at `deadline` unless a renewal comes first: this node's leases lapse. */
  let lapseTimer: NodeJS.Timeout | undefined;
  /** Since when (local ms) free leases have been left over, or 0. */
  let freeSince = 0;
  /**
   * Bots given up when the leases lapsed: their hosts are told they are lost with the next renewal, so
   * the gate that reopens then does not let them work again before their stop arrives.
   */
  const lapsed = new Set<string>();
  /** Leases this node gave back lately (tenant → local ms): it does not take them back at once. */
  const gaveBack = new Map<string, number>();
  let running: Promise<void> | undefined;
  let again = false;
  let lastOwnedKey = '';
  let owned: ReadonlyMap<string, OwnedLease> = new Map();

  const heldList = (): HeldLease[] =>
    [...held].map(([tenantId, l]) => ({ tenantId: Number(tenantId), epoch: l.epoch }));

  const emit = () => {
    const next = new Map<string, OwnedLease>();
    for (const [tenantId, lease] of held) {
      if (wanted.has(tenantId) && !givingBack.has(tenantId)) next.set(tenantId, lease);
    }
    const key = [...next].map(([t, l]) => `${t}:${l.epoch}`).join(',');
    owned = next;
    if (key === lastOwnedKey) return;
    lastOwnedKey = key;
    options.onOwned(next);
  };

  const lapse = () => {
    if (options.alone || held.size === 0) return;
    logger.warn(
      { event: 'leases-lapsed', bots: held.size },
      `the bot leases lapsed (no renewal for ${Math.round((ttlMs * 0.8) / 1000)} s): stopping this node's ${held.size} bots so another node can run them`,
    );
    for (const t of held.keys()) lapsed.add(t);
    held.clear();
    givingBack.clear();
    emit();
  };

  const schedule = (ms: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(kick, ms);
  };

  async function round(): Promise<void> {
    const sentAt = Date.now();
    let kept: HeldLease[];
    try {
      const result = await within(
        leaseRepository.renew(sql, node, heldList(), ttlMs),
        Math.max(500, Math.floor(ttlMs / 2)),
        'renewing the leases',
      );
      kept = result.kept;
      liveNodes = result.liveNodes;
      fewestHeld = result.fewestHeld;
    } catch (err) {
      if (!failing) {
        failing = true;
        logger.error(
          { err, event: 'leases-unrenewed' },
          options.alone
            ? 'cannot renew the bot leases (the database does not answer); no other node can reach this database, so its bots keep running'
            : `cannot renew the bot leases (the database does not answer); this node's bots stop in ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s unless it answers`,
        );
      }
      if (options.alone && !stopping) {
        validUntil = Date.now() + Math.floor(ttlMs * 0.9);
        options.onValidUntil(validUntil, []);
      } else if (Date.now() >= deadline) {
        lapse();
      }
      schedule(Math.min(renewMs, 1000));
      return;
    }
    if (failing) {
      failing = false;
      logger.info({ event: 'leases-renewed' }, 'the database answers again; bot leases renewed');
    }
    deadline = sentAt + Math.floor(ttlMs * 0.8);
    validUntil = sentAt + Math.floor(ttlMs * 0.9);
    clearTimeout(lapseTimer);
    lapseTimer = setTimeout(lapse, Math.max(0, deadline - Date.now()));
    const keptIds = new Set(kept.map((l) => String(l.tenantId)));
    const lost = [...held.keys()].filter((t) => !keptIds.has(t));
    // The lost bots are told first, in the same message that opens the gate for the others.
    options.onValidUntil(validUntil, [...lost, ...[...lapsed].filter((t) => !held.has(t))]);
    lapsed.clear();
    if (!announced) {
      announced = true;
      await leaseRepository.announce(sql, node.nodeId).catch(() => undefined);
    }
    if (lost.length > 0) {
      logger.warn(
        { event: 'leases-lost', tenants: lost },
        `${lost.length} bot lease(s) were taken over by another node while this one could not renew them; those bots stop here`,
      );
      for (const t of lost) {
        held.delete(t);
        givingBack.delete(t);
      }
    }

    // Give back what is no longer wanted here, once its bot has stopped.
    const toRelease = [...held.keys()].filter(
      (t) => (!wanted.has(t) || givingBack.has(t) || stopping) && !options.isRunning(t),
    );
    if (toRelease.length > 0 && !stopping) {
      const leases = toRelease.map((t) => ({ tenantId: Number(t), epoch: held.get(t)!.epoch }));
      await leaseRepository.release(sql, node.nodeId, leases);
      logger.debug(
        { event: 'leases-released', tenants: toRelease },
        `gave back ${toRelease.length} bot lease(s)`,
      );
      const now = Date.now();
      for (const t of toRelease) {
        held.delete(t);
        givingBack.delete(t);
        gaveBack.set(t, now);
      }
    }

    if (!stopping) {
      const wantedIds = [...wanted];
      const heldWanted = wantedIds.filter((t) => held.has(t) && !givingBack.has(t));
      const now = Date.now();
      for (const [t, at] of gaveBack) if (now - at > 2 * renewMs) gaveBack.delete(t);
      const notHeld = wantedIds.filter((t) => !held.has(t)).map(Number);
      const allFree = await leaseRepository.freeOf(sql, notHeld);
      // What this node just gave back is for the others first: taken back only if nobody wants it.
      const free = allFree.filter((t) => !gaveBack.has(String(t)));
      if (allFree.length === 0) freeSince = 0;
      else if (freeSince === 0) freeSince = now;
      // Left-over free leases count in renewal periods, not rounds (rounds run faster during handovers).
      freeRounds = freeSince === 0 ? 0 : Math.floor((now - freeSince) / renewMs);
      const view: LeaseRoundView = {
        bots: wantedIds.length,
        liveNodes,
        held: heldWanted.length,
        free: free.length,
        fewestHeld: Math.min(fewestHeld, heldWanted.length),
        freeRounds,
        stopping,
      };
      const plan = planLeaseRound(view);
      if (plan.giveBack > 0) {
        const chosen = shuffled(heldWanted).slice(0, plan.giveBack);
        for (const t of chosen) givingBack.add(t);
        logger.info(
          { event: 'leases-rebalance', bots: chosen.length, share: plan.share, nodes: liveNodes },
          `handing ${chosen.length} bots to other nodes (${liveNodes} nodes: about ${plan.share} bots each)`,
        );
      }
      let taken = 0;
      if (plan.take > 0) {
        const acquired = await leaseRepository.acquire(
          sql,
          node.nodeId,
          shuffled(free).slice(0, plan.take),
          ttlMs,
        );
        for (const l of acquired) held.set(String(l.tenantId), { epoch: l.epoch, pollOffset: l.pollOffset });
        taken = acquired.length;
      }
      if (free.length - taken <= 0 && allFree.length - taken <= 0) freeSince = 0;
    }
    emit();
    // Soon again while bots are on their way out (their leases go back once they have stopped), or while
    // leases are left free (another node may be about to take them; if not, this one will).
    const leaving = [...held.keys()].some((t) => givingBack.has(t) || !wanted.has(t));
    schedule(leaving ? Math.min(renewMs, 250) : freeSince > 0 ? Math.min(renewMs, 1000) : renewMs);
  }

  function kick(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((err: unknown) => {
        logger.warn({ err }, 'a bot lease round failed; it is tried again');
        schedule(Math.min(renewMs, 1000));
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  kick();

  return {
    setWanted(tenantIds) {
      wanted = new Set(tenantIds);
      emit();
      kick();
    },
    wake: kick,
    get owned() {
      return owned;
    },
    view: () => ({
      nodeId: node.nodeId,
      name: node.name,
      liveNodes,
      validUntil,
      leases: [...held].map(([tenantId, l]) => ({
        tenantId,
        epoch: l.epoch,
        givingBack: givingBack.has(tenantId),
      })),
    }),
    async beginStop() {
      stopping = true;
      await within(leaseRepository.markStopping(sql, node.nodeId), 2000, 'marking the node stopping').catch(
        (err: unknown) => logger.debug({ err }, 'could not mark this node stopping'),
      );
    },
    async release() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      clearTimeout(lapseTimer);
      await running?.catch(() => undefined);
      try {
        await within(leaseRepository.release(sql, node.nodeId, heldList()), 3000, 'releasing the leases');
        await within(leaseRepository.leave(sql, node.nodeId), 2000, 'leaving');
      } catch (err) {
        logger.warn({ err }, 'could not give the bot leases back; other nodes take them when they expire');
      }
      held.clear();
    },
  };
}
