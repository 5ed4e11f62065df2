import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantState } from '../../src/contracts/bot.ts';
import { createTokenCipher } from '../../src/security/token-cipher.ts';
import { configHash } from '../../src/supervisor/config-hash.ts';
import { makeBotStatus } from '../helpers/factories/index.ts';
import { APP_SECRET, type Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
let botCounter = 0;
beforeAll(async () => {
  world = await createWebWorld();
  await signedUp(world.app, 'platform_admin'); // the first account is the admin; the rest are organisers
});
afterAll(async () => {
  await world?.close();
});

/** A new bot in the sandbox. */
async function newBot(): Promise<{ id: number; token: string; username: string }> {
  botCounter++;
  const username = `lottery_${botCounter}_bot`;
  const bot = await world.sandbox.client.createBot({ username });
  return { ...bot, username };
}

interface ConfigRow {
  tenant_id: number;
  token_encrypted: string | null;
  token_hint: string | null;
  bot_id: string | null;
  bot_username: string | null;
  enabled: boolean;
  config_hash: string | null;
  restart_requested_at: Date | string | null;
}

async function configOf(browser: Browser): Promise<ConfigRow | undefined> {
  const me = (await browser.request('GET', '/api/me')).json() as { id: number };
  const rows = await world.query<ConfigRow>('select * from bot_configs where tenant_id = ?', [me.id]);
  return rows[0];
}

async function tenantIdOf(browser: Browser): Promise<number> {
  return ((await browser.request('GET', '/api/me')).json() as { id: number }).id;
}

/** A closed TCP port on loopback. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('PUT /api/bot with a token', () => {
  it('checks the token with getMe and stores it encrypted, with id and username from Telegram', async () => {
    const tenant = await signedUp(world.app, 'first_bot_owner');
    expect((await tenant.request('GET', '/api/bot')).statusCode).toBe(404);

    const bot = await newBot();
    const res = await tenant.request('PUT', '/api/bot', { token: `  ${bot.token}\n` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      username: bot.username,
      bot_id: bot.id,
      enabled: true,
      token_hint: `…${bot.token.slice(-4)}`,
      restart_requested_at: null,
      status: null,
    });
    expect(res.body).not.toContain(bot.token.split(':')[1]!);

    const row = (await configOf(tenant))!;
    expect(row.token_encrypted).not.toContain(bot.token.split(':')[1]!);
    expect(createTokenCipher(APP_SECRET).decrypt(row.token_encrypted!)).toBe(bot.token);
    expect(row.token_hint).toBe(bot.token.slice(-4));
    expect(Number(row.bot_id)).toBe(bot.id);
    expect(row.bot_username).toBe(bot.username);
    expect(row.config_hash).toBe(configHash({ token: bot.token }));

    const audit = await world.query<{ action: string; detail: unknown; actor: string }>(
      'select action, detail, actor from audit_events where tenant_id = ? order by id',
      [row.tenant_id],
    );
    expect(audit.map((a) => a.action)).toContain('bot.configured');
    expect(JSON.stringify(audit)).not.toContain(bot.token.split(':')[1]!);

    const read = await tenant.request('GET', '/api/bot');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(res.json());
  });

  it('replaces the token (a new config hash) and records the change', async () => {
    const tenant = await signedUp(world.app, 'token_changer');
    const bot = await newBot();
    await tenant.request('PUT', '/api/bot', { token: bot.token });
    const before = (await configOf(tenant))!;
    const fresh = await world.sandbox.client.revokeBot(bot.id);
    const res = await tenant.request('PUT', '/api/bot', { token: fresh.token, enabled: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ enabled: false, token_hint: `…${fresh.token.slice(-4)}` });
    const after = (await configOf(tenant))!;
    expect(after.config_hash).not.toBe(before.config_hash);
    expect(after.config_hash).toBe(configHash({ token: fresh.token }));
    const actions = await world.query<{ action: string }>(
      'select action from audit_events where tenant_id = ? order by id',
      [after.tenant_id],
    );
    expect(actions.map((a) => a.action)).toContain('bot.token_changed');
  });

  it('answers 422 invalid_token for a revoked token, saying how to fix it, and keeps the old config', async () => {
    const tenant = await signedUp(world.app, 'revoked_owner');
    const bot = await newBot();
    await tenant.request('PUT', '/api/bot', { token: bot.token });
    await world.sandbox.client.revokeBot(bot.id);
    const before = await configOf(tenant);
    const res = await tenant.request('PUT', '/api/bot', { token: bot.token });
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).code).toBe('invalid_token');
    expect(errorOf(res).message).toContain('paste a fresh token from @BotFather');
    expect(res.body).not.toContain(bot.token.split(':')[1]!);
    expect(await configOf(tenant)).toEqual(before);
  });

  it('answers 422 for a well-formed token Telegram does not know, and stores nothing', async () => {
    const tenant = await signedUp(world.app, 'unknown_token');
    const res = await tenant.request('PUT', '/api/bot', { token: `123456789:${'A'.repeat(35)}` });
    expect(res.statusCode).toBe(422);
    expect(await configOf(tenant)).toBeUndefined();
  });

  it('answers 409 bot_in_use when another tenant already has this bot', async () => {
    const owner = await signedUp(world.app, 'bot_owner');
    const thief = await signedUp(world.app, 'bot_thief');
    const bot = await newBot();
    expect((await owner.request('PUT', '/api/bot', { token: bot.token })).statusCode).toBe(200);
    const res = await thief.request('PUT', '/api/bot', { token: bot.token });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).code).toBe('bot_in_use');
    expect(await configOf(thief)).toBeUndefined();
    expect(Number((await configOf(owner))!.bot_id)).toBe(bot.id);
  });

  it('answers 502 when Telegram answers getMe with a server error', async () => {
    const tenant = await signedUp(world.app, 'telegram_down');
    const bot = await newBot();
    await world.sandbox.client.addFault({
      token: bot.token,
      method: 'getMe',
      error_code: 500,
      description: 'Internal Server Error',
    });
    const res = await tenant.request('PUT', '/api/bot', { token: bot.token });
    expect(res.statusCode).toBe(502);
    expect(errorOf(res).code).toBe('telegram_error');
    expect(await configOf(tenant)).toBeUndefined();
  });
});

describe('PUT /api/bot when Telegram cannot be reached', () => {
  it('answers 502 telegram_unreachable for a closed port', async () => {
    const app = await world.another({ telegramApiRoot: `http://127.0.0.1:${await closedPort()}` });
    const tenant = await signedUp(app, 'offline_owner');
    const bot = await newBot();
    const res = await tenant.request('PUT', '/api/bot', { token: bot.token });
    expect(res.statusCode).toBe(502);
    expect(errorOf(res).code).toBe('telegram_unreachable');
    expect(errorOf(res).message).toContain('Telegram could not be reached');
    expect(errorOf(res).message).not.toContain(bot.token.split(':')[1]!);
    expect(await configOf(tenant)).toBeUndefined();
  });

  it('answers 502 after the timeout when Telegram does not answer', async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const app = await world.another({ fetch: hanging, telegramTimeoutMs: 100 });
    const tenant = await signedUp(app, 'slow_owner');
    const bot = await newBot();
    const started = Date.now();
    const res = await tenant.request('PUT', '/api/bot', { token: bot.token });
    expect(res.statusCode).toBe(502);
    expect(errorOf(res).message).toContain('no answer within 0.1 s');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('PUT /api/bot {enabled}, POST /api/bot/restart, DELETE /api/bot', () => {
  it('switches the bot off and on, and audits each change', async () => {
    const tenant = await signedUp(world.app, 'switcher');
    const bot = await newBot();
    await tenant.request('PUT', '/api/bot', { token: bot.token });
    const off = await tenant.request('PUT', '/api/bot', { enabled: false });
    expect(off.statusCode).toBe(200);
    expect(off.json().enabled).toBe(false);
    expect((await configOf(tenant))!.enabled).toBe(false);
    const on = await tenant.request('PUT', '/api/bot', { enabled: true });
    expect(on.json().enabled).toBe(true);
    const actions = await world.query<{ action: string }>(
      'select action from audit_events where tenant_id = ? order by id',
      [await tenantIdOf(tenant)],
    );
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['bot.configured', 'bot.disabled', 'bot.enabled']),
    );
  });

  it('answers 404 for enabled, restart or delete before any token is saved', async () => {
    const tenant = await signedUp(world.app, 'no_bot_yet');
    for (const [method, url, body] of [
      ['PUT', '/api/bot', { enabled: true }],
      ['POST', '/api/bot/restart', undefined],
      ['DELETE', '/api/bot', undefined],
      ['GET', '/api/bot', undefined],
    ] as const) {
      const res = await tenant.request(method, url, body);
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).code).toBe('bot_not_configured');
    }
    expect(await configOf(tenant)).toBeUndefined();
  });

  it('records a restart request for the supervisor', async () => {
    const tenant = await signedUp(world.app, 'restarter');
    const bot = await newBot();
    await tenant.request('PUT', '/api/bot', { token: bot.token });
    const res = await tenant.request('POST', '/api/bot/restart');
    expect(res.statusCode).toBe(202);
    const at = new Date(res.json().restart_requested_at as string).getTime();
    expect(Math.abs(at - Date.now())).toBeLessThan(60_000);
    expect((await configOf(tenant))!.restart_requested_at).not.toBeNull();
    expect((await tenant.request('GET', '/api/bot')).json().restart_requested_at).toBe(
      res.json().restart_requested_at,
    );
  });

  it('shows the status the supervisor wrote', async () => {
    const tenant = await signedUp(world.app, 'status_watcher');
    const bot = await newBot();
    await tenant.request('PUT', '/api/bot', { token: bot.token });
    await makeBotStatus(world.db, {
      tenantId: await tenantIdOf(tenant),
      state: 'stopped',
      reason: 'invalid-token',
      detail: 'getMe answered 401',
      restarts: 2,
      since: new Date('2026-11-29T10:00:00Z'),
    });
    const res = await tenant.request('GET', '/api/bot');
    expect(res.json().status).toEqual({
      state: 'stopped',
      reason: 'invalid-token',
      detail: 'getMe answered 401',
      since: '2026-11-29T10:00:00.000Z',
      restarts: 2,
      // No heartbeat yet: the report's time is when the state began.
      reported_at: '2026-11-29T10:00:00.000Z',
      polling_failing_since: null,
      polling_error_code: null,
      isolation_reason: null,
      host_id: null,
    });
  });

  it('deletes the config', async () => {
    const tenant = await signedUp(world.app, 'deleter');
    const bot = await newBot();
    await tenant.request('PUT', '/api/bot', { token: bot.token });
    const res = await tenant.request('DELETE', '/api/bot');
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await configOf(tenant)).toBeUndefined();
    expect((await tenant.request('GET', '/api/bot')).statusCode).toBe(404);
    expect((await tenant.request('DELETE', '/api/bot')).statusCode).toBe(404);
    // The bot is free for another account now.
    const next = await signedUp(world.app, 'next_owner');
    expect((await next.request('PUT', '/api/bot', { token: bot.token })).statusCode).toBe(200);
  });
});

describe('bad input to PUT /api/bot stores nothing', () => {
  it.each([
    [{}, 'send token, enabled, or both'],
    [{ token: 123 }, 'token: invalid input: expected string, received number'],
    [{ token: null }, 'token: invalid input'],
    [{ enabled: 'yes' }, 'enabled: invalid input: expected boolean, received string'],
    [{ token: 'not a token' }, 'token: does not look like a bot token'],
    [{ token: `1:${'x'.repeat(5000)}` }, 'token: is too long to be a bot token'],
    [{ token: '123:short' }, 'token: does not look like a bot token'],
    [{ enabled: true, username: 'spoofed_bot' }, 'unknown field: username'],
    [{ bot_id: 1 }, 'unknown field: bot_id'],
  ])('%j → 400', async (body, message) => {
    const tenant = await signedUp(world.app, `bad_input_${Math.random().toString(36).slice(2, 10)}`);
    const res = await tenant.request('PUT', '/api/bot', body);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('validation_failed');
    expect(errorOf(res).message).toContain(message);
    expect(await configOf(tenant)).toBeUndefined();
  });

  it('malformed JSON → 400 invalid_json', async () => {
    const tenant = await signedUp(world.app, 'bad_json');
    const res = await tenant.request('PUT', '/api/bot', '{"token": "1:2"', {
      'content-type': 'application/json',
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('invalid_json');
    expect(await configOf(tenant)).toBeUndefined();
  });
});

describe('tenant isolation', () => {
  it("a second tenant cannot see or change the first tenant's bot", async () => {
    const alice = await signedUp(world.app, 'iso_alice');
    const bob = await signedUp(world.app, 'iso_bob');
    const bot = await newBot();
    await alice.request('PUT', '/api/bot', { token: bot.token });
    const aliceBefore = await configOf(alice);

    const seen = await bob.request('GET', '/api/bot');
    expect(seen.statusCode).toBe(404);
    expect(seen.body).not.toContain(bot.username);
    expect((await bob.request('PUT', '/api/bot', { enabled: false })).statusCode).toBe(404);
    expect((await bob.request('POST', '/api/bot/restart')).statusCode).toBe(404);
    expect((await bob.request('DELETE', '/api/bot')).statusCode).toBe(404);
    expect(await configOf(alice)).toEqual(aliceBefore);
  });
});

describe('signed-in only', () => {
  it.each([
    ['GET', '/api/bot'],
    ['PUT', '/api/bot'],
    ['POST', '/api/bot/restart'],
    ['DELETE', '/api/bot'],
  ] as const)('%s %s without a session → 401', async (method, url) => {
    const res = await world.app.inject({
      method,
      url,
      payload: method === 'PUT' ? { enabled: true } : undefined,
    });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res).code).toBe('unauthenticated');
  });

  it('PUT without the CSRF token → 403, nothing stored', async () => {
    const tenant = await signedUp(world.app, 'csrf_bot');
    tenant.sendCsrf = false;
    const bot = await newBot();
    const res = await tenant.request('PUT', '/api/bot', { token: bot.token });
    expect(res.statusCode).toBe(403);
    expect(await configOf(tenant)).toBeUndefined();
  });
});

describe('GET /api/bot: the status as it is now', () => {
  /** Writes the tenant's bot_status row as the supervisor would, its heartbeat `ageS` seconds ago. */
  async function reported(
    browser: Browser,
    status: {
      state: TenantState;
      reason?: string | null;
      detail?: string | null;
      ageS: number;
      /** When the state began, seconds ago (default an hour). */
      sinceS?: number;
      pollCode?: number;
      isolation?: string | null;
      hostId?: string | null;
    },
  ) {
    const tenantId = await tenantIdOf(browser);
    const now = Date.now();
    await makeBotStatus(world.db, {
      tenantId,
      state: status.state,
      reason: status.reason ?? null,
      detail: status.detail ?? null,
      since: now - (status.sinceS ?? 3600) * 1000,
      heartbeatAt: now - status.ageS * 1000,
      pollFailingSince: status.pollCode === undefined ? null : now - 60_000,
      pollErrorCode: status.pollCode ?? null,
      isolation: status.isolation ?? null,
      hostId: status.hostId ?? null,
    });
    return (await browser.request('GET', '/api/bot')).json().status;
  }

  it("shows a running bot whose polling fails as degraded, with since when and Telegram's answer", async () => {
    const tenant = await signedUp(world.app, 'degraded_one');
    await tenant.request('PUT', '/api/bot', { token: (await newBot()).token });
    const status = await reported(tenant, {
      state: 'running',
      reason: 'polling-failing',
      detail: 'getUpdates 429: Too Many Requests: retry after 5',
      ageS: 5,
      pollCode: 429,
    });
    expect(status).toMatchObject({
      state: 'degraded',
      reason: 'polling-failing',
      detail: 'getUpdates 429: Too Many Requests: retry after 5',
      polling_error_code: 429,
    });
    expect(Date.parse(status.polling_failing_since)).toBeLessThan(Date.now());
    expect(await reported(tenant, { state: 'running', ageS: 5 })).toMatchObject({
      state: 'running',
      reason: null,
      polling_failing_since: null,
    });
  });

  it('shows "running" with a heartbeat older than the window as unknown (not reporting)', async () => {
    const tenant = await signedUp(world.app, 'silent_one');
    await tenant.request('PUT', '/api/bot', { token: (await newBot()).token });
    expect(await reported(tenant, { state: 'running', ageS: 600 })).toMatchObject({
      state: 'unknown',
      reason: 'not-reporting',
    });
    expect(
      await reported(tenant, { state: 'running', reason: 'polling-failing', ageS: 600, pollCode: 502 }),
    ).toMatchObject({ state: 'unknown', reason: 'not-reporting' });
    // A passing state no machine stays in for minutes: the supervisor stopped reporting (killed mid-restart).
    for (const state of ['restarting', 'starting', 'idle'] as const) {
      expect(await reported(tenant, { state, ageS: 5, sinceS: 600 }), state).toMatchObject({
        state: 'unknown',
        reason: 'not-reporting',
      });
      expect(await reported(tenant, { state, ageS: 5, sinceS: 20 }), state).toMatchObject({ state });
    }
    // A stopped bot sends no heartbeats: its state stands however old the row is.
    expect(await reported(tenant, { state: 'stopped', reason: 'crash-loop', ageS: 600 })).toMatchObject({
      state: 'stopped',
      reason: 'crash-loop',
    });
  });

  it('shows a running bot in a bot host of its own as isolated, with the reason and the host', async () => {
    const tenant = await signedUp(world.app, 'isolated_one');
    await tenant.request('PUT', '/api/bot', { token: (await newBot()).token });
    for (const isolation of ['event-loop-blocked', 'memory', 'crash-loop']) {
      expect(await reported(tenant, { state: 'running', ageS: 5, isolation, hostId: '3' })).toMatchObject({
        state: 'isolated',
        reason: null,
        isolation_reason: isolation,
        host_id: '3',
      });
    }
    // Sharing a host again (an operator restart): plainly running, with its host.
    expect(await reported(tenant, { state: 'running', ageS: 5, hostId: '1' })).toMatchObject({
      state: 'running',
      reason: null,
      isolation_reason: null,
      host_id: '1',
    });
  });

  it('shows an isolated bot whose polling fails as degraded, the isolation kept in isolation_reason', async () => {
    const tenant = await signedUp(world.app, 'isolated_degraded');
    await tenant.request('PUT', '/api/bot', { token: (await newBot()).token });
    expect(
      await reported(tenant, {
        state: 'running',
        reason: 'polling-failing',
        detail: 'getUpdates 502: Bad Gateway',
        ageS: 5,
        pollCode: 502,
        isolation: 'memory',
        hostId: '5',
      }),
    ).toMatchObject({
      state: 'degraded',
      reason: 'polling-failing',
      polling_error_code: 502,
      isolation_reason: 'memory',
      host_id: '5',
    });
  });

  it('shows an isolated bot without a fresh heartbeat as unknown, even when degraded too', async () => {
    const tenant = await signedUp(world.app, 'isolated_silent');
    await tenant.request('PUT', '/api/bot', { token: (await newBot()).token });
    expect(
      await reported(tenant, { state: 'running', ageS: 600, isolation: 'event-loop-blocked', hostId: '2' }),
    ).toMatchObject({ state: 'unknown', reason: 'not-reporting', isolation_reason: 'event-loop-blocked' });
    expect(
      await reported(tenant, {
        state: 'running',
        reason: 'polling-failing',
        ageS: 600,
        pollCode: 429,
        isolation: 'event-loop-blocked',
        hostId: '2',
      }),
    ).toMatchObject({ state: 'unknown', reason: 'not-reporting' });
  });
});
