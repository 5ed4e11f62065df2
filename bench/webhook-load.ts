/**
 * The webhook bench's load generator: a child process (this file, forked with BENCH_WEBHOOK_GENERATOR=1)
 * that POSTs Join `callback_query` updates straight to the web's webhook path over raw keep-alive
 * HTTP/1.1 connections, open or closed loop, and reports per press its status, write time and latencies;
 * and `startGenerator`, the parent's handle on it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
/** Generated presses: user ids and update ids far from the sandbox's own (users from 1, updates from 1e8). */
export const USER_BASE = 7_000_000_000;
export const UPDATE_BASE = 3_000_000_000;

/** One bot as the generator POSTs to it. */
export interface Target {
  path: string;
  secret: string;
  lotteryId: number;
  /** The Join post as a Bot API Message object, JSON. */
  message: string;
  chatInstance: string;
}

type GeneratorMessage =
  | { type: 'init'; port: number; targets: Target[]; connections: number }
  | { type: 'run'; mode: 'open' | 'closed'; rate: number; seconds: number };

export interface GeneratorResult {
  /** The first press's sequence number (user USER_BASE + seq, update UPDATE_BASE + seq, bot seq % bots). */
  first: number;
  count: number;
  /** Per press: the HTTP status, 0 when the connection closed first. */
  status: Int16Array;
  /** Per press: epoch ms when the request was written. */
  sentAt: Float64Array;
  /** Per press: ms from the write to the answer. */
  latency: Float64Array;
  /** Per press: ms from its scheduled time to its write (open loop; 0 in closed loop). */
  lag: Float64Array;
  /** Seconds from the first write to the last answer. */
  elapsedS: number;
}

/** One keep-alive HTTP/1.1 connection, one request at a time; resolves with the status (0 = closed). */
class PostConnection {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: ((status: number) => void) | null = null;
  closed = false;

  constructor(port: number) {
    this.#socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('error', () => {});
    this.#socket.on('close', () => {
      this.closed = true;
      const waiting = this.#waiting;
      this.#waiting = null;
      waiting?.(0);
    });
  }

  send(request: string): Promise<number> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(0);
      this.#waiting = resolve;
      this.#socket.write(request);
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const headerEnd = this.#buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const head = this.#buffer.subarray(0, headerEnd).toString('latin1');
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      const end = headerEnd + 4 + length;
      if (this.#buffer.length < end) return;
      const status = Number(head.slice(9, 12));
      this.#buffer = this.#buffer.subarray(end);
      const waiting = this.#waiting;
      this.#waiting = null;
      waiting?.(status);
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

function runGenerator(): void {
  let port = 0;
  let targets: Target[] = [];
  let connections = 0;
  let seq = 0;
  let pool: PostConnection[] = [];
  const host = () => `127.0.0.1:${port}`;

  /** The POST of press `s`: a user pressing Join on bot `s % bots`'s post. */
  const request = (s: number): string => {
    const t = targets[s % targets.length]!;
    const user = USER_BASE + s;
    const body =
      `{"update_id":${UPDATE_BASE + s},"callback_query":{"id":"${4_000_000_000_000 + s}",` +
      `"from":{"id":${user},"is_bot":false,"first_name":"Bench${s}","last_name":"Webhook","username":"wb${s}",` +
      `"language_code":"en"},"message":${t.message},"chat_instance":"${t.chatInstance}",` +
      `"data":"j:${t.lotteryId}"}}`;
    return (
      `POST ${t.path} HTTP/1.1\r\nhost: ${host()}\r\ncontent-type: application/json\r\n` +
      `x-telegram-bot-api-secret-token: ${t.secret}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    );
  };

  const fresh = () => {
    for (const c of pool) c.close();
    pool = Array.from({ length: connections }, () => new PostConnection(port));
  };

  const run = async (mode: 'open' | 'closed', rate: number, seconds: number): Promise<GeneratorResult> => {
    // The web closes idle keep-alive connections: new ones per run.
    fresh();
    await new Promise((r) => setTimeout(r, 200));
    const first = seq;
    const status: number[] = [];
    const sentAt: number[] = [];
    const latency: number[] = [];
    const lag: number[] = [];
    const t0 = performance.now();
    let lastAnswer = t0;
    const sendOn = async (slot: number, i: number, due: number): Promise<void> => {
      let conn = pool[slot]!;
      if (conn.closed) {
        conn = new PostConnection(port);
        pool[slot] = conn;
      }
      const written = performance.now();
      lag[i] = Math.max(0, written - due);
      sentAt[i] = performance.timeOrigin + written;
      const code = await conn.send(request(first + i));
      const now = performance.now();
      latency[i] = now - written;
      status[i] = code;
      lastAnswer = now;
    };
    if (mode === 'closed') {
      const end = t0 + seconds * 1000;
      let next = 0;
      await Promise.all(
        pool.map(async (_, slot) => {
          while (performance.now() < end) {
            const i = next++;
            await sendOn(slot, i, performance.now());
          }
        }),
      );
      seq += next;
    } else {
      const total = Math.round(rate * seconds);
      seq += total;
      const gap = 1000 / rate;
      const idle = pool.map((_, slot) => slot);
      let next = 0;
      let done = 0;
      await new Promise<void>((resolve) => {
        const pump = () => {
          const now = performance.now();
          while (next < total && idle.length > 0 && t0 + next * gap <= now) {
            const i = next++;
            const slot = idle.pop()!;
            void sendOn(slot, i, t0 + i * gap).then(() => {
              idle.push(slot);
              if (++done === total) {
                clearInterval(timer);
                resolve();
              } else pump();
            });
          }
        };
        const timer = setInterval(pump, 1);
        pump();
      });
    }
    const count = status.length;
    return {
      first,
      count,
      status: Int16Array.from(status),
      sentAt: Float64Array.from(sentAt),
      latency: Float64Array.from(latency),
      lag: Float64Array.from(lag),
      elapsedS: (lastAnswer - t0) / 1000,
    };
  };

  process.on('message', (message: GeneratorMessage) => {
    if (message.type === 'init') {
      ({ port, targets, connections } = message);
      process.send?.({ type: 'ready' });
      return;
    }
    void run(message.mode, message.rate, message.seconds).then((result) =>
      process.send?.({ type: 'result', result }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

export interface Generator {
  pid: number;
  run(mode: 'open' | 'closed', rate: number, seconds: number): Promise<GeneratorResult>;
  close(): void;
}

export async function startGenerator(
  port: number,
  targets: Target[],
  connections: number,
): Promise<Generator> {
  const child: ChildProcess = fork(HERE, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_WEBHOOK_GENERATOR: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { type: string; result?: T }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m.result as T);
      };
      const onExit = () => reject(new Error('the load generator exited'));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = next('ready');
  child.send({ type: 'init', port, targets, connections } satisfies GeneratorMessage);
  await ready;
  return {
    pid: child.pid!,
    run(mode, rate, seconds) {
      const result = next<GeneratorResult>('result');
      child.send({ type: 'run', mode, rate, seconds } satisfies GeneratorMessage);
      return result;
    },
    close: () => child.kill('SIGTERM'),
  };
}

if (process.env.BENCH_WEBHOOK_GENERATOR === '1') runGenerator();
