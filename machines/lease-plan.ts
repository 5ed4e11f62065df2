/**
 * How many bot leases a supervisor node takes or gives back in one lease round, as a pure function of
 * what it sees (docs/operations.md, "Several nodes"). Placement by load: every live node aims at its fair
 * share of the bots, `ceil(bots / live nodes)`. Hysteresis: a node gives bots back only when it holds more
 * than its share plus a slack (a tenth of the share, at least one), or — while some node is starved (holds
 * fewer than the share minus the slack, or fewer than `floor(bots / live nodes)`) — more than that floor
 * (at least one bot then, down to the share); so a node that joins or leaves moves about the bots it must,
 * not everything, and counts that differ by a little between nodes move nothing.
 * Free leases (never taken, released, or expired with a dead node) are taken up to the share; free leases
 * left over for two rounds (nodes that disagreed on how many they are) are taken up to share plus slack,
 * so no bot stays without an owner.
 */

export interface LeaseRoundView {
  /** Bots that should run (enabled configs), across all nodes. */
  bots: number;
  /** Live nodes that are not stopping, this one included unless it is stopping. */
  liveNodes: number;
  /** Of those bots, how many this node holds. */
  held: number;
  /** Of those bots, how many nobody holds now. */
  free: number;
  /** The fewest bots any live node holds (this one included). */
  fewestHeld: number;
  /** Consecutive rounds (before this one) in which free leases were left. */
  freeRounds: number;
  /** This node is shutting down: it takes nothing. */
  stopping: boolean;
}

export interface LeaseRoundPlan {
  /** The node's fair share. */
  share: number;
  /** Free leases to take now. */
  take: number;
  /** Held leases to give back (their bots are stopped first). */
  giveBack: number;
}

/** The slack over its share a node may hold before it gives bots back. */
export function leaseSlack(share: number): number {
  return Math.max(1, Math.ceil(share / 10));
}

/** The plan of one round (see the module comment). Pure; all inputs are counts ≥ 0. */
export function planLeaseRound(view: LeaseRoundView): LeaseRoundPlan {
  const nodes = Math.max(1, view.liveNodes);
  const share = Math.ceil(view.bots / nodes);
  if (view.stopping) return { share: 0, take: 0, giveBack: 0 };
  const slack = leaseSlack(share);
  const ceiling = view.freeRounds >= 2 ? share + slack : share;
  const take = Math.max(0, Math.min(view.free, ceiling - view.held));
  const floorShare = Math.floor(view.bots / nodes);
  const starved = view.fewestHeld < share - slack || view.fewestHeld < floorShare;
  const giveBack =
    view.held > share + slack
      ? view.held - share
      : starved && view.held > floorShare
        ? Math.max(1, view.held - share)
        : 0;
  return { share, take, giveBack };
}
