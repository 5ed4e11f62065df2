/**
 * Webhook mode benchmark (figures printed, never asserted; targets printed beside them). One node: the
 * supervisor (this process) in webhook mode with the real bot hosts, a `tg-lottery web` process (as an
 * operator runs it) receiving the webhooks, the Bot API sandbox in its own process, PostgreSQL with the
 * product's durability (fsync on; DATABASE_URL when set, else an embedded server).
 *
 * 1. Memory per idle bot in webhook mode: PSS of the bot hosts with a first step of bots (100) and then
 *    with all of them (BENCH_WEBHOOK_BOTS, default 1000), idle (no lottery yet, no update), no GC forced;
 *    per bot = the slope between the two steps (a host with 0 bots does not exist: shared hosts start
 *    with their first bot). Target: under 0.2 MB per bot. The same in polling mode for comparison
 *    (a fresh database and fresh bots; BENCH_WEBHOOK_POLLING=0 leaves it out).
 * 2. Throughput and latency through the webhook endpoint, every bot with an open lottery and its Join
 *    post in a channel: a load generator (its own process, raw keep-alive HTTP/1.1, BENCH_WEBHOOK_CONNECTIONS
 *    connections, default 256, one request at a time each) POSTs realistic `callback_query` updates (the
 *    Join button's `j:<lottery id>`, a new user per press, round-robin over every bot) straight to
 *    `/telegram/webhook/<tenant>/<bot>` with each bot's secret header, as Telegram does with up to
 *    max_connections per bot. The bots handle them as joins (entry insert, counts) and answer the
 *    callback at the sandbox (which refuses the generated query ids as unknown: the round trip is made,
 *    nothing is recorded). Open loop at BENCH_WEBHOOK_RATES updates/s (default 1000,3000,5000) for
 *    BENCH_WEBHOOK_SECONDS each (default 10), then closed loop (every connection back to back) for as long.
 *    Printed per run: updates/s stored (answered 200), updates/s handled (entries rows written, up to the
 *    last one), POST→200 p50/p99 (the endpoint's own time: from the request's write to its answer) and
 *    from the press's scheduled time (with the generator's queueing), POST→entry row p50/p99
 *    (entries.created_at), CPU per process over the load window, and the check: entries vs presses
 *    answered 200 (lost, extra, doubled, in the wrong lottery), stored updates left unhandled.
 *    Alongside each open-loop run, BENCH_WEBHOOK_SAMPLE_RATE real presses/s (default 20) through the
 *    sandbox (its own webhook deliverer, one update in flight per bot, the answer recorded): press→answer
 *    p50/p99, the user's whole round trip. Target: 5,000 updates/s with the join's database work, p99
 *    under 100 ms.
 * Run: `npm run bench -- webhook` or `npx tsx bench/webhook.ts`; develop with e.g. BENCH_WEBHOOK_BOTS=50
 * BENCH_WEBHOOK_SECONDS=3 BENCH_WEBHOOK_RATES=500.
 * This file is the entry (the order of the runs and their printing); the world (web, supervisor, tenants,
 * bots, lotteries) is in webhook-world.ts, the load generator in webhook-load.ts, one throughput run and
 * its check in webhook-throughput.ts, the /proc readings and formats in webhook-report.ts.
 */
import { fileURLToPath } from 'node:url';
import { sqlFromOrm } from '../src/db/sql.ts';
import type { Supervisor } from '../src/supervisor/runtime.ts';
import { conditionsOf, freshDatabase, startSandboxProcess, withServer } from './common.ts';
import { users } from './lottery.ts';
import { type Generator, startGenerator } from './webhook-load.ts';
import { throughputRun } from './webhook-throughput.ts';
import { memoryRun, preparePosts, startWeb, targetsFor, type World } from './webhook-world.ts';

const HERE = fileURLToPath(import.meta.url);

export async function main(): Promise<void> {
  const total = Number(process.env.BENCH_WEBHOOK_BOTS ?? 1000);
  const first = total >= 200 ? 100 : Math.max(1, Math.round(total / 10));
  const rates = (process.env.BENCH_WEBHOOK_RATES ?? '1000,3000,5000').split(',').filter(Boolean).map(Number);
  const seconds = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? 256);
  const sandbox = await startSandboxProcess();
  try {
    await withServer(async (adminUrl) => {
      const db = await freshDatabase(adminUrl, 'tgl_bench_webhook');
      const sql = sqlFromOrm(db.orm);
      const web = await startWeb(db.url, sandbox.apiRoot);
      let supervisor: Supervisor | undefined;
      let generator: Generator | undefined;
      try {
        console.log(
          `conditions: ${await conditionsOf(db.url)}; ${total} tenants with a bot each on one node: the supervisor ` +
            `(this process) in webhook mode with the real bot hosts (default placement), a separate \`tg-lottery web\` ` +
            `process receiving the webhooks, the Bot API sandbox in its own process`,
        );
        const memory = await memoryRun(sql, db.url, sandbox, 'webhook', first, total, web.url);
        supervisor = memory.supervisor;
        console.log(memory.line);

        const setupStarted = performance.now();
        const posts = await preparePosts(sql, sandbox, memory.tenantIds, memory.bots);
        const targets = await targetsFor(sandbox, memory.tenantIds, memory.bots, posts);
        generator = await startGenerator(Number(new URL(web.url).port), targets, connections);
        const world: World = {
          sql,
          sandbox,
          supervisor,
          webPid: web.pid,
          generator,
          posts,
          sampleUsers: await users(sandbox, 200, 'whs_'),
          usedPairs: new Set(),
        };
        console.log(
          `throughput conditions: ${await conditionsOf(db.url)}; load: callback_query updates (Join presses, a new user ` +
            `each) POSTed straight to the web's webhook path with each bot's secret by a generator process over ` +
            `${connections} keep-alive connections (one request at a time each), round-robin over ${total} bots; the ` +
            `bots' answerCallbackQuery calls go to the sandbox (which refuses the generated query ids: the round trip ` +
            `is made); a short warm-up run first (not printed); channels, lotteries and posts of every bot made in ` +
            `${((performance.now() - setupStarted) / 1000).toFixed(0)} s`,
        );
        // Warm-up: the web's and the hosts' first requests (JIT, pools) are not measured.
        await throughputRun(world, 'warm-up', 'open', Math.min(500, rates[0] ?? 500), 2);
        for (const rate of rates)
          console.log(await throughputRun(world, `webhook ${rate}/s`, 'open', rate, seconds));
        console.log(await throughputRun(world, 'webhook max', 'closed', 0, seconds));
      } finally {
        generator?.close();
        await supervisor?.shutdown();
        web.close();
        await db.close();
      }

      if (process.env.BENCH_WEBHOOK_POLLING !== '0') {
        const pdb = await freshDatabase(adminUrl, 'tgl_bench_webhook_polling');
        const psql = sqlFromOrm(pdb.orm);
        let polling: Supervisor | undefined;
        try {
          const run = await memoryRun(psql, pdb.url, sandbox, 'polling', first, total, undefined);
          polling = run.supervisor;
          console.log(run.line);
        } finally {
          await polling?.shutdown();
          await pdb.close();
        }
      }
    });
  } finally {
    sandbox.close();
  }
}

if (process.argv[1] === HERE) await main();
