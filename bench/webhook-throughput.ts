/**
 * One throughput run of the webhook bench: the generator's presses (with real sandbox presses alongside),
 * the wait for the bots to handle what was stored, then the check against the entries written and the
 * printed line (rates, latencies, lost/extra/doubled/misplaced entries, commits, CPU).
 */
import { UPDATE_BASE, USER_BASE } from './webhook-load.ts';
import { cpuLine, cpuSnapshot, ms } from './webhook-report.ts';
import type { World } from './webhook-world.ts';

/** A press through the sandbox (its own webhook delivery): the user's whole round trip. */
interface SampleResult {
  latencies: number[];
  notJoined: number;
  pairs: Array<{ userId: number; lotteryId: number }>;
}

async function samplePresses(world: World, perSecond: number, seconds: number): Promise<SampleResult> {
  const out: SampleResult = { latencies: [], notJoined: 0, pairs: [] };
  if (perSecond <= 0 || world.sampleUsers.length === 0) return out;
  const total = Math.round(perSecond * seconds);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    let userId = 0;
    let bot = 0;
    for (let tries = 0; tries < 50; tries++) {
      userId = world.sampleUsers[Math.floor(Math.random() * world.sampleUsers.length)]!;
      bot = Math.floor(Math.random() * world.posts.length);
      if (!world.usedPairs.has(`${userId}:${bot}`)) break;
    }
    world.usedPairs.add(`${userId}:${bot}`);
    const post = world.posts[bot]!;
    out.pairs.push({ userId, lotteryId: post.lotteryId });
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        const answer = await world.sandbox.client
          .press(userId, {
            chat_id: post.channel,
            message_id: post.messageId,
            callback_data: `j:${post.lotteryId}`,
          })
          .catch(() => null);
        out.latencies.push(performance.now() - t0);
        if (!answer?.answered || !answer.text?.startsWith('✅')) out.notJoined++;
      })(),
    );
  }
  await Promise.all(inFlight);
  out.latencies.sort((a, b) => a - b);
  return out;
}

