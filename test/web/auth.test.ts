import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTenant } from '../helpers/factories/index.ts';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
  // The installation already has its admin, so every sign-up below is an organiser, whatever the order.
  await makeTenant(world.db, { role: 'admin' });
});
afterAll(async () => {
  await world?.close();
});

async function tenantCount(): Promise<number> {
  const rows = await world.query<{ n: number }>('select count(*)::int as n from tenants');
  return rows[0]!.n;
}

describe('POST /api/auth/register', () => {
  it('creates the first account as admin, later ones as organisers, and signs them in', async () => {
    const fresh = await createWebWorld(); // an installation without any account yet
    try {
      const first = new Browser(fresh.app);
      const res = await first.register('Founder');
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ username: 'Founder', role: 'admin', display_name: null });
      expect(res.json().csrf_token).toBe(first.csrf);

      const session = res.cookies.find((c) => c.name === 'tgl_session')!;
      expect(session.httpOnly).toBe(true);
      expect(session.sameSite).toBe('Lax');
      expect(session.path).toBe('/');
      expect(session.secure).toBeFalsy();
      const csrf = res.cookies.find((c) => c.name === 'tgl_csrf')!;
      expect(csrf.httpOnly).toBeFalsy();

      const second = await signedUp(fresh.app, 'organiser_2');
      const me = await second.request('GET', '/api/me');
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: 'organiser_2', role: 'organiser' });
    } finally {
      await fresh.close();
    }
  });

  it('stores an argon2id hash with OWASP parameters, never the password', async () => {
    await signedUp(world.app, 'hash_check');
    const rows = await world.query<{ password_hash: string }>(
      "select password_hash from tenants where username = 'hash_check'",
    );
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0]!.password_hash).not.toContain('correct horse');
  });

  it('answers 409 for a username taken in another case, and stores nothing', async () => {
    await signedUp(world.app, 'CaseUser');
    const before = await tenantCount();
    const res = await new Browser(world.app).register('caseuser');
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).code).toBe('username_taken');
    expect(await tenantCount()).toBe(before);
  });

  it.each([
    [{ password: 'long enough pw' }, 'username is required'],
    [{ username: 'valid_name' }, 'password is required'],
    [{ username: 42, password: 'long enough pw' }, 'username: invalid input: expected string'],
    [{ username: 'ab', password: 'long enough pw' }, 'username: must be at least 3 characters'],
    [{ username: 'x'.repeat(33), password: 'long enough pw' }, 'username: must be at most 32 characters'],
    [{ username: 'bad name!', password: 'long enough pw' }, 'username: may contain only'],
    [{ username: 'valid_name', password: 'elevenchars' }, 'password: must be at least 12 characters'],
    [{ username: 'valid_name', password: 'p'.repeat(257) }, 'password: must be at most 256 characters'],
    [{ username: 'valid_name', password: 'long enough pw', admin: true }, 'unknown field: admin'],
    [[], 'the request body: invalid input: expected object, received array'],
    ['"text"', 'the request body: invalid input: expected object'],
  ])('answers 400 naming the field for %j, and stores nothing', async (body, message) => {
    const before = await tenantCount();
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('validation_failed');
    expect(errorOf(res).message).toContain(message);
    expect(await tenantCount()).toBe(before);
  });

  it('answers 400 invalid_json with where it broke, for malformed JSON', async () => {
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "x", "password": }',
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toEqual({
      code: 'invalid_json',
      message: "The request body is not valid JSON: unexpected '}'.",
    });
  });

  it('answers 400 for a missing body', async () => {
    const res = await world.app.inject({ method: 'POST', url: '/api/auth/register' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toContain('the request body is required');
  });
});

