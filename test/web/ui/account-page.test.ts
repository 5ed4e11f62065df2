// @vitest-environment happy-dom
/** The account page: the session list with "sign out" and "sign out everywhere else", and changing the password. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountSession } from '../../../src/web/ui/api/types.ts';
import AccountPage from '../../../src/web/ui/pages/AccountPage.vue';
import { setMe } from '../../../src/web/ui/session.ts';
import { SETTLES } from '../../helpers/wait.ts';
import { mountPanel } from './mount.ts';

const HERE: AccountSession = {
  id: '11111111-1111-4111-8111-111111111111',
  created_at: '2026-11-30T08:00:00.000Z',
  last_seen_at: '2026-12-01T09:00:00.000Z',
  expires_at: '2026-12-08T09:00:00.000Z',
  user_agent: 'Firefox on the laptop',
  address: '198.51.100.7',
  current: true,
};
const PHONE: AccountSession = {
  ...HERE,
  id: '22222222-2222-4222-8222-222222222222',
  user_agent: null,
  address: '203.0.113.9',
  current: false,
};

let sessions: AccountSession[] = [];
const calls: Array<{ key: string; body: unknown }> = [];
let passwordAnswer: { status: number; body: unknown } = { status: 200, body: { sessions_ended: 1 } };

const fetchMock = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
  const key = `${init?.method ?? 'GET'} ${String(url)}`;
  calls.push({ key, body: init?.body ? JSON.parse(String(init.body)) : undefined });
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  if (key === 'GET /api/me/sessions') return json(200, { items: sessions });
  if (key === 'GET /api/me/audit?limit=20') return json(200, { items: [], next_before: null });
  if (key === `DELETE /api/me/sessions/${PHONE.id}`) {
    sessions = sessions.filter((s) => s.id !== PHONE.id);
    return new Response(null, { status: 204 });
  }
  if (key === 'POST /api/me/sessions/sign-out-others') {
    const ended = sessions.filter((s) => !s.current).length;
    sessions = sessions.filter((s) => s.current);
    return json(200, { sessions_ended: ended });
  }
  if (key === 'POST /api/me/password') return json(passwordAnswer.status, passwordAnswer.body);
  return json(404, { error: { code: 'not_found', message: key } });
});
vi.stubGlobal('fetch', fetchMock);

let wrapper: ReturnType<typeof mountPanel> | undefined;
beforeEach(() => {
  sessions = [HERE, PHONE];
  calls.length = 0;
  passwordAnswer = { status: 200, body: { sessions_ended: 1 } };
  setMe({
    id: 1,
    username: 'ann',
    role: 'organiser',
    locale: 'en',
    display_name: null,
    created_at: '2026-11-01T00:00:00.000Z',
    csrf_token: 'csrf',
  });
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

/** Resolves once the page shows the sessions it fetched. */
async function loaded() {
  await vi.waitFor(() => expect(document.body.textContent).toContain('Firefox on the laptop'), SETTLES);
}

async function fill(name: string, value: string) {
  await wrapper!.find(`input[name="${name}"]`).setValue(value);
}

describe('the account page', () => {
  it('lists the sessions, marks this browser, and signs one out', async () => {
    wrapper = mountPanel(AccountPage);
    await loaded();
    const text = document.body.textContent ?? '';
    expect(text).toContain('Where you are signed in');
    expect(text).toContain('Firefox on the laptop');
    expect(text).toContain('this browser');
    expect(text).toContain('unknown browser');
    expect(text).toContain('203.0.113.9');
    expect(wrapper.find(`[data-test="end-${HERE.id}"]`).exists()).toBe(false);

    await wrapper.find(`[data-test="end-${PHONE.id}"]`).trigger('click');
    await vi.waitFor(() => {
      expect(calls.map((c) => c.key)).toContain(`DELETE /api/me/sessions/${PHONE.id}`);
      expect(document.body.textContent).not.toContain('203.0.113.9');
      expect(wrapper!.find('[data-test="sign-out-others"]').attributes('disabled')).toBeDefined();
    }, SETTLES);
  });

  it('signs out everywhere else and says how many', async () => {
    wrapper = mountPanel(AccountPage);
    await loaded();
    await wrapper.find('[data-test="sign-out-others"]').trigger('click');
    await vi.waitFor(() => {
      expect(calls.map((c) => c.key)).toContain('POST /api/me/sessions/sign-out-others');
      expect(document.body.textContent).toContain('Other sessions signed out: 1.');
    }, SETTLES);
  });

  it('checks the new password twice before sending, then changes it', async () => {
    wrapper = mountPanel(AccountPage);
    await loaded();
    await fill('current-password', 'old secret words');
    await fill('new-password', 'violet tractor sings oddly');
    await fill('repeat-password', 'violet tractor sings');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(
      () => expect(document.body.textContent).toContain('The two new passwords differ'),
      SETTLES,
    );
    expect(calls.some((c) => c.key === 'POST /api/me/password')).toBe(false);

    await fill('repeat-password', 'violet tractor sings oddly');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(() => {
      expect(calls.find((c) => c.key === 'POST /api/me/password')?.body).toEqual({
        current_password: 'old secret words',
        new_password: 'violet tractor sings oddly',
      });
      expect(document.body.textContent).toContain('Password changed. Other sessions signed out: 1.');
    }, SETTLES);
  });

  it("shows the server's reason when the new password is too weak", async () => {
    passwordAnswer = {
      status: 422,
      body: {
        error: {
          code: 'password_too_weak',
          message: 'This password is too easy to guess: This is a commonly used password.',
        },
      },
    };
    wrapper = mountPanel(AccountPage);
    await loaded();
    await fill('current-password', 'old secret words');
    await fill('new-password', 'password1234');
    await fill('repeat-password', 'password1234');
    await wrapper.find('form').trigger('submit');
    await vi.waitFor(
      () => expect(document.body.textContent).toContain('This is a commonly used password.'),
      SETTLES,
    );
  });
});
