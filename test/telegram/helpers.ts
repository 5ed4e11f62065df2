/**
 * Test doubles for the seam: a virtual clock (waits end when the test advances time, never by real
 * sleeps) and a scripted fetch that records when each request was made (in virtual time) and answers
 * from a script.
 */
import type { Clock } from '../../src/telegram/index.ts';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/** A clock whose time moves only when {@link VirtualClock.run} moves it. */
export class VirtualClock implements Clock {
  time = 1_000_000;
  private timers: Timer[] = [];
  private seq = 0;

  now = (): number => this.time;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer: Timer = { at: this.time + ms, seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  };

  /** Pending waits. */
  get waiting(): number {
    return this.timers.length;
  }

  /**
   * Let every promise settle, then repeatedly jump to the next wait's end and end it, until nothing waits
   * (or `untilMs` of virtual time from now has passed). Resolves when the system is idle.
   */
  async run(untilMs = Number.POSITIVE_INFINITY): Promise<void> {
    const end = this.time + untilMs;
    for (;;) {
      await settle();
      if (this.timers.length === 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0]!;
      if (next.at > end) {
        this.time = end;
        return;
      }
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
  }
}

/** Let pending promise callbacks (and those they schedule) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** One request the scripted fetch saw. */
export interface SeenRequest {
  method: string;
  body: Record<string, unknown> | undefined;
  /** Virtual time of the request (ms since the clock's start value). */
  at: number;
}

type Answer = { status?: number; json?: unknown; text?: string } | (() => never);

/**
 * A fetch that answers `{ ok: true, result: true }` unless `script(method, body, index)` returns another
 * answer (or throws, for a network error). Records every request with its virtual time.
 */
export function scriptedFetch(
  clock: VirtualClock,
  script: (
    method: string,
    body: Record<string, unknown> | undefined,
    index: number,
  ) => Answer | undefined = () => undefined,
) {
  const start = clock.time;
  const seen: SeenRequest[] = [];
  const doFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const method = String(url).split('/').pop()!;
    const body =
      typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    seen.push({ method, body, at: clock.time - start });
    const scripted = script(method, body, seen.length - 1);
    if (typeof scripted === 'function') scripted();
    const answer = scripted as Exclude<Answer, () => never> | undefined;
    const status = answer?.status ?? 200;
    const text = answer?.text ?? JSON.stringify(answer?.json ?? { ok: true, result: true });
    return { status, text: async () => text } as unknown as Response;
  }) as typeof fetch;
  return {
    fetch: doFetch,
    seen,
    at: (method: string) => seen.filter((r) => r.method === method).map((r) => r.at),
  };
}

/** A realistic-looking token (never a real one). */
export function fakeToken(id = 7000000001): string {
  const secret = `AAH${'x'.repeat(20)}${Math.random().toString(36).slice(2, 14).padEnd(12, 'q')}`;
  return `${id}:${secret}`;
}

/** Telegram's 429 body. */
export function flood(retryAfter: number) {
  return {
    status: 429,
    json: {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    },
  };
}

/** Every string reachable from `value`: own properties (enumerable or not), causes, stacks, nested objects. */
export function reachableStrings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const out: string[] = [];
  for (const key of Reflect.ownKeys(value)) {
    out.push(...reachableStrings((value as Record<PropertyKey, unknown>)[key], seen));
  }
  if (value instanceof Error)
    out.push(String(value.stack), value.message, ...reachableStrings(value.cause, seen));
  return out;
}
