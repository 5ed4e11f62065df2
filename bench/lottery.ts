/**
 * Lottery benchmarks against the Bot API sandbox (its own process) and PostgreSQL, with one bot run by the
 * real supervisor (figures printed, not asserted):
 *
 * 1. Joins: BENCH_JOINERS (default 5000) users press the Join button, first closed loop with
 *    BENCH_CONCURRENCY (default 200) presses in flight (the sustained joins/s one bot handles), then
 *    open loop at BENCH_JOIN_RATE presses/s (default 1000; the time from a press to the callback answer,
 *    which the sandbox's press call returns with). Target: >= 1,000 joins/s, p99 answer <= 100 ms.
 * 2. Announce: a draw with BENCH_WINNERS (default 1000) winners, all of whom started the bot, under the
 *    sandbox's Telegram limit of 30 messages/s. Prints DMs/s from the draw to the last delivery and how
 *    many arrived (exactly once each). Target: >= 25 messages/s, none lost.
 * 3. The draw from the database: BENCH_DRAW_ENTRIES (default 1,000,000) entries read, drawn, winners and
 *    proof written, announcements queued, first with 10 winners (target: <= 2 s, <= 300 MB), then with
 *    BENCH_DRAW_WINNERS (default 200,000: 20 prizes of up to 10,000) winners and as many DMs queued
 *    (time and peak RSS during the draw printed; no target yet).
 * Each part prints its conditions (PostgreSQL version, fsync, load, CPUs). BENCH_LOTTERY_PARTS picks parts
 * (comma list of `joins`, `announce`, `draw`; default all).
 * Run: `npm run bench -- lottery` or `npx tsx bench/lottery.ts`.
 */
import { fileURLToPath } from 'node:url';
import { type Sql, sqlFromOrm } from '../src/db/sql.ts';
import { createLottery, drawNow, joinLottery, publishLottery } from '../src/lottery/index.ts';
import { createSeedCipher } from '../src/lottery/seed-cipher.ts';
import { startSupervisor } from '../src/supervisor/runtime.ts';
import {
  cipher,
  conditionsOf,
  freshDatabase,
  logger,
  percentile,
  type Sandbox,
  startSandboxProcess,
  waitRunning,
  withServer,
} from './common.ts';

const seedCipher = createSeedCipher('benchmark-app-secret');

async function setup(adminUrl: string, sandbox: Sandbox, name: string) {
  const db = await freshDatabase(adminUrl, name);
  const sql = sqlFromOrm(db.orm);
  const bot = await sandbox.client.createBot({ username: `${name.replace(/^tgl_/, '').slice(0, 20)}_bot` });
  const [tenant] = await sql.query<{ id: number }>(
    "insert into tenants (username, password_hash) values ('bench', 'x') returning id",
  );
  const tenantId = tenant!.id;
  await sql.query(
    'insert into bot_configs (tenant_id, token_encrypted, bot_id, bot_username) values (?, ?, ?, ?)',
    [tenantId, cipher.encrypt(bot.token), bot.id, bot.username],
  );
  const supervisor = await startSupervisor({
    logger,
    databaseUrl: db.url,
    sql: sqlFromOrm(db.orm),
    cipher,
    apiRoot: sandbox.apiRoot,
    checkIntervalS: 30,
    stopTimeoutMs: 5000,
    adminUrl: 'http://127.0.0.1:8080',
    ...(process.env.BENCH_COUNT_EDIT_MS
      ? { botSettings: { countEditIntervalMs: Number(process.env.BENCH_COUNT_EDIT_MS) } }
      : {}),
  });
  await waitRunning(supervisor, String(tenantId), null);
  const { id: channel } = await sandbox.client.createChat({ type: 'channel', title: 'Bench channel' });
  await sandbox.client.setMember(channel, { user_id: bot.id, status: 'administrator' });
  await until(async () => (await sql.query('select 1 from chats where chat_id = ?', [channel])).length > 0);
  return {
    db,
    sql,
    bot,
    tenantId,
    channel,
    supervisor,
    async close() {
      await supervisor.shutdown();
      await db.close();
    },
  };
}

