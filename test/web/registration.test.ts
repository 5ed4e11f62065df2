import { afterEach, describe, expect, it } from 'vitest';
import { sqlFromOrm } from '../../src/db/sql.ts';
import { createPlatformAdmin } from '../../src/web/services/platform-admin.ts';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the first account', () => {
  it('becomes the only admin even when several sign up at the same moment', async () => {
    world = await createWebWorld();
    const app = world.app;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => new Browser(app).register(`racer_${i}`)),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    const roles = await world.query<{ role: string }>('select role from tenants');
    expect(roles.filter((r) => r.role === 'admin')).toHaveLength(1);
    expect(roles).toHaveLength(8);
  });
});

describe('REGISTRATION=closed', () => {
  it('lets nobody in over the web, not even the first account; an admin made by the CLI signs in', async () => {
    world = await createWebWorld({ registration: 'closed' });
    const first = await new Browser(world.app).register('owner');
    expect(first.statusCode).toBe(403);
    expect(errorOf(first).code).toBe('registration_closed');
    expect(errorOf(first).message).toContain('tg-lottery admin create');
    expect((await world.query<{ n: number }>('select count(*)::int as n from tenants'))[0]!.n).toBe(0);

    // What `tg-lottery admin create` does (test/cli/admin.test.ts runs the command itself).
    await createPlatformAdmin(sqlFromOrm(world.db.orm), {
      username: 'owner',
      password: 'correct horse battery',
    });
    const owner = new Browser(world.app);
    const signedIn = await owner.login('owner');
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().role).toBe('admin');

    const second = await new Browser(world.app).register('latecomer');
    expect(second.statusCode).toBe(403);
    expect(errorOf(second).code).toBe('registration_closed');
    expect(errorOf(second).message).not.toContain('admin create');
    const rows = await world.query<{ n: number }>('select count(*)::int as n from tenants');
    expect(rows[0]!.n).toBe(1);
    expect((await world.app.inject({ method: 'GET', url: '/api/auth/options' })).json()).toEqual({
      registration: 'closed',
    });
  });

  it('closed registration with a forged Host: refused before anything runs, whatever the body', async () => {
    world = await createWebWorld(
      { registration: 'closed' },
      { hosts: { host: '127.0.0.1', port: 8080, publicUrl: 'https://giveaways.example.com' } },
    );
    const body = { username: 'intruder', password: 'correct horse battery' };
    for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1:8080.evil.example', 'localhost:80']) {
      const res = await new Browser(world.app).request('POST', '/api/auth/register', body, { host });
      expect(res.statusCode, host).toBe(421);
      expect(errorOf(res).code).toBe('misdirected_host');
      expect(errorOf(res).message).toContain('ALLOWED_HOSTS');
      const page = await world.app.inject({ method: 'GET', url: '/', headers: { host } });
      expect(page.statusCode, host).toBe(421);
    }
    // A served host reaches the rule itself, which still refuses: registration is closed.
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'giveaways.example.com']) {
      const res = await new Browser(world.app).request('POST', '/api/auth/register', body, { host });
      expect(res.statusCode, host).toBe(403);
      expect(errorOf(res).code).toBe('registration_closed');
    }
    // Probes answer any host (orchestrators probe by address).
    const probe = await world.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { host: '10.1.2.3:8080' },
    });
    expect(probe.statusCode).toBe(200);
    expect((await world.query<{ n: number }>('select count(*)::int as n from tenants'))[0]!.n).toBe(0);
  });
});

describe('REGISTRATION=invite', () => {
  it('needs a valid, unused invite code from the admin', async () => {
    world = await createWebWorld({ registration: 'invite' });
    const admin = await signedUp(world.app, 'owner');

    const without = await new Browser(world.app).register('guest');
    expect(without.statusCode).toBe(403);
    expect(errorOf(without).code).toBe('invite_required');

    const bogus = await new Browser(world.app).register('guest', undefined, { invite: 'not-a-real-code' });
    expect(bogus.statusCode).toBe(403);
    expect(errorOf(bogus).message).toContain('unknown, already used or expired');

    const created = await admin.request('POST', '/api/admin/invites');
    expect(created.statusCode).toBe(201);
    const { code, expires_at } = created.json() as { code: string; expires_at: string };
    expect(new Date(expires_at).getTime()).toBeGreaterThan(Date.now());
    const stored = await world.query<{ code_hash: string }>('select code_hash from invites');
    expect(stored.map((r) => r.code_hash)).not.toContain(code);

    const guest = await new Browser(world.app).register('guest', undefined, { invite: code });
    expect(guest.statusCode).toBe(201);
    expect(guest.json().role).toBe('organiser');

    const reuse = await new Browser(world.app).register('second_guest', undefined, { invite: code });
    expect(reuse.statusCode).toBe(403);
    const rows = await world.query<{ n: number }>('select count(*)::int as n from tenants');
    expect(rows[0]!.n).toBe(2);
  });

  it('refuses expired invite codes', async () => {
    world = await createWebWorld({ registration: 'invite' });
    const admin = await signedUp(world.app, 'owner');
    const { code } = (await admin.request('POST', '/api/admin/invites')).json() as { code: string };
    await world.query("update invites set expires_at = now() - interval '1 minute'");
    const late = await new Browser(world.app).register('late_guest', undefined, { invite: code });
    expect(late.statusCode).toBe(403);
    expect(errorOf(late).code).toBe('invite_required');
  });
});

