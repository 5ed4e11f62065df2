/**
 * End to end: a bot token never leaks, whatever Telegram (or what stands between us and it) answers. A
 * Telegram stand-in on 127.0.0.1 answers getMe, getUpdates, sendMessage and getChatMember with (a) an
 * HTML page with status 200, (b) a 502 with an HTML body, (c) a connection cut mid-answer — each quoting
 * the request URL, which holds the token. Driven through every door that calls Telegram:
 *
 * - the web's token check (`PUT /api/bot` through `buildApp` + inject);
 * - the web's manual draw, whose winning conditions are checked with getChatMember (the membership
 *   client), and that client on its own;
 * - a real bot process under the supervisor: its getMe retries, its polling failing (degraded: the
 *   supervisor's store, `/status`, `bot_status.detail`, the panel's `GET /api/bot`), its outbox's sends
 *   failing (the winners' delivery errors, `outbox_messages`' error columns).
 *
 * Everything is captured — every log line of the web, the supervisor and the bot process (relayed), every
 * API response body, `/status`, and `bot_status`, `bot_configs`, `outbox_messages`, `winners`,
 * `audit_events` and `chats` as text — and neither the token nor its secret part (nor a piece of it)
 * appears anywhere. The logger's masking is a second line of defence; this test holds without it too for
 * everything that is not a log line.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { createMembershipCheck } from '../../src/lottery/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { buildStatusServer } from '../../src/supervisor/status-server.ts';
import { makeChat, makeEntries, person, TEST_SECRET } from '../helpers/factories/index.ts';
import { type SupervisorHarness, startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';
import { createWebWorld, type WebWorld } from '../web/helpers.ts';
import { botDoor, lotteryBody, organiser } from '../web/lottery-helpers.ts';
import { type Misbehaviour, type StandIn, startStandIn } from './stand-in.ts';

let standIn: StandIn;
let world: WebWorld;
let door: ReturnType<typeof botDoor>;
let harness: SupervisorHarness;
/** Every log line of the supervisor and the bot processes it runs (JSON text). */
const supervisorLogs: string[] = [];

beforeAll(async () => {
  standIn = await startStandIn();
  world = await createWebWorld({ telegramApiRoot: standIn.apiRoot, appSecret: TEST_SECRET });
  door = botDoor(world);
  const logger = createLogger({
    level: 'trace',
    pretty: false,
    destination: new (await import('node:stream')).Writable({
      write(chunk, _encoding, done) {
        supervisorLogs.push(String(chunk));
        done();
      },
    }),
  });
  harness = await startTestSupervisor(world.db, { apiRoot: standIn.apiRoot } as Sandbox, {
    logger,
    checkIntervalS: 1,
    // Polling fails for a while on purpose: the heartbeat must not restart the bot meanwhile.
    policy: { heartbeatTimeoutMs: 30_000 },
  });
}, 60_000);
afterAll(async () => {
  await harness?.supervisor.shutdown();
  await door?.end();
  await world?.close();
  await standIn?.close();
});

let botSeq = 0;
/** A token in Telegram's shape, unique per test: `<bot id>:<35 URL-safe characters>`. */
function realisticToken(): string {
  botSeq++;
  return `${7_200_000_000 + botSeq}:AA${randomBytes(33).toString('base64url').slice(0, 33)}`;
}

