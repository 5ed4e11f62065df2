/**
 * Verifying a draw proof offline: the commitment opens to the seed, the entry list hashes to the entries
 * digest, and re-running the draw and every reroll reproduces exactly the published winners, rerolls and
 * undrawn slots. Pure (no I/O); `tg-lottery verify` (src/commands/verify.ts) and the browser call it.
 */
import { fromHex, toHex } from './bytes.ts';
import { commitment } from './commitment.ts';
import { createContext, type DrawContext } from './context.ts';
import { drawWinners } from './draw.ts';
import { countSlots } from './prizes.ts';
import { applyReroll, type RerollState } from './reroll.ts';
import { ALGORITHM_VERSION, type DrawProof, type UndrawnRecord, type WinnerRecord } from './schema.ts';

/** Names of the checks, in the order they are reported. */
export const CHECKS = {
  algorithm: 'algorithm version',
  commitment: 'commitment',
  entryList: 'entry list',
  entryCount: 'entry count',
  entriesDigest: 'entries digest',
  prizes: 'prizes',
  winners: 'winners',
  rerolls: 'rerolls',
  undrawn: 'undrawn',
} as const;
export type CheckName = (typeof CHECKS)[keyof typeof CHECKS];

export interface VerifyCheck {
  name: CheckName;
  ok: boolean;
  /** One sentence for a person: what was compared and what came out. */
  detail: string;
}

export interface VerifyReport {
  /** True when every check passed: the published results are exactly what the proof produces. */
  ok: boolean;
  checks: VerifyCheck[];
}

/**
 * Checks a draw proof (already shaped by `drawProofSchema`). Never throws on bad content: every problem is
 * a failing check. Cost: one sort and one SHA-256 pass over the entry list, plus the draw itself.
 */
