/**
 * Every API call the panel makes, one typed function each. Each answer's and body's type is the API's own
 * (types.ts, from the generated schema.gen.ts), looked up by the route's OpenAPI path and method, so a
 * route that is renamed, or answers or takes another shape, breaks the panel's type check here.
 */
import { request } from './http.ts';
import type { Answer, CreateLotteryBody, LotteryBody, LotteryStatus, Query, RequestBody } from './types.ts';

export const authApi = {
  options: () => request<Answer<'/api/auth/options', 'get'>>('GET', '/auth/options'),
  me: () => request<Answer<'/api/me', 'get'>>('GET', '/me', { quiet401: true }),
  login: (body: RequestBody<'/api/auth/login', 'post'>) =>
    request<Answer<'/api/auth/login', 'post'>>('POST', '/auth/login', { body, quiet401: true }),
  register: (body: RequestBody<'/api/auth/register', 'post'>) =>
    request<Answer<'/api/auth/register', 'post'>>('POST', '/auth/register', { body }),
  logout: () => request<void>('POST', '/auth/logout', { quiet401: true }),
};

export const accountApi = {
  changePassword: (body: RequestBody<'/api/me/password', 'post'>) =>
    request<Answer<'/api/me/password', 'post'>>('POST', '/me/password', { body }),
  sessions: () => request<Answer<'/api/me/sessions', 'get'>>('GET', '/me/sessions'),
  endSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),
  signOutOthers: () =>
    request<Answer<'/api/me/sessions/sign-out-others', 'post'>>('POST', '/me/sessions/sign-out-others'),
  /** The account's own security events, newest first. */
  audit: (query: Query<'/api/me/audit', 'get'>) =>
    request<Answer<'/api/me/audit', 'get'>>('GET', '/me/audit', { query }),
};

export const botApi = {
  get: () => request<Answer<'/api/bot', 'get'>>('GET', '/bot'),
  put: (body: RequestBody<'/api/bot', 'put'>) => request<Answer<'/api/bot', 'put'>>('PUT', '/bot', { body }),
  restart: () => request<Answer<'/api/bot/restart', 'post'>>('POST', '/bot/restart'),
  remove: () => request<void>('DELETE', '/bot'),
};

/** A page of a lottery's entries (GET /api/lotteries/:id/entries). */
export type EntryPage = Answer<'/api/lotteries/{id}/entries', 'get'>;

export const lotteryApi = {
  list: (status?: LotteryStatus) =>
    request<Answer<'/api/lotteries', 'get'>>('GET', '/lotteries', { query: { status } }),
  get: (id: number) => request<Answer<'/api/lotteries/{id}', 'get'>>('GET', `/lotteries/${id}`),
  /**
   * Takes what the edit form emits (a {@link LotteryBody}); lottery/form-body.ts builds it as a
   * {@link CreateLotteryBody}, so the fields `POST` needs are checked there.
   */
  create: (body: LotteryBody) => request<Answer<'/api/lotteries', 'post'>>('POST', '/lotteries', { body }),
  update: (id: number, body: LotteryBody) =>
    request<Answer<'/api/lotteries/{id}', 'patch'>>('PATCH', `/lotteries/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/lotteries/${id}`),
  publish: (id: number) =>
    request<Answer<'/api/lotteries/{id}/publish', 'post'>>('POST', `/lotteries/${id}/publish`),
  cancel: (id: number) =>
    request<Answer<'/api/lotteries/{id}/cancel', 'post'>>('POST', `/lotteries/${id}/cancel`),
  draw: (id: number) => request<Answer<'/api/lotteries/{id}/draw', 'post'>>('POST', `/lotteries/${id}/draw`),
  reroll: (id: number, body: RequestBody<'/api/lotteries/{id}/reroll', 'post'>) =>
    request<Answer<'/api/lotteries/{id}/reroll', 'post'>>('POST', `/lotteries/${id}/reroll`, { body }),
  entries: (id: number, query: Query<'/api/lotteries/{id}/entries', 'get'>) =>
    request<EntryPage>('GET', `/lotteries/${id}/entries`, { query }),
  winners: (id: number) =>
    request<Answer<'/api/lotteries/{id}/winners', 'get'>>('GET', `/lotteries/${id}/winners`),
  /** The public draw proof (no session needed); shaped by drawProofSchema on the proof page. */
  proof: (id: number) => request<unknown>('GET', `/lotteries/${id}/proof`, { quiet401: true }),
  /** Where the browser downloads the entries as CSV (a plain link: the session cookie goes along). */
  entriesCsvUrl: (id: number) => `/api/lotteries/${id}/entries.csv`,
  proofUrl: (id: number) => `/api/lotteries/${id}/proof`,
};

export const chatApi = {
  list: () => request<Answer<'/api/chats', 'get'>>('GET', '/chats'),
};

export const adminApi = {
  tenants: (query: Query<'/api/admin/tenants', 'get'>) =>
    request<Answer<'/api/admin/tenants', 'get'>>('GET', '/admin/tenants', { query }),
  disable: (id: number) =>
    request<Answer<'/api/admin/tenants/{id}/disable', 'post'>>('POST', `/admin/tenants/${id}/disable`),
  enable: (id: number) =>
    request<Answer<'/api/admin/tenants/{id}/enable', 'post'>>('POST', `/admin/tenants/${id}/enable`),
  invite: () => request<Answer<'/api/admin/invites', 'post'>>('POST', '/admin/invites'),
  /** The supervisor nodes seen in the last day, newest first, each live, stopping or lost. */
  nodes: () => request<Answer<'/api/admin/nodes', 'get'>>('GET', '/admin/nodes'),
  /** The audit log, newest first; `action` is one action or a group ending with "." (`auth.`). */
  audit: (query: Query<'/api/admin/audit', 'get'>) =>
    request<Answer<'/api/admin/audit', 'get'>>('GET', '/admin/audit', { query }),
};
