/**
 * The signed-in account, shared by every page: loaded once from `GET /api/me` at start, set by sign-in and
 * sign-up, cleared by sign-out or when a request finds the session ended. Keeps the CSRF token for the
 * HTTP client.
 */
import { reactive } from 'vue';
import { authApi } from './api/endpoints.ts';
import { ApiRequestError, setCsrfToken } from './api/http.ts';
import type { Me } from './api/types.ts';

export const session = reactive({
  me: null as Me | null,
  /** True once the first `/api/me` answered (signed in or not). */
  checked: false,
  /** True while the API cannot be reached to check the session. */
  unreachable: false,
});

/** Make `me` the signed-in account (or nobody). */
export function setMe(me: Me | null): void {
  session.me = me;
  setCsrfToken(me?.csrf_token ?? null);
}

/**
 * Ask the API who is signed in (once; `force` asks again).
 * @throws ApiRequestError when the API cannot answer (not for "nobody is signed in")
 */
export async function checkSession(force = false): Promise<Me | null> {
  if (session.checked && !force) return session.me;
  try {
    setMe(await authApi.me());
  } catch (err) {
    if (!(err instanceof ApiRequestError && err.status === 401)) throw err;
    setMe(null);
  }
  session.checked = true;
  return session.me;
}

/** End the session on the server (best effort) and forget it here. */
export async function signOut(): Promise<void> {
  try {
    await authApi.logout();
  } finally {
    setMe(null);
  }
}

export const isAdmin = () => session.me?.role === 'admin';
