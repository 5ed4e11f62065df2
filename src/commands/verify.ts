/**
 * `tg-lottery verify <proof.json>`: re-runs a published draw offline and says whether its winners are
 * exactly what the proof produces. `-` reads the proof from standard input.
 * Exit codes: 0 match, 1 mismatch (the failing checks are listed), 2 the file cannot be read, is not
 * JSON, or is not shaped like a draw proof (one line says where).
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { type DrawProof, drawProofSchema } from '../lottery/fairness/schema.ts';
import { type VerifyReport, verifyProof } from '../lottery/fairness/verify.ts';

/** Where the command reads and writes; tests pass their own. */
export interface VerifyIo {
  stdin: Readable;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's own streams; a function so that `process.stdin` is only touched when used. */
function processIo(): VerifyIo {
  return {
    stdin: process.stdin,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** Winners listed in the report; the rest are counted. */
const LISTED_WINNERS = 20;

/**
 * Verifies the draw proof in `file` (a path, or `-` for standard input) and prints a report.
 * @returns the exit code: 0 match, 1 mismatch, 2 unreadable or not a draw proof
 */
export async function verifyCommand(file: string, io: VerifyIo = processIo()): Promise<number> {
  const name = file === '-' ? 'standard input' : file;
  let text: string;
  try {
    text = file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');
  } catch (err) {
    io.err(`tg-lottery verify: cannot read ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    io.err(
      `tg-lottery verify: ${name} is not valid JSON (${err instanceof Error ? err.message : String(err)})\n`,
    );
    return 2;
  }
  const parsed = drawProofSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${path}: ${issue.message}`;
    });
    const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
    io.err(`tg-lottery verify: ${name} is not a draw proof: ${issues.join('; ')}${more}\n`);
    return 2;
  }
  const report = verifyProof(parsed.data);
  io.out(formatReport(parsed.data, report));
  return report.ok ? 0 : 1;
}

/** The human-readable report: the lottery, its winners, each check ✓/✗ and the verdict. */
export function formatReport(proof: DrawProof, report: VerifyReport): string {
  const prizeName = new Map(proof.prizes.map((p) => [p.prizeId, p.name]));
  const lines = [
    `Draw proof of lottery ${proof.lotteryId} (${proof.algorithmVersion})`,
    `  ${proof.entryCount} entries · ${proof.winners.length} winners · ${proof.rerolls.length} reroll round(s)`,
    '',
    'Winners (position, Telegram user id, prize):',
  ];
  for (const winner of proof.winners.slice(0, LISTED_WINNERS)) {
    const prize = prizeName.get(winner.prizeId) ?? '?';
    lines.push(`  ${String(winner.position).padStart(4)}  ${winner.userId}  ${prize} (#${winner.prizeId})`);
  }
  if (proof.winners.length > LISTED_WINNERS)
    lines.push(`  … and ${proof.winners.length - LISTED_WINNERS} more`);
  for (const u of proof.undrawn)
    lines.push(`  undrawn: ${u.count} × ${prizeName.get(u.prizeId) ?? '?'} (#${u.prizeId})`);
  for (const r of proof.rerolls) {
    const pairs = r.replaced.map((user, i) => `${user} → ${r.replacements[i] ?? 'nobody (undrawn)'}`);
    lines.push(`  reroll ${r.round}: ${pairs.join(', ')}; reason: ${JSON.stringify(r.reason)}`);
  }
  lines.push('', 'Checks:');
  for (const check of report.checks) lines.push(`  ${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`);
  lines.push('');
  if (report.ok) {
    lines.push('MATCH: the published winners are exactly what this proof produces');
  } else {
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    lines.push(
      `MISMATCH: ${failed.join(', ')} failed; the published results are not what this proof produces`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
