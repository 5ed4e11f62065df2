/**
 * One POST and its whole answer, the only HTTP the seam does. By default through `node:http` / `node:https`
 * with one keep-alive agent each for the process: a bot host keeps hundreds of long polls open, and
 * measured with 500 idle bots polling in one process this costs about a third of the CPU and 90 MiB less
 * memory than the global `fetch` (undici's Request, Headers, web streams and AbortSignals per request).
 * Tests may inject a `fetch` instead ({@link postWithFetch}); both fail the same three ways.
 *
 * Nothing of a network error is kept but its `code` ({@link networkReason}): the URL holds the token.
 */
import http from 'node:http';
import https from 'node:https';
import { networkReason } from './errors.ts';

/** One Bot API request: where, what, and how long to wait for the whole answer. */
export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole answer must have arrived within this (ms). */
  timeoutMs: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
}

/** An answer: its HTTP status and body, whatever the status. */
export interface PostAnswer {
  status: number;
  text: string;
}

/** No answer: the timeout passed, the caller aborted, or the connection failed (`reason` is token-free). */
export class PostFailure extends Error {
  override name = 'PostFailure';
  constructor(
    readonly kind: 'timeout' | 'aborted' | 'network',
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Sends one request; resolves with the answer or rejects with a {@link PostFailure}. */
export type Post = (request: PostRequest) => Promise<PostAnswer>;

/** The part of `fetch` the seam uses (the global fetch is one). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/** The longest answer read (bytes): far above any Bot API answer, low enough that a rogue one cannot fill memory. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

// LIFO reuse keeps the fewest sockets warm when requests come in bursts.
const httpAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
const httpsAgent = new https.Agent({ keepAlive: true, scheduling: 'lifo' });

/** {@link Post} over `node:http(s)` with the process's keep-alive agents. */
export const httpPost: Post = (request) =>
  new Promise<PostAnswer>((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) {
      reject(new PostFailure('aborted', 'cancelled before it was sent'));
      return;
    }
    const secure = request.url.startsWith('https:');
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (kind: PostFailure['kind'], reason: string) => {
      settle(() => reject(new PostFailure(kind, reason)));
      req.destroy();
    };
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    const req = (secure ? https : http).request(
      request.url,
      { method: 'POST', headers, agent: secure ? httpsAgent : httpAgent },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) fail('network', `an answer over ${MAX_ANSWER_BYTES} bytes`);
          else chunks.push(chunk);
        });
        res.on('end', () =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          ),
        );
        res.on('error', (err) => fail('network', networkReason(err)));
        res.on('close', () => {
          if (!res.complete) fail('network', 'network error: the connection closed mid-answer');
        });
      },
    );
    const timer = setTimeout(() => fail('timeout', 'no answer in time'), request.timeoutMs);
    const onAbort = () => fail('aborted', 'cancelled by the caller');
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => fail('network', networkReason(err)));
    req.end(request.body);
  });

/** {@link Post} through a `fetch` (tests inject scripted ones), with the same failures as {@link httpPost}. */
export function postWithFetch(doFetch: FetchLike): Post {
  return async (request) => {
    const { signal } = request;
    if (signal?.aborted) throw new PostFailure('aborted', 'cancelled before it was sent');
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    try {
      const response = await doFetch(request.url, {
        method: 'POST',
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: combined,
      });
      return { status: response.status, text: await response.text() };
    } catch (err) {
      if (signal?.aborted) throw new PostFailure('aborted', 'cancelled by the caller');
      if (timeout.aborted) throw new PostFailure('timeout', 'no answer in time');
      throw new PostFailure('network', networkReason(err));
    }
  };
}