describe('usernames', () => {
  it('are stored NFKC-normalised, and full-width forms sign in as the plain name', async () => {
    world = await createWebWorld();
    const res = await new Browser(world.app).register('ｗｉｄｅ_name');
    expect(res.statusCode).toBe(201);
    expect(res.json().username).toBe('wide_name');
    expect((await new Browser(world.app).login('ＷＩＤＥ_name')).statusCode).toBe(200);
    const rows = await world.query<{ username: string; username_skeleton: string }>(
      'select username, username_skeleton from tenants',
    );
    expect(rows).toEqual([{ username: 'wide_name', username_skeleton: 'wide_name' }]);
  });

  it.each([
    ['paypal', 'paypa1'],
    ['paypal', 'раураl'], // Cyrillic а, р, у
    ['alice', 'AIice'], // capital I for l
    ['oscar', '0scar'],
    ['modern', 'rnodern'],
    ['nikos', 'niκοs'], // Greek κ, ο
  ])('refuse %j beside an existing %j as a look-alike', async (existing, lookAlike) => {
    world = await createWebWorld();
    await signedUp(world.app, existing);
    const res = await new Browser(world.app).register(lookAlike);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).code).toBe('username_taken');
    expect(errorOf(res).message).toContain('looks too much like an existing one');
    const rows = await world.query<{ n: number }>('select count(*)::int as n from tenants');
    expect(rows[0]!.n).toBe(1);
  });

  it('accept names that only share letters', async () => {
    world = await createWebWorld();
    await signedUp(world.app, 'alice');
    expect((await new Browser(world.app).register('alicia')).statusCode).toBe(201);
    expect((await new Browser(world.app).register('张三丰')).statusCode).toBe(201);
  });
});

describe('a taken username where registration is not open', () => {
  it('REGISTRATION=closed: a taken name gets the same refusal as any other', async () => {
    world = await createWebWorld({ registration: 'closed' });
    await createPlatformAdmin(sqlFromOrm(world.db.orm), {
      username: 'owner',
      password: 'correct horse battery',
    });
    const taken = await new Browser(world.app).register('owner');
    const lookAlike = await new Browser(world.app).register('0wner');
    const free = await new Browser(world.app).register('nobody_yet');
    for (const res of [taken, lookAlike]) {
      expect(res.statusCode).toBe(free.statusCode);
      expect(res.json()).toEqual(free.json());
    }
    expect(errorOf(free).code).toBe('registration_closed');
  });

  it('REGISTRATION=invite: only a valid invite learns that a name is taken', async () => {
    world = await createWebWorld({ registration: 'invite' });
    const admin = await signedUp(world.app, 'owner');
    for (const invite of [undefined, 'not-a-real-code']) {
      const extra = invite === undefined ? {} : { invite };
      const taken = await new Browser(world.app).register('owner', undefined, extra);
      const free = await new Browser(world.app).register('nobody_yet', undefined, extra);
      expect(taken.statusCode).toBe(403);
      expect(taken.json()).toEqual(free.json());
    }
    const { code } = (await admin.request('POST', '/api/admin/invites')).json() as { code: string };
    const withInvite = await new Browser(world.app).register('OWNER', undefined, { invite: code });
    expect(withInvite.statusCode).toBe(409);
    expect(errorOf(withInvite).code).toBe('username_taken');
    // The invite was not used up by the refused sign-up.
    expect((await new Browser(world.app).register('guest', undefined, { invite: code })).statusCode).toBe(
      201,
    );
  });
});
