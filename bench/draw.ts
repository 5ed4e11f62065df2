/**
 * Draw benchmark: 1,000,000 entries × 10 prizes → winners and the full proof, then verifying that proof
 * (from the object, and from its JSON text through the zod schema as `tg-lottery verify` does).
 * Prints elapsed milliseconds and memory: RSS sampled after each phase (`process.memoryUsage().rss`) and
 * the peak (`process.resourceUsage().maxRSS`, which includes Node's own start-up).
 * Run: `npx tsx bench/draw.ts` (env BENCH_ENTRIES, default 1000000).
 * Targets: draw + proof ≤ 2 s and peak RSS ≤ 300 MB, digest of the entry list included.
 */
import { fileURLToPath } from 'node:url';
import { createDrawProof } from '../src/lottery/fairness/draw.ts';
import { drawProofSchema } from '../src/lottery/fairness/schema.ts';
import { generateSeed } from '../src/lottery/fairness/seed.ts';
import { verifyProof } from '../src/lottery/fairness/verify.ts';

const MB = 1024 * 1024;

/** Distinct user ids in a scrambled order, as a database would hand them over (not sorted). */
function makeUserIds(count: number): number[] {
  const ids: number[] = new Array(count);
  for (let i = 0; i < count; i++) ids[i] = 100_000_000 + i * 7919 + (i % 7);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
  }
  return ids;
}

function timed<T>(label: string, samples: number[], work: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = work();
  const ms = performance.now() - start;
  samples.push(process.memoryUsage().rss);
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB`,
  );
  return { value, ms };
}

export async function main(): Promise<void> {
  const count = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
  const prizes = Array.from({ length: 10 }, (_, i) => ({
    prizeId: i + 1,
    name: `Prize ${i + 1}`,
    quantity: 1,
  }));
  const samples: number[] = [process.memoryUsage().rss];
  const userIds = makeUserIds(count);
  const seed = generateSeed();
  console.log(
    `entries: ${count.toLocaleString('en')}, prizes: 10 × 1, rss before: ${(samples[0]! / MB).toFixed(0)} MB`,
  );

  const drawn = timed('draw + proof (sort, digest, draw)', samples, () =>
    createDrawProof({ lotteryId: 1, seed, userIds, prizes }),
  );
  const maxRssAfterDraw = process.resourceUsage().maxRSS / 1024;
  const verified = timed('verify (from the proof object)', samples, () => verifyProof(drawn.value));
  const json = timed('proof → JSON', samples, () => JSON.stringify(drawn.value));
  const fromJson = timed('verify from JSON (parse + schema + verify)', samples, () =>
    verifyProof(drawProofSchema.parse(JSON.parse(json.value))),
  );

  const peakSampled = Math.max(...samples) / MB;
  const maxRss = process.resourceUsage().maxRSS / 1024;
  console.log(`winners: ${drawn.value.winners.map((w) => w.userId).join(', ')}`);
  console.log(
    `verify: ${verified.value.ok && fromJson.value.ok ? 'MATCH' : 'MISMATCH'}; proof JSON ${(json.value.length / MB).toFixed(1)} MB`,
  );
  console.log(
    `draw + proof: ${drawn.ms.toFixed(0)} ms (target ≤ 2000 ms); verify: ${verified.ms.toFixed(0)} ms`,
  );
  console.log(`peak RSS up to the end of draw + proof: ${maxRssAfterDraw.toFixed(0)} MB (target ≤ 300 MB)`);
  console.log(
    `rss peak sampled: ${peakSampled.toFixed(0)} MB; maxRSS of the whole run: ${maxRss.toFixed(0)} MB`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
