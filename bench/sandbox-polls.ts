/**
 * Bot API sandbox under many held long polls, as when 1,000-3,000 tenants' bots poll one sandbox.
 * The sandbox runs in its own process; this process is the load generator: N raw keep-alive sockets
 * (bench/raw-http.ts), each a poller looping getUpdates(offset, timeout=20) after a first timeout=0 call,
 * as the bots do. For each N it prints:
 * - the time to create N bots (batch endpoint, and the single-bot endpoint over 16 connections);
 * - the sandbox's RSS / PSS (from /proc) and V8 heap after a GC: bare, with N bots, with N polls held;
 * - the sandbox's CPU % over 20 s with the N polls held and nothing happening (from /proc/<pid>/stat),
 *   which includes every poll's timeout and re-poll;
 * - the latency from "a user sends to bot k" (control API) to bot k's poller receiving the message,
 *   p50/p99 over BENCH_SAMPLES samples (default 300, distinct bots), and how many updates reached another
 *   poller (should be 0);
 * - what is left in the sandbox once every poller's socket is closed (held polls, timers);
 * - the sandbox CPU per poll cycle (timeout, answer, next getUpdates), measured precisely over many
 *   cycles with N pollers at timeout 1 s for 10 s.
 * Run: `npx tsx bench/sandbox-polls.ts` or `npm run bench sandbox-polls` (env BENCH_POLLERS, default
 * "1000,3000"; BENCH_SAMPLES; BENCH_IDLE_SECONDS, default 20; BENCH_PROF=1 writes a CPU profile of the sandbox process
 * to /tmp/prof). Figures are printed, never asserted.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSandbox } from '../src/sandbox/index.ts';
import { cpuSeconds, memoryKiB, percentile } from './common.ts';
import { RawConnection, type RawResponse } from './raw-http.ts';

const POLL_TIMEOUT_S = 20;
/** What the product's bots ask for on every getUpdates (src/bot/telegram.ts). */
const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'];

/** What the sandbox process reports about itself. */
interface ServerStats {
  heldPolls: number;
  bots: number;
  heapUsedKiB: number;
  timers: number;
  sockets: number;
}

interface Server {
  port: number;
  pid: number;
  stats: (gc?: boolean) => Promise<ServerStats>;
  stop: () => void;
}

/** The sandbox process: a sandbox plus an IPC channel answering `stats`. */
async function serve(): Promise<void> {
  const sandbox = await createSandbox();
  process.send?.({ port: Number(new URL(sandbox.url).port) });
  process.on('message', (msg: { gc?: boolean }) => {
    if (msg.gc) (globalThis as { gc?: () => void }).gc?.();
    let heldPolls = 0;
    for (const bot of sandbox.state.bots.values()) if (bot.queue.held) heldPolls++;
    const resources = process.getActiveResourcesInfo();
    const stats: ServerStats = {
      heldPolls,
      bots: sandbox.state.bots.size,
      heapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
      timers: resources.filter((r) => r === 'Timeout').length,
      sockets: resources.filter((r) => r === 'TCPSocketWrap').length,
    };
    process.send?.(stats);
  });
  process.on('disconnect', () => void sandbox.close().then(() => process.exit(0)));
}

function startServer(): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
    ],
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('message', (msg) =>
      resolve({
        port: (msg as { port: number }).port,
        pid: child.pid ?? 0,
        stats: (gc = false) =>
          new Promise((res) => {
            child.once('message', (m) => res(m as ServerStats));
            child.send({ gc });
          }),
        stop: () => child.disconnect(),
      }),
    );
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

async function json(res: Promise<RawResponse>, what: string): Promise<Record<string, unknown>> {
  const { status, body } = await res;
  if (status !== 200) throw new Error(`${what} answered ${status}: ${body.toString().slice(0, 300)}`);
  return JSON.parse(body.toString()) as Record<string, unknown>;
}

interface BotRef {
  id: number;
  token: string;
}

