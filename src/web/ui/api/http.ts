/**
 * The one place the panel talks to the API: JSON in and out, the session cookie sent by the browser, the
 * CSRF token in `x-csrf-token` on every change, and one error type carrying the API's
 * `{ error: { code, message } }`. A request that finds the session gone (401 `unauthenticated`) also tells
 * the session store, which sends the user to the sign-in page.
 */

/** Header and cookie names the API uses (src/web/auth/cookies.ts). */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_COOKIE = 'tgl_csrf';

/** A failed request. `message` is the API's sentence; `code` is its machine code. */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    /** HTTP status, 0 when the server could not be reached. */
    readonly status: number,
    /** The API's error code, `network` (no answer) or `http` (an answer that is not the API's error). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let unauthenticated: (() => void) | null = null;

/** Remember the CSRF token from `/api/me` or a sign-in answer (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request finds the session ended. */
export function onUnauthenticated(handler: () => void): void {
  unauthenticated = handler;
}

function cookieToken(): string | null {
  if (typeof document === 'undefined') return null;
  const pair = document.cookie.split('; ').find((part) => part.startsWith(`${CSRF_COOKIE}=`));
  return pair ? decodeURIComponent(pair.slice(CSRF_COOKIE.length + 1)) : null;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** JSON body. */
  body?: unknown;
  /** Query parameters; undefined, null and '' values are left out. */
  query?: Record<string, string | number | null | undefined>;
  signal?: AbortSignal;
  /** Do not report a 401 to the session store (the session check itself). */
  quiet401?: boolean;
}

/** `/api/...` with its query string. */
export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return `/api${path}${text ? `?${text}` : ''}`;
}

/**
 * Send a request to the API and resolve with its JSON answer (undefined for 204).
 * @throws ApiRequestError for every failure (network, HTTP error, a body that is not JSON)
 */
export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const token = csrfToken ?? cookieToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiRequestError(0, 'network', 'The server could not be reached.');
  }
  if (response.status === 204) return undefined as T;
  const body = await response.json().catch(() => undefined);
  if (response.ok) {
    if (body === undefined) throw new ApiRequestError(response.status, 'http', 'The answer is not JSON.');
    return body as T;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    if (response.status === 401 && error.code === 'unauthenticated' && !options.quiet401) unauthenticated?.();
    throw new ApiRequestError(response.status, error.code, error.message);
  }
  throw new ApiRequestError(response.status, 'http', `HTTP ${response.status}`);
}