describe('POST /api/auth/login and /logout, GET /api/me', () => {
  it('signs in with the right password (username case-insensitive) and out again', async () => {
    await signedUp(world.app, 'LoginUser');
    const browser = new Browser(world.app);
    const res = await browser.login('loginuser');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'LoginUser', role: 'organiser' });
    expect((await browser.request('GET', '/api/me')).statusCode).toBe(200);

    const sessionId = browser.cookies.get('tgl_session')!;
    const out = await browser.request('POST', '/api/auth/logout');
    expect(out.statusCode).toBe(204);
    expect(browser.cookies.has('tgl_session')).toBe(false);

    // The old cookie no longer works, even if a client kept it.
    const replay = await world.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: `tgl_session=${sessionId}` },
    });
    expect(replay.statusCode).toBe(401);
    expect(errorOf(replay).code).toBe('unauthenticated');
  });

  it('stores only a hash of the session id', async () => {
    const browser = await signedUp(world.app, 'session_hash');
    const sessionId = browser.cookies.get('tgl_session')!;
    const rows = await world.query<{ id_hash: string }>('select id_hash from sessions');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id_hash === sessionId)).toBe(false);
  });

  it('answers 401 for a wrong password and for an unknown user, with the same message', async () => {
    await signedUp(world.app, 'wrong_pw');
    const wrong = await new Browser(world.app).login('wrong_pw', 'not the password');
    const unknown = await new Browser(world.app).login('nobody_here', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(errorOf(wrong)).toEqual(errorOf(unknown));
    expect(errorOf(wrong).code).toBe('invalid_credentials');
    expect(wrong.cookies).toEqual([]);
  });

  it('answers 401 without a session, and for a forged or garbage cookie', async () => {
    for (const cookie of [undefined, 'tgl_session=forged', `tgl_session=${'A'.repeat(43)}`, 'tgl_session=']) {
      const res = await world.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: cookie ? { cookie } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(errorOf(res).code).toBe('unauthenticated');
    }
  });

  it('answers 403 for a missing or wrong CSRF token on a change, and changes nothing', async () => {
    const browser = await signedUp(world.app, 'csrf_user');
    browser.sendCsrf = false;
    const missing = await browser.request('POST', '/api/auth/logout');
    expect(missing.statusCode).toBe(403);
    expect(errorOf(missing).code).toBe('csrf_failed');
    const wrong = await browser.request('POST', '/api/auth/logout', undefined, { 'x-csrf-token': 'nope' });
    expect(wrong.statusCode).toBe(403);
    // Another session's token does not fit this one.
    const other = await signedUp(world.app, 'csrf_other');
    const foreign = await browser.request('POST', '/api/auth/logout', undefined, {
      'x-csrf-token': other.csrf!,
    });
    expect(foreign.statusCode).toBe(403);
    // The session is still alive.
    expect((await browser.request('GET', '/api/me')).statusCode).toBe(200);
  });

  it('refuses a change sent from another site (Origin / Sec-Fetch-Site), even sign-in', async () => {
    await signedUp(world.app, 'origin_user');
    const evil = await new Browser(world.app).request(
      'POST',
      '/api/auth/login',
      { username: 'origin_user', password: 'correct horse battery' },
      { origin: 'https://evil.example' },
    );
    expect(evil.statusCode).toBe(403);
    expect(errorOf(evil).code).toBe('csrf_failed');
    const crossSite = await new Browser(world.app).request(
      'POST',
      '/api/auth/login',
      { username: 'origin_user', password: 'correct horse battery' },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.statusCode).toBe(403);
    const sameOrigin = await new Browser(world.app).request(
      'POST',
      '/api/auth/login',
      { username: 'origin_user', password: 'correct horse battery' },
      { origin: 'http://localhost:80', host: 'localhost:80' },
    );
    expect(sameOrigin.statusCode).toBe(200);
  });

  it('GET /api/auth/options tells the registration mode', async () => {
    const res = await world.app.inject({ method: 'GET', url: '/api/auth/options' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ registration: 'open' });
  });
});

describe('sign-in throttling', () => {
  it('delays an account from an address after repeated failures: 429 with Retry-After, even with the right password', async () => {
    const app = await world.another({ loginLimits: { pairFailures: 3, addressFailures: 100 } });
    await signedUp(app, 'throttled');
    for (let i = 0; i < 4; i++) {
      expect((await new Browser(app).login('throttled', 'wrong password')).statusCode).toBe(401);
    }
    const delayed = await new Browser(app).login('THROTTLED');
    expect(delayed.statusCode).toBe(429);
    expect(errorOf(delayed).code).toBe('rate_limited');
    expect(errorOf(delayed).message).toMatch(
      /^Too many failed sign-in attempts from your address: wait \d+ seconds?, then try again\.$/,
    );
    expect(Number(delayed.headers['retry-after'])).toBeGreaterThan(0);
    // Another account from the same address is not affected.
    await signedUp(app, 'neighbour');
    expect((await new Browser(app).login('neighbour')).statusCode).toBe(200);
  });

  it('delays an address that fails across accounts, not other addresses', async () => {
    const app = await world.another({ loginLimits: { pairFailures: 100, addressFailures: 4 } });
    for (let i = 0; i < 5; i++) {
      expect((await new Browser(app).login(`guess_${i}`, 'wrong password')).statusCode).toBe(401);
    }
    const limited = await new Browser(app).login('guess_new', 'wrong password');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    // Another address may still try.
    const elsewhere = await new Browser(app, '10.1.2.3').login('guess_new', 'wrong password');
    expect(elsewhere.statusCode).toBe(401);
  });

  it('rate-limits sign-ups per address (429 in the error shape)', async () => {
    const app = await world.another({}, { rateLimits: { registerPerHour: 2, perMinute: 1000 } });
    expect((await new Browser(app).register('burst_1')).statusCode).toBe(201);
    expect((await new Browser(app).register('burst_2')).statusCode).toBe(201);
    const third = await new Browser(app).register('burst_3');
    expect(third.statusCode).toBe(429);
    expect(errorOf(third).code).toBe('rate_limited');
    expect(third.headers['retry-after']).toBeDefined();
  });
});

describe('cookies behind a trusted proxy', () => {
  it('marks cookies Secure when the proxy says the request came over https', async () => {
    const app = await world.another({}, { trustProxy: true });
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: 'tls_user', password: 'correct horse battery' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.statusCode).toBe(201);
    for (const c of res.cookies) expect(c.secure).toBe(true);
  });

  it('ignores x-forwarded-proto from an untrusted client', async () => {
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: 'plain_user', password: 'correct horse battery' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.statusCode).toBe(201);
    for (const c of res.cookies) expect(c.secure).toBeFalsy();
  });
});