export async function until(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function users(sandbox: Sandbox, count: number, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  const batch = 100;
  for (let i = 0; i < count; i += batch) {
    const made = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, k) =>
        sandbox.client.createUser({ first_name: `Bench${i + k}`, username: `${prefix}${i + k}` }),
      ),
    );
    ids.push(...made.map((u) => u.id));
  }
  return ids;
}

export async function publish(sql: Sql, tenantId: number, channel: number, winners: number) {
  const draft = await createLottery({ sql, seedCipher }, tenantId, {
    title: 'Benchmark giveaway',
    prizes: [{ name: 'Prize', quantity: winners }],
    drawTrigger: { kind: 'manual' },
    publishTargets: [channel],
  });
  const lottery = await publishLottery({ sql, seedCipher }, tenantId, draft.id);
  let messageId = 0;
  await until(async () => {
    const [row] = await sql.query<{ message_id: string | null }>(
      'select message_id from lottery_posts where lottery_id = ?',
      [lottery.id],
    );
    messageId = Number(row?.message_id ?? 0);
    return messageId > 0;
  });
  return { lottery, messageId };
}

/** Presses Join for each of `ids`; resolves with each press's time to the callback answer (ms). */
export async function pressAll(
  sandbox: Sandbox,
  ids: number[],
  target: { chatId: number; messageId: number; lotteryId: number },
  schedule: { concurrency: number } | { perSecond: number },
): Promise<{ latencies: number[]; seconds: number; notJoined: number }> {
  const latencies: number[] = [];
  let notJoined = 0;
  const press = async (userId: number) => {
    const t0 = performance.now();
    const answer = await sandbox.client.press(userId, {
      chat_id: target.chatId,
      message_id: target.messageId,
      callback_data: `j:${target.lotteryId}`,
    });
    latencies.push(performance.now() - t0);
    if (!answer.answered || !answer.text?.startsWith('✅')) notJoined++;
  };
  const started = performance.now();
  if ('concurrency' in schedule) {
    let next = 0;
    await Promise.all(
      Array.from({ length: schedule.concurrency }, async () => {
        while (next < ids.length) await press(ids[next++]!);
      }),
    );
  } else {
    // Open loop: presses start on a fixed schedule whatever the answers do (as real users would).
    const inFlight: Promise<void>[] = [];
    const gapMs = 1000 / schedule.perSecond;
    for (let i = 0; i < ids.length; i++) {
      const due = started + i * gapMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(press(ids[i]!));
    }
    await Promise.all(inFlight);
  }
  latencies.sort((a, b) => a - b);
  return { latencies, seconds: (performance.now() - started) / 1000, notJoined };
}

async function joins(adminUrl: string, sandbox: Sandbox): Promise<void> {
  const total = Number(process.env.BENCH_JOINERS ?? 5000);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 200);
  const rate = Number(process.env.BENCH_JOIN_RATE ?? 1000);
  const world = await setup(adminUrl, sandbox, 'tgl_bench_joins');
  console.log(`joins conditions: ${await conditionsOf(world.db.url)}`);
  try {
    const ids = await users(sandbox, total * 2, 'joiner');
    const first = await publish(world.sql, world.tenantId, world.channel, 1);
    const sustained = await pressAll(
      sandbox,
      ids.slice(0, total),
      { chatId: world.channel, messageId: first.messageId, lotteryId: first.lottery.id },
      { concurrency },
    );
    console.log(
      `joins, closed loop (${concurrency} presses in flight): ${(total / sustained.seconds).toFixed(0)} joins/s ` +
        `sustained (target >= 1000); answer p50 ${percentile(sustained.latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(sustained.latencies, 99).toFixed(1)} ms (queueing: ${concurrency} waiting); ` +
        `not joined ${sustained.notJoined}`,
    );
    const second = await publish(world.sql, world.tenantId, world.channel, 1);
    const paced = await pressAll(
      sandbox,
      ids.slice(total),
      { chatId: world.channel, messageId: second.messageId, lotteryId: second.lottery.id },
      { perSecond: rate },
    );
    const [row] = await world.sql.query<{ n: string }>(
      "select count(*) as n from entries where lottery_id = any(string_to_array(?, ',')::int[])",
      [`${first.lottery.id},${second.lottery.id}`],
    );
    console.log(
      `joins, open loop at ${rate}/s: ${(total / paced.seconds).toFixed(0)} joins/s; time from press to callback ` +
        `answer p50 ${percentile(paced.latencies, 50).toFixed(1)} ms, p99 ${percentile(paced.latencies, 99).toFixed(1)} ms ` +
        `(target <= 100 ms); not joined ${paced.notJoined}; entries stored in both runs ${row?.n}/${total * 2}`,
    );
  } finally {
    await world.close();
  }
}