/** Create `n` bots with the batch endpoint (chunks of 1,000); null when the sandbox has no such endpoint. */
async function createBatch(conn: RawConnection, n: number, prefix: string): Promise<BotRef[] | null> {
  const bots: BotRef[] = [];
  for (let done = 0; done < n; ) {
    const count = Math.min(1000, n - done);
    const res = await conn.request(
      'POST',
      '/_sandbox/bots/batch',
      JSON.stringify({ count, username_prefix: prefix }),
    );
    if (res.status === 404) return null;
    const body = await json(Promise.resolve(res), 'bots/batch');
    for (const b of body.bots as BotRef[]) bots.push({ id: b.id, token: b.token });
    done += count;
  }
  return bots;
}

/** Create `n` bots one request each, over `connections` keep-alive connections. */
async function createSingles(conns: RawConnection[], n: number, prefix: string): Promise<BotRef[]> {
  const bots: BotRef[] = [];
  let next = 0;
  await Promise.all(
    conns.map(async (conn) => {
      for (let i = next++; i < n; i = next++) {
        const body = JSON.stringify({ username: `${prefix}_${i}_bot` });
        const bot = await json(conn.request('POST', '/_sandbox/bots', body), 'bots');
        bots[i] = { id: Number(bot.id), token: String(bot.token) };
      }
    }),
  );
  return bots;
}

/** One bot's long-poll loop on its own socket. */
class Poller {
  answers = 0;
  strays = 0;
  errors = 0;
  #offset = 0;
  #stopped = false;
  #expect: { text: string; resolve: (at: number) => void } | null = null;

  constructor(
    readonly conn: RawConnection,
    readonly bot: BotRef,
    /** getUpdates timeout after the first call, in seconds. */
    readonly longTimeout = POLL_TIMEOUT_S,
  ) {}

  /** Resolve with the time (performance.now()) the message `text` reaches this poller. */
  expect(text: string): Promise<number> {
    return new Promise((resolve) => {
      this.#expect = { text, resolve };
    });
  }