export function verifyProof(proof: DrawProof): VerifyReport {
  const checks: VerifyCheck[] = [];
  const add = (name: CheckName, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const seed = fromHex(proof.seed, 32);

  const knownAlgorithm = proof.algorithmVersion === ALGORITHM_VERSION;
  add(
    CHECKS.algorithm,
    knownAlgorithm,
    knownAlgorithm
      ? `${ALGORITHM_VERSION} is the algorithm this verifier implements`
      : `"${proof.algorithmVersion}" is unknown here (this verifier implements ${ALGORITHM_VERSION})`,
  );

  const opened = commitment(seed);
  add(
    CHECKS.commitment,
    opened === proof.commitment,
    opened === proof.commitment
      ? `SHA-256(seed) = ${opened}, as the proof says; check that the lottery post showed this value`
      : `SHA-256(seed) = ${short(opened)} but the commitment is ${short(proof.commitment)}: not the committed seed`,
  );

  let context: DrawContext | null = null;
  try {
    context = createContext(proof.lotteryId, seed, proof.userIds);
    add(CHECKS.entryList, true, `${proof.userIds.length} distinct Telegram user ids`);
  } catch (err) {
    add(CHECKS.entryList, false, message(err));
  }
  add(
    CHECKS.entryCount,
    proof.userIds.length === proof.entryCount,
    `the proof says ${proof.entryCount} entries and lists ${proof.userIds.length}`,
  );
  if (context) {
    const digest = toHex(context.digest);
    add(
      CHECKS.entriesDigest,
      digest === proof.entriesDigest,
      digest === proof.entriesDigest
        ? `SHA-256 of the sorted entry list = ${short(digest)}`
        : `SHA-256 of the sorted entry list = ${short(digest)} but the proof says ${short(proof.entriesDigest)}`,
    );
  } else {
    add(CHECKS.entriesDigest, false, 'not computed: the entry list is invalid');
  }

  let prizesOk = false;
  try {
    const slots = countSlots(proof.prizes);
    prizesOk = true;
    add(CHECKS.prizes, true, `${proof.prizes.length} prizes, ${slots} slots, filled in the listed order`);
  } catch (err) {
    add(CHECKS.prizes, false, message(err));
  }

  if (context && prizesOk && knownAlgorithm) {
    replay(context, proof, add);
  } else {
    const why = 'not re-run: fix the failing checks above first';
    add(CHECKS.winners, false, why);
    add(CHECKS.rerolls, false, why);
    add(CHECKS.undrawn, false, why);
  }
  return { ok: checks.every((c) => c.ok), checks };
}

/** Re-runs round 0 and every recorded reroll, then compares rerolls, winners and undrawn slots. */
function replay(
  context: DrawContext,
  proof: DrawProof,
  add: (name: CheckName, ok: boolean, detail: string) => void,
): void {
  let state: RerollState = { ...drawWinners(context, proof.prizes), rerolls: [] };
  const problems: string[] = [];
  let stoppedAt: string | null = null;
  for (const [i, recorded] of proof.rerolls.entries()) {
    if (recorded.round !== i + 1) problems.push(`reroll ${i + 1} is numbered round ${recorded.round}`);
    try {
      state = applyReroll(context, proof.prizes, state, recorded.replaced, recorded.reason);
    } catch (err) {
      stoppedAt = `round ${i + 1} cannot be replayed: ${message(err)}`;
      break;
    }
    const produced = state.rerolls[i]!;
    if (!sameList(produced.replaced, recorded.replaced)) {
      problems.push(
        `round ${i + 1} replaced [${recorded.replaced}]; in position order that is [${produced.replaced}]`,
      );
    }
    if (!sameList(produced.replacements, recorded.replacements)) {
      problems.push(
        `round ${i + 1}: the proof says [${recorded.replacements}], re-run gives [${produced.replacements}]`,
      );
    }
  }
  if (stoppedAt) problems.push(stoppedAt);
  const suffix = stoppedAt ? ' (after the rerolls that could be replayed)' : '';
  const winnerDiff = diffWinners(proof.winners, state.winners);
  add(
    CHECKS.winners,
    winnerDiff === null,
    (winnerDiff ?? `${state.winners.length} winners reproduced, each at its position with its prize`) +
      suffix,
  );
  add(
    CHECKS.rerolls,
    problems.length === 0,
    problems.length > 0
      ? problems.join('; ')
      : proof.rerolls.length === 0
        ? 'no rerolls'
        : `${proof.rerolls.length} reroll round(s) reproduced (reasons are published as given; they do not affect the randomness)`,
  );
  const undrawnDiff = diffUndrawn(proof.undrawn, state.undrawn);
  add(
    CHECKS.undrawn,
    undrawnDiff === null,
    (undrawnDiff ??
      (state.undrawn.length === 0
        ? 'every prize slot has a winner'
        : `undrawn: ${formatUndrawn(state.undrawn)}`)) + suffix,
  );
}

/** The first differences between published and re-run winners, or null when equal. */
function diffWinners(published: readonly WinnerRecord[], rerun: readonly WinnerRecord[]): string | null {
  const describe = (w: WinnerRecord | undefined) => (w ? `user ${w.userId} (prize ${w.prizeId})` : 'nobody');
  const differences: string[] = [];
  for (let i = 0; i < Math.max(published.length, rerun.length); i++) {
    const a = published[i];
    const b = rerun[i];
    if (a?.position === b?.position && a?.userId === b?.userId && a?.prizeId === b?.prizeId) continue;
    differences.push(
      `position ${a?.position ?? b?.position}: proof says ${describe(a)}, re-run gives ${describe(b)}`,
    );
  }
  if (differences.length === 0) return null;
  const more = differences.length > 3 ? ` and ${differences.length - 3} more` : '';
  return `${differences.slice(0, 3).join('; ')}${more}`;
}

function diffUndrawn(published: readonly UndrawnRecord[], rerun: readonly UndrawnRecord[]): string | null {
  const same =
    published.length === rerun.length &&
    published.every((u, i) => u.prizeId === rerun[i]?.prizeId && u.count === rerun[i]?.count);
  return same ? null : `proof says ${formatUndrawn(published)}, re-run gives ${formatUndrawn(rerun)}`;
}

function formatUndrawn(undrawn: readonly UndrawnRecord[]): string {
  return undrawn.length === 0 ? 'none' : undrawn.map((u) => `${u.count} × prize ${u.prizeId}`).join(', ');
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function short(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