async function announce(adminUrl: string, sandbox: Sandbox): Promise<void> {
  const count = Number(process.env.BENCH_WINNERS ?? 1000);
  const world = await setup(adminUrl, sandbox, 'tgl_bench_announce');
  console.log(`announce conditions: ${await conditionsOf(world.db.url)}`);
  try {
    await sandbox.client.setLimits({ botMessagesPerSecond: 30, chatMessagesPerMinute: 20 });
    const ids = await users(sandbox, count, 'winner');
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => sandbox.client.start(id, world.bot.id)));
    }
    const { lottery } = await publish(world.sql, world.tenantId, world.channel, count);
    // The bot greets each user who started it (through the outbox): let those go out first.
    await until(async () => {
      const rows = await world.sql.query(
        `select 1 from outbox_messages where tenant_id = ? and status in ('pending', 'sending') limit 1`,
        [world.tenantId],
      );
      return rows.length === 0;
    }, 600_000);
    for (const userId of ids) {
      await joinLottery(world.sql, {
        tenantId: world.tenantId,
        lotteryId: lottery.id,
        entrant: { userId, firstName: 'B', lastName: null, username: null, languageCode: 'en', isBot: false },
        source: 'button',
        checkMembership: async () => 'member',
      });
    }
    const started = performance.now();
    await drawNow({ sql: world.sql, seedCipher }, world.tenantId, lottery.id);
    const drawMs = performance.now() - started;
    await until(async () => {
      const [row] = await world.sql.query<{ n: string }>(
        `select count(*) as n from winners where lottery_id = ? and delivery_status = 'pending'`,
        [lottery.id],
      );
      return Number(row?.n) === 0;
    }, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const [delivered] = await world.sql.query<{ n: string }>(
      `select count(*) as n from winners where lottery_id = ? and delivery_status = 'delivered'`,
      [lottery.id],
    );
    if (process.env.BENCH_DEBUG) {
      const sent = await world.sql.query<{ t: string; kind: string }>(
        `select extract(epoch from sent_at) * 1000 as t, kind from outbox_messages where tenant_id = ? and status = 'sent' order by sent_at`,
        [world.tenantId],
      );
      const gaps = sent.slice(1).map((r, i) => Number(r.t) - Number(sent[i]!.t));
      console.log(
        'first sends',
        sent
          .slice(0, 5)
          .map((r) => r.kind)
          .join(','),
        'gaps',
        gaps
          .slice(0, 40)
          .map((g) => g.toFixed(0))
          .join(' '),
      );
    }
    let duplicates = 0;
    for (const userId of ids.slice(0, 100)) {
      const dms = await sandbox.client.privateMessages(world.bot.id, userId);
      if (dms.messages.filter((m) => m.text.includes('Congratulations')).length > 1) duplicates++;
    }
    const [flood] = await world.sql.query<{ n: string }>(
      `select count(*) as n from outbox_messages where tenant_id = ? and attempts > 1`,
      [world.tenantId],
    );
    console.log(
      `announce: ${count} winners' DMs in ${seconds.toFixed(1)} s = ${(count / seconds).toFixed(1)} messages/s ` +
        `(target >= 25 under the 30/s limit; the draw itself took ${drawMs.toFixed(0)} ms); delivered ${delivered?.n}/${count}; duplicates in a sample of 100: ` +
        `${duplicates}; sends retried (429 or network): ${flood?.n}`,
    );
  } finally {
    await world.close();
  }
}