  async run(): Promise<void> {
    let timeout = 0;
    while (!this.#stopped) {
      const body = JSON.stringify({ offset: this.#offset, timeout, allowed_updates: ALLOWED_UPDATES });
      let res: RawResponse;
      try {
        res = await this.conn.request('POST', `/bot${this.bot.token}/getUpdates`, body);
      } catch {
        return; // socket closed: stopped
      }
      const now = performance.now();
      this.answers++;
      timeout = this.longTimeout;
      if (res.status !== 200) {
        this.errors++;
        continue;
      }
      const updates = (JSON.parse(res.body.toString()) as { result: Array<Record<string, unknown>> }).result;
      for (const u of updates) {
        this.#offset = Number(u.update_id) + 1;
        const text = (u.message as { text?: string } | undefined)?.text;
        if (this.#expect && text === this.#expect.text) {
          this.#expect.resolve(now);
          this.#expect = null;
        } else this.strays++;
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    this.conn.close();
  }
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Connect a poller per bot, all at once (as bots do when a host starts them together). */
async function connectPollers(port: number, bots: BotRef[], longTimeout: number): Promise<Poller[]> {
  const pollers = bots.map((bot) => new Poller(new RawConnection(port), bot, longTimeout));
  await Promise.all(pollers.map((p) => p.conn.connected));
  return pollers;
}

/** Everything measured for one N. */
export interface PollsBenchResult {
  pollers: number;
  createBatchMs: number | null;
  createSingleMs: number;
  rssPerBotKiB: number;
  rssPerPollKiB: number;
  heapPerPollKiB: number;
  idleCpuPercent: number;
  /** Sandbox CPU per poll that timed out and came back, in microseconds. */
  idleCpuPerPollMicros: number;
  /** The same, measured over many cycles with timeout 1 s. */
  cycleCpuMicros: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

async function measure(n: number, samples: number, idleSeconds: number): Promise<PollsBenchResult> {
  const server = await startServer();
  const control = new RawConnection(server.port);
  const pollers: Poller[] = [];
  try {
    await control.connected;
    const bare = { ...(await memoryKiB(server.pid)), ...(await server.stats(true)) };

    let started = performance.now();
    let bots = await createBatch(control, n, 'p');
    const createBatchMs = bots ? performance.now() - started : null;
    const singleConns = Array.from({ length: 16 }, () => new RawConnection(server.port));
    let createSingleMs = Number.NaN;
    if (!bots) {
      started = performance.now();
      bots = await createSingles(singleConns, n, 'p');
      createSingleMs = performance.now() - started;
    }
    const withBots = { ...(await memoryKiB(server.pid)), ...(await server.stats(true)) };
    const user = await json(control.request('POST', '/_sandbox/users', '{"first_name":"Bench"}'), 'users');

    started = performance.now();
    pollers.push(...(await connectPollers(server.port, bots, POLL_TIMEOUT_S)));
    const connectedMs = performance.now() - started;
    const loops = pollers.map((p) => p.run());
    await waitFor(async () => (await server.stats()).heldPolls === n, `${n} held polls`, 60_000, 10);
    const allHeldMs = performance.now() - started;
    const held = { ...(await memoryKiB(server.pid)), ...(await server.stats(true)) };

    const latencies: number[] = [];
    const samplesCpuBefore = await cpuSeconds(server.pid);
    for (let i = 0; i < samples; i++) {
      const poller = pollers[Math.floor((i * n) / samples)] as Poller;
      const text = `sample ${i}`;
      const arrived = poller.expect(text);
      const sentAt = performance.now();
      const body = JSON.stringify({ chat_id: poller.bot.id, text });
      await json(control.request('POST', `/_sandbox/users/${user.id}/send`, body), 'send');
      latencies.push((await arrived) - sentAt);
    }
    const samplesCpu = (await cpuSeconds(server.pid)) - samplesCpuBefore;
    latencies.sort((a, b) => a - b);
    const strays = pollers.reduce((s, p) => s + p.strays, 0);

    await waitFor(async () => (await server.stats()).heldPolls === n, `${n} held polls again`);
    const answersBefore = pollers.reduce((s, p) => s + p.answers, 0);
    const cpuBefore = await cpuSeconds(server.pid);
    const genBefore = process.cpuUsage();
    await sleep(idleSeconds * 1000);
    const idleCpu = (await cpuSeconds(server.pid)) - cpuBefore;
    const gen = process.cpuUsage(genBefore);
    const idleAnswers = pollers.reduce((s, p) => s + p.answers, 0) - answersBefore;
    const errors = pollers.reduce((s, p) => s + p.errors, 0);

    for (const p of pollers) p.stop();
    await Promise.all(loops);
    const closedAt = performance.now();
    await waitFor(async () => (await server.stats()).heldPolls === 0, 'held polls released', 60_000, 5);
    const releaseMs = performance.now() - closedAt;
    const after = await server.stats(true);

    // The same cycle (timeout, answer, re-poll) many times faster: timeout 1 s, for a precise CPU cost.
    const fast = await connectPollers(server.port, bots, 1);
    const fastLoops = fast.map((p) => p.run());
    await sleep(2_000);
    const fastAnswersBefore = fast.reduce((sum, p) => sum + p.answers, 0);
    const fastCpuBefore = await cpuSeconds(server.pid);
    await sleep(10_000);
    const fastCpu = (await cpuSeconds(server.pid)) - fastCpuBefore;
    const fastAnswers = fast.reduce((sum, p) => sum + p.answers, 0) - fastAnswersBefore;
    for (const p of fast) p.stop();
    await Promise.all(fastLoops);
    const cyclePerMicros = (fastCpu * 1e6) / fastAnswers;

    if (createBatchMs !== null) {
      started = performance.now();
      await createSingles(singleConns, n, 's');
      createSingleMs = performance.now() - started;
    }
    for (const c of singleConns) c.close();

    const perBot = (withBots.rss - bare.rss) / n;
    const perPoll = (held.rss - withBots.rss) / n;
    const heapPerPoll = (held.heapUsedKiB - withBots.heapUsedKiB) / n;
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`-- N = ${n} bots and long pollers (getUpdates timeout ${POLL_TIMEOUT_S} s)`);
    console.log(
      `create ${n} bots: batch endpoint ${createBatchMs === null ? 'n/a' : ms(createBatchMs)}, single endpoint over 16 connections ${ms(createSingleMs)}`,
    );
    console.log(
      `${n} pollers connecting at once: all connected after ${ms(connectedMs)}, all ${n} polls held after ${ms(allHeldMs)}`,
    );
    console.log(
      `sandbox memory: bare RSS ${mib(bare.rss)} PSS ${mib(bare.pss)} heap ${mib(bare.heapUsedKiB)}; with ${n} bots RSS ${mib(withBots.rss)} PSS ${mib(withBots.pss)} heap ${mib(withBots.heapUsedKiB)}; with ${n} polls held RSS ${mib(held.rss)} PSS ${mib(held.pss)} heap ${mib(held.heapUsedKiB)}`,
    );
    console.log(
      `per bot ≈ ${perBot.toFixed(1)} KiB RSS, ${((withBots.heapUsedKiB - bare.heapUsedKiB) / n).toFixed(2)} KiB heap; per held poll ≈ ${perPoll.toFixed(1)} KiB RSS, ${heapPerPoll.toFixed(2)} KiB heap; sandbox timers with polls held: ${held.timers}, sockets: ${held.sockets}`,
    );
    console.log(
      `sandbox CPU over ${idleSeconds} s idle with ${n} polls held: ${((idleCpu / idleSeconds) * 100).toFixed(1)} % of a core (${idleAnswers} poll timeouts answered and re-polled, ≈ ${idleAnswers > 0 ? ((idleCpu * 1e6) / idleAnswers).toFixed(0) : '-'} µs each; load generator ${(((gen.user + gen.system) / 1e6 / idleSeconds) * 100).toFixed(1)} %)`,
    );
    console.log(
      `sandbox CPU per poll cycle (timeout, answer, next getUpdates), measured with timeout 1 s over 10 s: ${cyclePerMicros.toFixed(0)} µs (${fastAnswers} cycles); so ${n} bots polling with timeout ${POLL_TIMEOUT_S} s ≈ ${((n / POLL_TIMEOUT_S) * cyclePerMicros * 1e-4).toFixed(2)} % of a core`,
    );
    console.log(
      `user sends → bot k's poller receives, ${samples} samples, ${n} polls held: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${(latencies.at(-1) ?? 0).toFixed(2)} ms; updates reaching another poller: ${strays}; poll errors: ${errors}; sandbox CPU ≈ ${((samplesCpu * 1e6) / samples).toFixed(0)} µs per sample (control send + poll answer + re-poll)`,
    );
    console.log(
      `after closing the ${n} poll sockets: held polls 0 after ${releaseMs.toFixed(0)} ms; sandbox timers ${after.timers}, sockets ${after.sockets} (before the polls: timers ${withBots.timers}, sockets ${withBots.sockets})`,
    );
    return {
      pollers: n,
      createBatchMs,
      createSingleMs,
      rssPerBotKiB: perBot,
      rssPerPollKiB: perPoll,
      heapPerPollKiB: heapPerPoll,
      idleCpuPercent: (idleCpu / idleSeconds) * 100,
      idleCpuPerPollMicros: idleAnswers > 0 ? (idleCpu * 1e6) / idleAnswers : Number.NaN,
      cycleCpuMicros: cyclePerMicros,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
    };
  } finally {
    for (const p of pollers) p.stop();
    control.close();
    server.stop();
  }
}

/** Run the measurement for every N in BENCH_POLLERS and print the figures with the conditions. */
export async function main(): Promise<PollsBenchResult[]> {
  const counts = (process.env.BENCH_POLLERS ?? '1000,3000').split(',').map((x) => Number(x.trim()));
  const samples = Number(process.env.BENCH_SAMPLES ?? 300);
  const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? POLL_TIMEOUT_S);
  if (counts.some((c) => !Number.isInteger(c) || c < 1) || !(samples >= 1) || !(idleSeconds > 0)) {
    throw new Error('BENCH_POLLERS is a comma-separated list of positive integers; BENCH_SAMPLES ≥ 1');
  }
  const cpus = os.cpus();
  console.log(
    `conditions: ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Node ${process.version}, N = ${counts.join(', ')}`,
  );
  const results: PollsBenchResult[] = [];
  for (const n of counts) results.push(await measure(n, Math.min(samples, n), idleSeconds));
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const run = process.argv.includes('--serve') ? serve() : main().then(() => undefined);
  run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
