import { afterEach, describe, expect, it } from 'vitest';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Cache-Control: no-store', () => {
  it('is on every answer that needs a session, refusals included, and on the sign-in routes', async () => {
    world = await createWebWorld();
    const admin = await signedUp(world.app, 'owner');
    const signedIn = [
      await admin.request('GET', '/api/me'),
      await admin.request('GET', '/api/lotteries'),
      await admin.request('GET', '/api/chats'),
      await admin.request('GET', '/api/admin/tenants'),
      await admin.request('POST', '/api/admin/invites'),
    ];
    for (const res of signedIn) expect(res.headers['cache-control'], res.raw.req.url).toBe('no-store');
    const anonymous = new Browser(world.app);
    const refused = await anonymous.request('GET', '/api/me');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['cache-control']).toBe('no-store');
    const login = await anonymous.login('owner');
    expect(login.statusCode).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    const wrong = await new Browser(world.app).login('owner', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['cache-control']).toBe('no-store');
    expect((await new Browser(world.app).register('second')).headers['cache-control']).toBe('no-store');
  });

  it('is not forced on public answers: the probes, the public proof', async () => {
    world = await createWebWorld();
    expect(
      (await world.app.inject({ method: 'GET', url: '/healthz' })).headers['cache-control'],
    ).toBeUndefined();
    const proof = await world.app.inject({ method: 'GET', url: '/api/lotteries/1/proof' });
    expect(proof.statusCode).toBe(404);
    expect(proof.headers['cache-control']).toBeUndefined();
  });
});

describe('Strict-Transport-Security', () => {
  it('is sent over https (here through a trusted proxy) and never over plain http', async () => {
    world = await createWebWorld({}, { trustProxy: true });
    const overHttps = await world.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(overHttps.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const overHttp = await world.app.inject({ method: 'GET', url: '/healthz' });
    expect(overHttp.headers['strict-transport-security']).toBeUndefined();
    const plain = await world.app.inject({ method: 'GET', url: '/api/auth/options' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('is not sent when an untrusted client merely claims https', async () => {
    world = await createWebWorld({}, { trustProxy: false });
    const claimed = await world.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(claimed.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('the Origin check on changes', () => {
  it("needs scheme, host and port to be exactly the panel's own (or PUBLIC_URL's)", async () => {
    world = await createWebWorld({ publicUrl: 'https://giveaways.example.com' });
    await signedUp(world.app, 'origin_user');
    const login = (origin: string) =>
      new Browser(world!.app).request(
        'POST',
        '/api/auth/login',
        { username: 'origin_user', password: 'correct horse battery' },
        {
          host: '127.0.0.1:8080',
          origin,
        },
      );
    for (const origin of [
      'http://127.0.0.1:8080.evil.com',
      'https://127.0.0.1:8080',
      'http://127.0.0.1:9090',
      'http://127.0.0.1',
      'http://giveaways.example.com',
    ]) {
      const res = await login(origin);
      expect(res.statusCode, origin).toBe(403);
      expect(errorOf(res).code).toBe('csrf_failed');
    }
    expect((await login('http://127.0.0.1:8080')).statusCode).toBe(200);
    expect((await login('https://giveaways.example.com')).statusCode).toBe(200);
  });
});
