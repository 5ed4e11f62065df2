/**
 * Bot API sandbox benchmark, over loopback HTTP with the sandbox in its own process (as in real use):
 * - sendMessage requests per second: limits off, several concurrent keep-alive connections, HTML text
 *   with an inline keyboard;
 * - getUpdates round trips per second: each round a user writes to the bot (control API) and the bot
 *   fetches that message with getUpdates, confirming the previous offset.
 * The load generator is a minimal keep-alive HTTP/1.1 client on raw sockets (bench/raw-http.ts) so that it costs the
 * machine less than the server it measures.
 * Run: `npx tsx bench/sandbox.ts` (env BENCH_SECONDS, default 5; BENCH_CONCURRENCY, default 16;
 * BENCH_PROF=1 writes a CPU profile of the sandbox process to /tmp/prof; BENCH_TRACE_GC=1 prints its GCs).
 * It also measures a bare Fastify route the same way, the ceiling any Fastify server reaches on this
 * machine at that moment (useful on a shared machine whose load varies).
 * Target: ≥ 5 000 sendMessage/s on a 2-core machine.
 */
import { fork } from 'node:child_process';
import type net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { createSandbox } from '../src/sandbox/index.ts';
import { RawConnection } from './raw-http.ts';

export interface SandboxBenchResult {
  sendMessagePerSecond: number;
  /** Server CPU time per sendMessage, in microseconds (independent of machine load). */
  sendMessageCpuMicros: number;
  getUpdatesPerSecond: number;
  /** A bare Fastify route measured the same way: what this machine allows right now. */
  floorPerSecond: number;
  concurrency: number;
  seconds: number;
}

async function runFor(
  seconds: number,
  workers: number,
  once: (worker: number) => Promise<void>,
): Promise<number> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < deadline) {
        await once(w);
        count++;
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** Start the sandbox in a child process; resolves with its URL and a stop function. */
interface Server {
  url: string;
  stop: () => void;
  /** Server process CPU time used so far, in microseconds. */
  cpu: () => Promise<number>;
}

function startServer(mode: '--serve' | '--floor'): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), [mode], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
      ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : []),
    ],
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('message', (msg) =>
      resolve({
        url: String((msg as { url: string }).url),
        stop: () => child.disconnect(),
        cpu: () =>
          new Promise((res) => {
            child.once('message', (m) => res(Number((m as { cpu: number }).cpu)));
            child.send('cpu');
          }),
      }),
    );
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
}

/** Same process set-up with a bare Fastify route answering a fixed result: the machine's HTTP floor. */
async function serveFloor(): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/*', async () => ({
    ok: true,
    result: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: 'x' },
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ url: `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}` });
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
}

async function serve(): Promise<void> {
  const sandbox = await createSandbox({ limits: { botMessagesPerSecond: 0, chatMessagesPerMinute: 0 } });
  process.send?.({ url: sandbox.url });
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  process.on('disconnect', () => void sandbox.close().then(() => process.exit(0)));
}

async function check(res: Promise<{ status: number; body: Buffer }>, what: string): Promise<Buffer> {
  const { status, body } = await res;
  if (status !== 200) throw new Error(`${what} answered ${status}: ${body.toString()}`);
  return body;
}

/** Requests per second of a bare Fastify route on this machine right now (the ceiling for the sandbox). */
async function measureFloor(seconds: number, concurrency: number): Promise<number> {
  const server = await startServer('--floor');
  const conns = Array.from(
    { length: concurrency },
    () => new RawConnection(Number(new URL(server.url).port)),
  );
  try {
    const once = (w: number) =>
      (conns[w] as RawConnection)
        .request('POST', '/botx/sendMessage', '{"chat_id":1,"text":"x"}')
        .then(() => undefined);
    await runFor(1, concurrency, once);
    return await runFor(seconds, concurrency, once);
  } finally {
    for (const c of conns) c.close();
    server.stop();
  }
}

/** Run both measurements and print them; returns the figures. */
export async function main(): Promise<SandboxBenchResult> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const floor = await measureFloor(seconds, concurrency);
  const server = await startServer('--serve');
  const port = Number(new URL(server.url).port);
  const conns = Array.from({ length: concurrency }, () => new RawConnection(port));
  const control = (i: number, path: string, body: unknown) =>
    check((conns[i] as RawConnection).request('POST', `/_sandbox${path}`, JSON.stringify(body)), path).then(
      (b) => JSON.parse(b.toString()) as Record<string, unknown>,
    );
  try {
    const user = await control(0, '/users', { first_name: 'Bench' });
    const bots: Array<{ id: number; token: string }> = [];
    for (let i = 0; i < concurrency; i++) {
      const bot = await control(0, '/bots', { username: `bench_${i}_bot` });
      bots.push({ id: Number(bot.id), token: String(bot.token) });
      await control(0, `/users/${user.id}/start`, { bot_id: bot.id });
    }
    const sendBody = JSON.stringify({
      chat_id: user.id,
      text: '<b>Giveaway</b> — tap to join 🎁',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: 'j:42' }]] },
    });
    const send = (w: number) =>
      check(
        (conns[w] as RawConnection).request('POST', `/bot${bots[w]?.token}/sendMessage`, sendBody),
        'sendMessage',
      );
    await runFor(1, concurrency, (w) => send(w).then(() => undefined));
    const cpuBefore = await server.cpu();
    let sent = 0;
    const sendMessagePerSecond = await runFor(seconds, concurrency, (w) => send(w).then(() => void sent++));
    const cpuPerSend = ((await server.cpu()) - cpuBefore) / sent;

    const offsets = bots.map(() => 0);
    const getUpdatesPerSecond = await runFor(seconds, concurrency, async (w) => {
      const conn = conns[w] as RawConnection;
      const bot = bots[w] as { id: number; token: string };
      await check(
        conn.request(
          'POST',
          `/_sandbox/users/${user.id}/send`,
          JSON.stringify({ chat_id: bot.id, text: 'hi' }),
        ),
        'send',
      );
      const body = await check(
        conn.request(
          'POST',
          `/bot${bot.token}/getUpdates`,
          JSON.stringify({ offset: offsets[w], timeout: 5 }),
        ),
        'getUpdates',
      );
      const updates = (JSON.parse(body.toString()) as { result: Array<{ update_id: number }> }).result;
      offsets[w] = (updates.at(-1)?.update_id ?? 0) + 1;
    });

    console.log(
      `sandbox sendMessage: ${Math.round(sendMessagePerSecond)} req/s (${concurrency} keep-alive connections, limits off)`,
    );
    console.log(
      `sandbox server CPU per sendMessage: ${cpuPerSend.toFixed(0)} µs (≈ ${Math.round(1e6 / cpuPerSend)} req/s per fully used core)`,
    );
    console.log(
      `bare Fastify route, same client, same moment: ${Math.round(floor)} req/s (this machine's ceiling)`,
    );
    console.log(
      `sandbox getUpdates round trips: ${Math.round(getUpdatesPerSecond)} /s (user message + getUpdates, ${concurrency} bots)`,
    );
    return {
      sendMessagePerSecond,
      sendMessageCpuMicros: cpuPerSend,
      getUpdatesPerSecond,
      floorPerSecond: floor,
      concurrency,
      seconds,
    };
  } finally {
    for (const c of conns) c.close();
    server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const run = process.argv.includes('--serve')
    ? serve()
    : process.argv.includes('--floor')
      ? serveFloor()
      : main().then(() => undefined);
  run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