export async function throughputRun(
  world: World,
  label: string,
  mode: 'open' | 'closed',
  rate: number,
  seconds: number,
): Promise<string> {
  const { sql } = world;
  const pg = await sql.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = current_database() or backend_type <> 'client backend'`,
  );
  const pgPids = pg.map((r) => Number(r.pid));
  const sampleRate = mode === 'open' ? Number(process.env.BENCH_WEBHOOK_SAMPLE_RATE ?? 20) : 0;
  const commits = async () => {
    const [row] = await sql.query<{ n: string }>(
      'select xact_commit as n from pg_stat_database where datname = current_database()',
    );
    return Number(row?.n ?? 0);
  };
  const commits0 = await commits();
  const cpu0 = await cpuSnapshot(world, pgPids);
  const sampling = samplePresses(world, sampleRate, seconds);
  const r = await world.generator.run(mode, rate, seconds);
  const cpu1 = await cpuSnapshot(world, pgPids);
  const loopP99 = Math.max(...world.supervisor.hosts().map((h) => h.loopDelayP99Ms ?? 0));
  const sample = await sampling;
  const windowEnd = performance.timeOrigin + performance.now();

  const ok: number[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < r.count; i++) {
    const code = r.status[i]!;
    if (code === 200) ok.push(i);
    else statuses.set(code, (statuses.get(code) ?? 0) + 1);
  }
  const from = USER_BASE + r.first;
  const to = USER_BASE + r.first + r.count;
  // Wait for the bots to handle what was stored: until every answered press has its entry, or nothing
  // moves for 20 s, or BENCH_WEBHOOK_DRAIN_S (default 120) passes.
  const drainDeadline = Date.now() + Number(process.env.BENCH_WEBHOOK_DRAIN_S ?? 120) * 1000;
  let last = -1;
  let lastMove = Date.now();
  for (;;) {
    const [row] = await sql.query<{ n: string }>(
      'select count(*) as n from entries where tg_user_id >= ? and tg_user_id < ?',
      [from, to],
    );
    const n = Number(row?.n ?? 0);
    if (n >= ok.length) break;
    if (n !== last) {
      last = n;
      lastMove = Date.now();
    }
    if (Date.now() - lastMove > 20_000 || Date.now() > drainDeadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const commitsPerUpdate = (await commits()) - commits0;
  const lotteryOf = `{${world.posts.map((p) => p.lotteryId).join(',')}}`;
  const entries = await sql.query<{ u: string; t: string; misplaced: boolean }>(
    `select tg_user_id as u, extract(epoch from created_at) * 1000 as t,
            lottery_id <> (?::int[])[((tg_user_id - ?) % ?) + 1] as misplaced
       from entries where tg_user_id >= ? and tg_user_id < ?`,
    [lotteryOf, USER_BASE, world.posts.length, from, to],
  );
  const [dup] = await sql.query<{ n: string }>(
    `select count(*) - count(distinct (lottery_id, tg_user_id)) as n
       from entries where tg_user_id >= ? and tg_user_id < ?`,
    [from, to],
  );
  const [stored] = await sql.query<{ n: string; unhandled: string }>(
    `select count(*) as n, count(*) filter (where handled_at is null) as unhandled
       from inbound_updates where update_id >= ? and update_id < ?`,
    [UPDATE_BASE + r.first, UPDATE_BASE + r.first + r.count],
  );
  // The inbox marks an update handled once its handler returned; the Join handler answers beside it.
  const [order] = await sql.query<{ before: string }>(
    `select count(*) as before from inbound_updates u
       join entries e on e.tg_user_id = u.update_id - ? + ?
      where u.update_id >= ? and u.update_id < ? and u.handled_at < e.created_at`,
    [UPDATE_BASE, USER_BASE, UPDATE_BASE + r.first, UPDATE_BASE + r.first + r.count],
  );
  // The sandbox presses: each (user, lottery) pair once.
  let sampleStored = 0;
  if (sample.pairs.length > 0) {
    const [row] = await sql.query<{ n: string }>(
      `select count(*) as n from entries e
         join unnest(?::bigint[], ?::int[]) as p(u, l) on e.tg_user_id = p.u and e.lottery_id = p.l`,
      [
        `{${sample.pairs.map((p) => p.userId).join(',')}}`,
        `{${sample.pairs.map((p) => p.lotteryId).join(',')}}`,
      ],
    );
    sampleStored = Number(row?.n ?? 0);
  }

  const answered = new Set(ok);
  const toEntry: number[] = [];
  let extra = 0;
  let misplaced = 0;
  let lastEntryAt = 0;
  let inWindow = 0;
  const seen = new Set<number>();
  for (const e of entries) {
    const i = Number(e.u) - from;
    const t = Number(e.t);
    seen.add(i);
    if (e.misplaced) misplaced++;
    if (!answered.has(i)) extra++;
    toEntry.push(t - r.sentAt[i]!);
    lastEntryAt = Math.max(lastEntryAt, t);
    if (t <= windowEnd) inWindow++;
  }
  const lost = ok.filter((i) => !seen.has(i)).length;
  toEntry.sort((a, b) => a - b);
  const endpoint = ok.map((i) => r.latency[i]!).sort((a, b) => a - b);
  const scheduled = ok.map((i) => r.latency[i]! + r.lag[i]!).sort((a, b) => a - b);
  const firstSent = r.count > 0 ? Math.min(...r.sentAt) : 0;
  const handledS = (lastEntryAt - firstSent) / 1000;
  const offered = mode === 'open' ? `offered ${rate}/s open loop` : 'closed loop';
  const errors =
    statuses.size === 0
      ? 'none'
      : [...statuses.entries()]
          .map(([code, n]) => `${n}× ${code === 0 ? 'connection closed' : code}`)
          .join(', ');
  return (
    `${label} (${offered}, ${seconds} s, ${r.count} presses over ${world.posts.length} bots): ` +
    `stored ${(ok.length / r.elapsedS).toFixed(0)} updates/s (answered 200: ${ok.length}; not 200: ${errors}); ` +
    `handled ${(entries.length / Math.max(0.001, handledS)).toFixed(0)} updates/s (${entries.length} entries, the last ` +
    `${((lastEntryAt - firstSent) / 1000 - r.elapsedS).toFixed(1)} s after the last answer; ${inWindow} within the load window) ` +
    `(target 5000/s); POST→200 p50 ${ms(endpoint, 50)} ms, p99 ${ms(endpoint, 99)} ms, max ${ms(endpoint, 100)} ms ` +
    `(target p99 < 100 ms); from the scheduled time p50 ${ms(scheduled, 50)} ms, p99 ${ms(scheduled, 99)} ms; ` +
    `POST→entry row p50 ${ms(toEntry, 50)} ms, p99 ${ms(toEntry, 99)} ms; ` +
    (sample.latencies.length > 0
      ? `sandbox presses alongside (${sample.latencies.length}, ${sampleRate}/s, delivered by the sandbox): press→answer ` +
        `p50 ${ms(sample.latencies, 50)} ms, p99 ${ms(sample.latencies, 99)} ms, not joined ${sample.notJoined}, ` +
        `entries ${sampleStored}/${sample.pairs.length}; `
      : '') +
    `check: entries ${entries.length} for ${ok.length} presses answered 200 — lost ${lost}, extra ${extra}, ` +
    `doubled ${dup?.n}, in the wrong lottery ${misplaced}; stored updates ${stored?.n}, unhandled ${stored?.unhandled}, ` +
    `marked handled before their entry's statement began ${order?.before}; ` +
    `PostgreSQL commits per update ${(commitsPerUpdate / Math.max(1, ok.length)).toFixed(2)} (this database, load and drain, ` +
    `all processes); host event loop p99 up to ${loopP99.toFixed(0)} ms; ${cpuLine(cpu0, cpu1)}`
  );
}