/** Samples this process's RSS every 20 ms while `work` runs; resolves with its value and the peak. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, ms, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

/** An open lottery with `entries` entries (one INSERT … SELECT generate_series), drawn by hand. */
async function bigLottery(
  world: Awaited<ReturnType<typeof setup>>,
  prizes: { name: string; quantity: number }[],
  entries: number,
) {
  const draft = await createLottery({ sql: world.sql, seedCipher }, world.tenantId, {
    title: 'Big draw',
    prizes,
    drawTrigger: { kind: 'manual' },
    publishTargets: [world.channel],
  });
  const lottery = await publishLottery({ sql: world.sql, seedCipher }, world.tenantId, draft.id);
  await world.sql.query(
    `insert into entries (lottery_id, tg_user_id, first_name)
     select ?, 5000000000 + g * 7, 'U' || g from generate_series(1, ?) g`,
    [lottery.id, entries],
  );
  return lottery;
}

/** The draw as the platform makes it: 1,000,000 entries read from PostgreSQL, winners and proof written. */
async function drawFromDatabase(adminUrl: string, sandbox: Sandbox): Promise<void> {
  const count = Number(process.env.BENCH_DRAW_ENTRIES ?? 1_000_000);
  const winners = Number(process.env.BENCH_DRAW_WINNERS ?? 200_000);
  const world = await setup(adminUrl, sandbox, 'tgl_bench_draw');
  try {
    console.log(`draw conditions: ${await conditionsOf(world.db.url)}`);
    const lottery = await bigLottery(
      world,
      [
        { name: 'First', quantity: 1 },
        { name: 'Second', quantity: 3 },
        { name: 'Third', quantity: 6 },
      ],
      count,
    );
    const rssBefore = process.memoryUsage().rss;
    const small = await withPeakRss(() =>
      drawNow({ sql: world.sql, seedCipher }, world.tenantId, lottery.id),
    );
    console.log(
      `draw from the database: ${small.value.proof.entryCount} entries → ${small.value.proof.winners.length} winners, ` +
        `proof stored, in ${small.ms.toFixed(0)} ms (target <= 2000 ms for the draw); RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ` +
        `peak ${small.peakMiB.toFixed(0)} MiB during the draw (the whole benchmark process, supervisor included)`,
    );

    // 20 prizes of at most 10,000 (a lottery's limits): 200,000 winners by default.
    const perPrize = Math.min(10_000, Math.ceil(winners / 20));
    const prizes = Array.from({ length: Math.ceil(winners / perPrize) }, (_, i) => ({
      name: `Prize ${i + 1}`,
      quantity: Math.min(perPrize, winners - i * perPrize),
    }));
    const huge = await bigLottery(world, prizes, count);
    console.log(`draw conditions: ${await conditionsOf(world.db.url)}`);
    const rssHuge = process.memoryUsage().rss;
    const big = await withPeakRss(() => drawNow({ sql: world.sql, seedCipher }, world.tenantId, huge.id));
    const [queued] = await world.sql.query<{ n: string }>(
      `select count(*) as n from outbox_messages where lottery_id = ? and kind = 'winner-dm'`,
      [huge.id],
    );
    console.log(
      `draw of ${big.value.proof.winners.length.toLocaleString('en')} winners among ` +
        `${big.value.proof.entryCount.toLocaleString('en')} entries from the database: ${big.ms.toFixed(0)} ms ` +
        `(winner rows, proof, ${queued?.n} DMs queued); RSS ${(rssHuge / 2 ** 20).toFixed(0)} → peak ` +
        `${big.peakMiB.toFixed(0)} MiB during the draw (maxRSS of the process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)`,
    );
  } finally {
    await world.close();
  }
}

export async function main(): Promise<void> {
  const sandbox = await startSandboxProcess();
  try {
    const parts = (process.env.BENCH_LOTTERY_PARTS ?? 'joins,announce,draw').split(',');
    await withServer(async (adminUrl) => {
      if (parts.includes('joins')) await joins(adminUrl, sandbox);
      if (parts.includes('announce')) await announce(adminUrl, sandbox);
      if (parts.includes('draw')) await drawFromDatabase(adminUrl, sandbox);
    });
  } finally {
    sandbox.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