/** Every row of `table` as JSON text. */
async function dump(table: string): Promise<string> {
  const rows = await world.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t`);
  return rows.map((r) => r.row).join('\n');
}

describe.each([
  ['an HTML page with status 200', 'html200'],
  ['a 502 with an HTML body', 'html502'],
  ['a connection cut mid-answer', 'cut'],
] as Array<[string, Misbehaviour]>)('a bot token never leaks when Telegram answers %s', (_what, mode) => {
  it('through the web, the draw, the bot process, the supervisor and the database', async () => {
    const token = realisticToken();
    const secret = token.split(':')[1]!;
    const bodies: string[] = [];
    const keep = <T extends { body: string }>(res: T): T => {
      bodies.push(res.body);
      return res;
    };
    // getUpdates answers until step 3 has the bot running; the others misbehave from the start.
    for (const method of ['getMe', 'sendMessage', 'getChatMember']) standIn.set(token, method, mode);

    // 1. The web's token check: getMe gets no usable answer.
    const who = await organiser(world, `leak_${mode}`);
    const refused = keep(await who.browser.request('PUT', '/api/bot', { token, enabled: false }));
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error.code).toBe('telegram_unreachable');

    // Telegram answers getMe again: the token is saved, the bot still off.
    standIn.set(token, 'getMe', 'ok');
    expect(keep(await who.browser.request('PUT', '/api/bot', { token, enabled: false })).statusCode).toBe(
      200,
    );

    // 2. A lottery drawn in the web: its winning condition is checked with getChatMember, which gets no
    // usable answer, so each winner is kept ("cannot verify", F11).
    const chat = -1_009_000_000 - botSeq;
    await makeChat(world.db, { tenantId: who.tenantId, chatId: chat });
    const draft = keep(
      await who.browser.request(
        'POST',
        '/api/lotteries',
        lotteryBody(chat, { join_conditions: [{ kind: 'member', chat_id: chat }] }),
      ),
    );
    expect(draft.statusCode).toBe(201);
    const lotteryId = draft.json().id as number;
    expect(keep(await who.browser.request('POST', `/api/lotteries/${lotteryId}/publish`)).statusCode).toBe(
      200,
    );
    await makeEntries(
      door.sql,
      lotteryId,
      [1, 2, 3, 4].map((i) => person(botSeq * 100 + i)),
    );
    const checksBefore = standIn.count(token, 'getChatMember');
    const drawn = keep(await who.browser.request('POST', `/api/lotteries/${lotteryId}/draw`));
    expect(drawn.statusCode).toBe(200);
    expect(standIn.count(token, 'getChatMember')).toBeGreaterThan(checksBefore);
    keep(await who.browser.request('GET', `/api/lotteries/${lotteryId}/winners`));
    // The membership client on its own: `unknown`, never a throw.
    expect(await createMembershipCheck({ apiRoot: standIn.apiRoot, token })(chat, 1)).toBe('unknown');

    // The winners' messages get one attempt left, so the failure below is final and lands on each winner.
    await world.query(`update outbox_messages set attempts = 19 where tenant_id = ? and kind = 'winner-dm'`, [
      who.tenantId,
    ]);

    // 3. The bot runs under the supervisor: getMe gets no usable answer and is retried.
    standIn.set(token, 'getMe', mode);
    const getMeBefore = standIn.count(token, 'getMe');
    expect(keep(await who.browser.request('PUT', '/api/bot', { enabled: true })).statusCode).toBe(200);
    await waitUntil(() => standIn.count(token, 'getMe') >= getMeBefore + 2, 'the bot to retry getMe');
    standIn.set(token, 'getMe', 'ok');
    await harness.waitFor(who.tenantId, (s) => s.state === 'running', 'running');

    // Its outbox sends fail: each winner's message finally, the post and the announcement for now.
    await waitUntil(async () => {
      const rows = await world.query<{ n: number }>(
        `select count(*)::int as n from winners w join lotteries l on l.id = w.lottery_id
          where l.tenant_id = ? and w.delivery_error is null and w.status = 'active'`,
        [who.tenantId],
      );
      return rows[0]!.n === 0;
    }, "every winner's delivery error");
    // The post into the chat is retried later (its error kept on the row); the announcement waits behind it.
    const post = await waitUntil(async () => {
      const [row] = await world.query<{ status: string; error_description: string | null }>(
        `select status, error_description from outbox_messages
          where tenant_id = ? and kind = 'post' and error_description is not null`,
        [who.tenantId],
      );
      return row;
    }, "the post's error");
    expect(post).toMatchObject({ status: 'pending' });
    expect(post.error_description).toContain('no usable answer to sendMessage');
    const errors = await world.query<{ delivery_error: string }>(
      `select w.delivery_error from winners w join lotteries l on l.id = w.lottery_id
        where l.tenant_id = ? and w.status = 'active'`,
      [who.tenantId],
    );
    for (const { delivery_error } of errors)
      expect(delivery_error).toContain('no usable answer to sendMessage');

    // Its polling fails: degraded, in the store, /status, bot_status and the panel.
    standIn.set(token, 'getUpdates', mode);
    const degraded = await harness.waitFor(who.tenantId, (s) => s.reason === 'polling-failing', 'degraded');
    expect(degraded.detail).toMatch(/^getUpdates .*no usable answer/);
    await harness.supervisor.flushStatus();
    const statusServer = buildStatusServer({
      store: harness.supervisor.store,
      logger: createLogger({ level: 'silent', pretty: false }),
      databaseUp: () => true,
      shuttingDown: () => false,
    });
    const status = keep(
      await statusServer.inject({ method: 'GET', url: '/status', headers: { host: '127.0.0.1' } }),
    );
    await statusServer.close();
    expect(status.statusCode).toBe(200);
    const panel = keep(await who.browser.request('GET', '/api/bot'));
    expect(panel.json().status).toMatchObject({ reason: 'polling-failing' });
    expect(panel.json().status.detail).toMatch(/^getUpdates .*no usable answer/);

    // Everything written anywhere, as text.
    const everything = [
      ...supervisorLogs,
      ...world.logs,
      ...bodies,
      JSON.stringify(harness.supervisor.store.getSnapshot().context),
      ...(await Promise.all(
        ['bot_status', 'bot_configs', 'outbox_messages', 'winners', 'audit_events', 'chats'].map(dump),
      )),
    ].join('\n');
    expect(everything).toContain('no usable answer'); // the failures were recorded…
    expect(everything).toContain(String(7_200_000_000 + botSeq)); // …and the bot id may show
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(secret);
    for (let i = 0; i + 10 <= secret.length; i += 5) {
      expect(everything, `a piece of the secret (${i}…)`).not.toContain(secret.slice(i, i + 10));
    }

    // Back to normal for the next scenario's bot: this one is switched off.
    standIn.set(token, 'getUpdates', 'ok');
    keep(await who.browser.request('PUT', '/api/bot', { enabled: false }));
    await harness.waitFor(who.tenantId, (s) => s.state === 'stopped', 'stopped');
  }, 90_000);
});
