// @vitest-environment happy-dom
/**
 * Every page of the panel renders against a fake API (the answers of docs/api-lotteries.md and the
 * account/bot routes), without a Vue warning, and shows what it is for. Pages that need a session send a
 * stranger to the sign-in page; the proof page needs none.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDrawProof } from '../../../src/lottery/fairness/draw.ts';
import App from '../../../src/web/ui/App.vue';
import type { Bot, Me } from '../../../src/web/ui/api/types.ts';
import { installElement } from '../../../src/web/ui/element.ts';
import { i18n, setLocale } from '../../../src/web/ui/i18n/index.ts';
import { createPanelRouter } from '../../../src/web/ui/router.ts';
import { session, setMe } from '../../../src/web/ui/session.ts';
import { SETTLES } from '../../helpers/wait.ts';
import { CHATS, lottery } from './fixtures.ts';

const ME: Me = {
  id: 1,
  username: 'ann',
  role: 'admin',
  locale: 'en',
  display_name: null,
  created_at: '2026-11-01T00:00:00.000Z',
  csrf_token: 'csrf',
};
const BOT: Bot = {
  username: 'ann_giveaway_bot',
  bot_id: 42,
  enabled: true,
  token_hint: '…wxyz',
  updated_at: '2026-11-01T00:00:00.000Z',
  restart_requested_at: null,
  status: {
    state: 'stopped',
    reason: 'invalid-token',
    detail: null,
    since: '2026-11-29T10:00:00.000Z',
    restarts: 0,
    reported_at: '2026-11-29T10:00:00.000Z',
    polling_failing_since: null,
    polling_error_code: null,
    isolation_reason: null,
    host_id: null,
  },
};
const OPEN = lottery({
  id: 1,
  status: 'open',
  title: 'Open one',
  entry_count: 37,
  commitment: 'ab'.repeat(32),
});
const DRAWN = lottery({ id: 2, status: 'drawn', title: 'Drawn one', drawn_at: '2026-11-28T00:00:00.000Z' });
const PROOF = createDrawProof({
  lotteryId: 2,
  seed: Uint8Array.from({ length: 32 }, (_, i) => i),
  userIds: [1000, 1003, 1006],
  prizes: [{ prizeId: 3, name: 'AirPods', quantity: 2 }],
});

let signedIn = true;
const routes: Record<string, () => unknown> = {
  'GET /api/me': () => (signedIn ? ME : 401),
  'GET /api/bot': () => BOT,
  'GET /api/lotteries': () => ({ items: [OPEN, DRAWN] }),
  'GET /api/lotteries?status=open': () => ({ items: [OPEN] }),
  'GET /api/lotteries?status=drawn': () => ({ items: [DRAWN] }),
  'GET /api/lotteries/1': () => OPEN,
  'GET /api/lotteries/2': () => DRAWN,
  'GET /api/lotteries/1/entries?limit=50': () => ({
    items: [
      {
        id: 1,
        user_id: 777,
        first_name: 'Bo',
        last_name: null,
        username: 'bo',
        source: 'button',
        joined_at: '2026-11-28T00:00:00.000Z',
      },
    ],
    next_cursor: null,
    total: 1,
  }),
  'GET /api/lotteries/2/entries?limit=50': () => ({ items: [], next_cursor: null, total: 0 }),
  'GET /api/lotteries/2/winners': () => ({
    items: [
      {
        id: 5,
        position: 1,
        prize: { id: 3, name: 'AirPods' },
        user: { id: 1003, first_name: 'Cy', last_name: null, username: null },
        status: 'active',
        replaced_reason: null,
        delivery: { status: 'blocked', error: 'Forbidden: bot was blocked by the user', delivered_at: null },
      },
    ],
  }),
  'GET /api/lotteries/2/proof': () => PROOF,
  'GET /api/chats': () => ({ items: CHATS }),
  'GET /api/auth/options': () => ({ registration: 'invite' }),
  'GET /api/me/sessions': () => ({
    items: [
      {
        id: '11111111-1111-4111-8111-111111111111',
        created_at: '2026-11-30T08:00:00.000Z',
        last_seen_at: '2026-12-01T09:00:00.000Z',
        expires_at: '2026-12-08T09:00:00.000Z',
        user_agent: 'Firefox on the laptop',
        address: '198.51.100.7',
        current: true,
      },
    ],
  }),
  'GET /api/me/audit?limit=20': () => ({
    items: [
      {
        id: 3,
        at: '2026-12-01T09:00:00.000Z',
        tenant_id: 1,
        tenant_name: 'ann',
        actor: 'system',
        action: 'auth.throttled',
        subject: 'tenant:1',
        detail: { scope: 'account_address', address: '203.0.113.66', failures: 3, delay_s: 4 },
      },
    ],
    next_before: null,
  }),
  'GET /api/admin/audit?limit=50': () => ({
    items: [
      {
        id: 2,
        at: '2026-12-01T09:00:00.000Z',
        tenant_id: 2,
        tenant_name: 'bob',
        actor: 'tenant:2',
        action: 'auth.signed_in',
        subject: 'tenant:2',
        detail: { address: '198.51.100.7' },
      },
    ],
    next_before: null,
  }),
  'GET /api/admin/nodes': () => ({
    items: [
      {
        node_id: 'node-east:4242:ab12cd',
        name: 'node-east',
        pid: 4242,
        started_at: '2026-12-01T08:00:00.000Z',
        heartbeat_at: '2026-12-01T09:30:00.000Z',
        state: 'live',
        bots: 7,
      },
    ],
  }),
  'GET /api/admin/tenants?limit=50&offset=0': () => ({
    total: 2,
    items: [
      {
        id: 2,
        username: 'bob',
        role: 'organiser',
        disabled: false,
        created_at: '2026-11-01T00:00:00.000Z',
        bot: null,
      },
      {
        id: 3,
        username: 'cy',
        role: 'organiser',
        disabled: false,
        created_at: '2026-11-02T00:00:00.000Z',
        bot: {
          username: 'cy_bot',
          enabled: true,
          state: 'isolated',
          reason: null,
          isolation_reason: 'event-loop-blocked',
          host_id: '4',
        },
      },
    ],
  }),
};

const fetchMock = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
  const key = `${init?.method ?? 'GET'} ${String(url)}`;
  const handler = routes[key];
  const body = handler ? handler() : 404;
  if (typeof body === 'number') {
    const code = body === 401 ? 'unauthenticated' : 'not_found';
    return new Response(JSON.stringify({ error: { code, message: `fake ${code}: ${key}` } }), {
      status: body,
    });
  }
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
});
vi.stubGlobal('fetch', fetchMock);

const warnings: string[] = [];
let wrapper: ReturnType<typeof mount> | undefined;

beforeEach(() => {
  warnings.length = 0;
  vi.spyOn(console, 'warn').mockImplementation((...args) => warnings.push(args.map(String).join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args) => warnings.push(args.map(String).join(' ')));
  signedIn = true;
  setMe(null);
  session.checked = false;
  setLocale('en');
});

afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
  vi.restoreAllMocks();
});

async function open(path: string) {
  const router = createPanelRouter();
  await router.push(path);
  await router.isReady();
  wrapper = mount(App, {
    attachTo: document.body,
    global: { plugins: [i18n, router, { install: installElement }] },
  });
  return { router, text: () => document.body.textContent ?? '' };
}

describe('pages', () => {
  it.each([
    ['/', ['Dashboard', 'Telegram rejected the token', 'Open one', '37 entries', 'Drawn one']],
    ['/bot', ['Bot token', '…wxyz', 'Get the current token from @BotFather', 'Restart bot']],
    ['/lotteries', ['Open one', 'Drawn one', 'All']],
    ['/lotteries?status=open', ['Open one']],
    ['/lotteries/new', ['Title', 'Post preview', 'Save as draft']],
    ['/lotteries/1', ['Open one', 'Draw now', 'Cancel lottery', '37', 'Bo (@bo)', 'Export CSV']],
    ['/lotteries/1/edit', ['This lottery is open', 'Post preview']],
    ['/lotteries/2', ['Drawn one', 'Cy', 'blocked the bot', 'Forbidden: bot was blocked', 'Reroll selected']],
    [
      '/admin',
      [
        'bob',
        'no bot',
        'Disable',
        'New invite code',
        'Audit log',
        'Signed in',
        'Running on its own',
        'bot host 4, its own (event-loop-blocked)',
        'Supervisor nodes',
        'node-east',
      ],
    ],
    [
      '/account',
      [
        'Change password',
        'Firefox on the laptop',
        'this browser',
        'Sign out everywhere else',
        'Recent security events',
        '203.0.113.66',
      ],
    ],
    ['/nowhere', ['Page not found']],
  ])('%s', async (path, expected) => {
    const { text } = await open(path);
    await vi.waitFor(() => {
      for (const part of expected) expect(text()).toContain(part);
    }, SETTLES);
    expect(warnings).toEqual([]);
  });

  it('sends a stranger to sign-in, then back', async () => {
    signedIn = false;
    const { router, text } = await open('/bot');
    await vi.waitFor(() => {
      expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/bot');
      expect(text()).toContain('Sign in to tg-lottery');
    }, SETTLES);
    expect(warnings).toEqual([]);
  });

  it('shows the invite field when sign-up needs one', async () => {
    signedIn = false;
    const { text } = await open('/register');
    await vi.waitFor(() => expect(text()).toContain('Invite code'), SETTLES);
    expect(warnings).toEqual([]);
  });

  it('verifies a proof in the browser without a session', async () => {
    signedIn = false;
    const { text } = await open('/proof/2');
    await vi.waitFor(() => expect(text()).toContain(PROOF.commitment), SETTLES);
    await wrapper!.find('[data-test="verify"]').trigger('click');
    await vi.waitFor(() => {
      expect(wrapper!.find('[data-test="verify-result"]').text()).toContain('MATCH');
      expect(wrapper!.findAll('[data-test="verify-check"]')).toHaveLength(9);
    }, SETTLES);
    expect(warnings).toEqual([]);
  });

  it('switches the language, Element Plus included', async () => {
    const { text } = await open('/lotteries');
    await vi.waitFor(() => expect(text()).toContain('Drawn one'), SETTLES); // the page has its lotteries
    setLocale('zh-CN');
    await flushPromises();
    expect(text()).toContain('抽奖');
    expect(i18n.global.locale.value).toBe('zh-CN');
    expect(localStorage.getItem('tg-lottery.locale')).toBe('zh-CN');
  });
});
