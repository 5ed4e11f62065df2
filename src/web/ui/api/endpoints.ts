/** Every API call the panel makes, one typed function each (see api/types.ts for the shapes). */
import { request } from './http.ts';
import type {
  AccountSession,
  AuditPage,
  Bot,
  Chat,
  Entry,
  Lottery,
  LotteryBody,
  LotteryStatus,
  Me,
  Page,
  RegistrationMode,
  TenantItem,
  Winner,
} from './types.ts';

export const authApi = {
  options: () => request<{ registration: RegistrationMode }>('GET', '/auth/options'),
  me: () => request<Me>('GET', '/me', { quiet401: true }),
  login: (body: { username: string; password: string }) =>
    request<Me>('POST', '/auth/login', { body, quiet401: true }),
  register: (body: { username: string; password: string; invite?: string }) =>
    request<Me>('POST', '/auth/register', { body }),
  logout: () => request<void>('POST', '/auth/logout', { quiet401: true }),
};

export const accountApi = {
  changePassword: (body: { current_password: string; new_password: string }) =>
    request<{ sessions_ended: number }>('POST', '/me/password', { body }),
  sessions: () => request<{ items: AccountSession[] }>('GET', '/me/sessions'),
  endSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),
  signOutOthers: () => request<{ sessions_ended: number }>('POST', '/me/sessions/sign-out-others'),
  /** The account's own security events, newest first. */
  audit: (query: { limit: number; before?: number | null }) =>
    request<AuditPage>('GET', '/me/audit', { query }),
};

export const botApi = {
  get: () => request<Bot>('GET', '/bot'),
  put: (body: { token?: string; enabled?: boolean }) => request<Bot>('PUT', '/bot', { body }),
  restart: () => request<{ restart_requested_at: string }>('POST', '/bot/restart'),
  remove: () => request<void>('DELETE', '/bot'),
};

export interface EntryPage {
  items: Entry[];
  next_cursor: string | null;
  total: number;
}

export const lotteryApi = {
  list: (status?: LotteryStatus) => request<Page<Lottery>>('GET', '/lotteries', { query: { status } }),
  get: (id: number) => request<Lottery>('GET', `/lotteries/${id}`),
  create: (body: LotteryBody) => request<Lottery>('POST', '/lotteries', { body }),
  update: (id: number, body: LotteryBody) => request<Lottery>('PATCH', `/lotteries/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/lotteries/${id}`),
  publish: (id: number) => request<Lottery>('POST', `/lotteries/${id}/publish`),
  cancel: (id: number) => request<Lottery>('POST', `/lotteries/${id}/cancel`),
  draw: (id: number) => request<Lottery>('POST', `/lotteries/${id}/draw`),
  reroll: (id: number, body: { winner_ids: number[]; reason: string }) =>
    request<Page<Winner>>('POST', `/lotteries/${id}/reroll`, { body }),
  entries: (id: number, query: { query?: string; cursor?: string | null; limit?: number }) =>
    request<EntryPage>('GET', `/lotteries/${id}/entries`, { query }),
  winners: (id: number) => request<Page<Winner>>('GET', `/lotteries/${id}/winners`),
  /** The public draw proof (no session needed); shaped by drawProofSchema on the proof page. */
  proof: (id: number) => request<unknown>('GET', `/lotteries/${id}/proof`, { quiet401: true }),
  /** Where the browser downloads the entries as CSV (a plain link: the session cookie goes along). */
  entriesCsvUrl: (id: number) => `/api/lotteries/${id}/entries.csv`,
  proofUrl: (id: number) => `/api/lotteries/${id}/proof`,
};

export const chatApi = {
  list: () => request<Page<Chat>>('GET', '/chats'),
};

export const adminApi = {
  tenants: (query: { limit: number; offset: number }) =>
    request<{ total: number; items: TenantItem[] }>('GET', '/admin/tenants', { query }),
  disable: (id: number) => request<TenantItem>('POST', `/admin/tenants/${id}/disable`),
  enable: (id: number) => request<TenantItem>('POST', `/admin/tenants/${id}/enable`),
  invite: () => request<{ code: string; expires_at: string }>('POST', '/admin/invites'),
  /** The audit log, newest first; `action` is one action or a group ending with "." (`auth.`). */
  audit: (query: { limit: number; before?: number | null; action?: string; tenant_id?: number }) =>
    request<AuditPage>('GET', '/admin/audit', { query }),
};
