/** Passwords and sessions of the signed-in account: strength rule, change password, the session list. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/web/auth/passwords.ts';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
});
afterAll(async () => {
  await world?.close();
});

interface SessionItem {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
  address: string | null;
  current: boolean;
}

async function sessionsOf(browser: Browser): Promise<SessionItem[]> {
  const res = await browser.request('GET', '/api/me/sessions');
  expect(res.statusCode).toBe(200);
  return (res.json() as { items: SessionItem[] }).items;
}

describe('the strength rule for new passwords', () => {
  it.each([
    ['password1234', 'commonly used password'],
    ['aaaaaaaaaaaaaaa', 'Repeated characters'],
    ['1qaz2wsx3edc4rfv', 'commonly used password'],
  ])('refuses %j at sign-up saying why and how to fix it', async (password, why) => {
    const res = await new Browser(world.app).register('weak_one', password);
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).code).toBe('password_too_weak');
    expect(errorOf(res).message).toContain('too easy to guess');
    expect(errorOf(res).message.toLowerCase()).toContain(why.toLowerCase());
    const rows = await world.query("select 1 from tenants where username = 'weak_one'");
    expect(rows).toHaveLength(0);
  });

  it('counts the username as a known word', async () => {
    const res = await new Browser(world.app).register('zanzibarquokka', 'zanzibarquokka1');
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).code).toBe('password_too_weak');
  });

  it('accepts a long phrase of unrelated words', async () => {
    expect(
      (await new Browser(world.app).register('strong_one', 'violet tractor sings oddly')).statusCode,
    ).toBe(201);
  });

  it('lets an account with an older, shorter password keep signing in', async () => {
    await signedUp(world.app, 'old_timer');
    await world.query("update tenants set password_hash = ? where username = 'old_timer'", [
      await hashPassword('short8ch'),
    ]);
    expect((await new Browser(world.app).login('old_timer', 'short8ch')).statusCode).toBe(200);
  });
});

describe('POST /api/me/password', () => {
  it('changes the password, ends the other sessions, keeps this one and writes the audit log', async () => {
    const here = await signedUp(world.app, 'changer');
    const elsewhere = new Browser(world.app, '192.0.2.44');
    expect((await elsewhere.login('changer')).statusCode).toBe(200);

    const res = await here.request('POST', '/api/me/password', {
      current_password: 'correct horse battery',
      new_password: 'lantern meadow copper violin',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sessions_ended: 1 });
    expect((await here.request('GET', '/api/me')).statusCode).toBe(200);
    expect((await elsewhere.request('GET', '/api/me')).statusCode).toBe(401);
    expect((await new Browser(world.app).login('changer')).statusCode).toBe(401);
    expect((await new Browser(world.app).login('changer', 'lantern meadow copper violin')).statusCode).toBe(
      200,
    );

    const audit = await world.query<{ action: string; detail: { sessions_ended: number } }>(
      "select a.action, a.detail from audit_events a join tenants t on t.id = a.tenant_id where t.username = 'changer' and a.action = 'tenant.password_changed'",
    );
    expect(audit).toEqual([
      { action: 'tenant.password_changed', detail: expect.objectContaining({ sessions_ended: 1 }) },
    ]);
    expect(JSON.stringify(audit)).not.toContain('lantern');
  });

  it('refuses a wrong current password, a weak or short new one, and a missing CSRF token', async () => {
    const browser = await signedUp(world.app, 'careful');
    const wrong = await browser.request('POST', '/api/me/password', {
      current_password: 'not my password',
      new_password: 'lantern meadow copper violin',
    });
    expect(wrong.statusCode).toBe(401);
    expect(errorOf(wrong)).toEqual({
      code: 'invalid_credentials',
      message: 'The current password is wrong: type it again.',
    });

    const weak = await browser.request('POST', '/api/me/password', {
      current_password: 'correct horse battery',
      new_password: 'password1234',
    });
    expect(weak.statusCode).toBe(422);
    expect(errorOf(weak).code).toBe('password_too_weak');

    const short = await browser.request('POST', '/api/me/password', {
      current_password: 'correct horse battery',
      new_password: 'short pass',
    });
    expect(short.statusCode).toBe(400);
    expect(errorOf(short).message).toContain('new_password: must be at least 12 characters');

    browser.sendCsrf = false;
    const forged = await browser.request('POST', '/api/me/password', {
      current_password: 'correct horse battery',
      new_password: 'lantern meadow copper violin',
    });
    expect(forged.statusCode).toBe(403);
    expect(errorOf(forged).code).toBe('csrf_failed');
    // Still the old password.
    expect((await new Browser(world.app).login('careful')).statusCode).toBe(200);
  });

  it('counts wrong current passwords in the sign-in throttle', async () => {
    const app = await world.another({ loginLimits: { pairFailures: 2, addressFailures: 1000 } });
    const browser = await signedUp(app, 'guessed_session');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await browser.request('POST', '/api/me/password', {
        current_password: `guess ${i}`,
        new_password: 'lantern meadow copper violin',
      });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});

describe('the session list', () => {
  it('lists the sessions with where they signed in, marks the current one, and signs out elsewhere', async () => {
    const laptop = await signedUp(world.app, 'traveller');
    const phone = new Browser(world.app, '192.0.2.10');
    const res = await phone.request(
      'POST',
      '/api/auth/login',
      { username: 'traveller', password: 'correct horse battery' },
      { 'user-agent': 'Phone\u0007Browser/1.0' },
    );
    expect(res.statusCode).toBe(200);
    const tablet = new Browser(world.app, '192.0.2.11');
    expect((await tablet.login('traveller')).statusCode).toBe(200);

    const list = await sessionsOf(laptop);
    expect(list).toHaveLength(3);
    expect(list.filter((s) => s.current)).toHaveLength(1);
    const current = list.find((s) => s.current)!;
    expect(current.address).toBe('127.0.0.1');
    const phoneRow = list.find((s) => s.address === '192.0.2.10')!;
    expect(phoneRow.user_agent).toBe('PhoneBrowser/1.0');
    expect(phoneRow.current).toBe(false);
    for (const s of list) expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    // No session id or id hash in the answer.
    const ids = await world.query<{ id_hash: string }>('select id_hash from sessions');
    const body = JSON.stringify(list);
    for (const { id_hash } of ids) expect(body).not.toContain(id_hash);
    expect(body).not.toContain(laptop.cookies.get('tgl_session')!);

    // End the phone's session.
    expect((await laptop.request('DELETE', `/api/me/sessions/${phoneRow.id}`)).statusCode).toBe(204);
    expect((await phone.request('GET', '/api/me')).statusCode).toBe(401);
    expect((await laptop.request('DELETE', `/api/me/sessions/${phoneRow.id}`)).statusCode).toBe(404);

    // Sign out everywhere else.
    const others = await laptop.request('POST', '/api/me/sessions/sign-out-others');
    expect(others.statusCode).toBe(200);
    expect(others.json()).toEqual({ sessions_ended: 1 });
    expect((await tablet.request('GET', '/api/me')).statusCode).toBe(401);
    expect((await sessionsOf(laptop)).map((s) => s.current)).toEqual([true]);
  });

  it("cannot end another account's session, and says so as for an unknown one", async () => {
    const mine = await signedUp(world.app, 'session_owner');
    const theirs = await signedUp(world.app, 'session_neighbour');
    const [their] = await sessionsOf(theirs);
    const res = await mine.request('DELETE', `/api/me/sessions/${their!.id}`);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe('session_not_found');
    expect((await theirs.request('GET', '/api/me')).statusCode).toBe(200);
    const bad = await mine.request('DELETE', '/api/me/sessions/not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).code).toBe('validation_failed');
  });

  it('ending the current session signs out (cookies cleared)', async () => {
    const browser = await signedUp(world.app, 'self_ender');
    const [only] = await sessionsOf(browser);
    const res = await browser.request('DELETE', `/api/me/sessions/${only!.id}`);
    expect(res.statusCode).toBe(204);
    expect(browser.cookies.has('tgl_session')).toBe(false);
  });

  it('needs a session and the CSRF token', async () => {
    expect((await new Browser(world.app).request('GET', '/api/me/sessions')).statusCode).toBe(401);
    const browser = await signedUp(world.app, 'csrf_sessions');
    browser.sendCsrf = false;
    expect((await browser.request('POST', '/api/me/sessions/sign-out-others')).statusCode).toBe(403);
  });
});
