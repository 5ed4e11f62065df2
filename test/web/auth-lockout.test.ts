/** The lock-out attempt from another address: a stranger hammering an account cannot keep its owner out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
});
afterAll(async () => {
  await world?.close();
});

interface AuditRow {
  tenant_id: number | null;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

describe('the lock-out attempt from another address', () => {
  it("delays the stranger's address (the delays grow: login-throttle.test.ts) while the owner still signs in from their own address", async () => {
    const app = await world.another({
      loginLimits: { pairFailures: 3, addressFailures: 20, baseDelayMs: 60_000 },
    });
    const owner = await signedUp(app, 'besieged');
    const { id } = (await owner.request('GET', '/api/me')).json() as { id: number };
    const stranger = new Browser(app, '203.0.113.66');

    const answers: number[] = [];
    const retryAfter: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await stranger.login('besieged', `guess number ${i}`);
      answers.push(res.statusCode);
      if (res.statusCode === 429) retryAfter.push(Number(res.headers['retry-after']));
    }
    // Three free guesses, a fourth that imposes the first delay, then refusals without a password check.
    expect(answers).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
    expect(retryAfter.every((s) => s > 0 && s <= 60)).toBe(true);
    const refused = await stranger.login('besieged');
    expect(refused.statusCode).toBe(429);
    expect(errorOf(refused).message).toContain('wait');

    // The owner, from their own address, with the right password: in at once.
    const again = await new Browser(app, '198.51.100.7').login('besieged');
    expect(again.statusCode).toBe(200);
    // And a wrong try of the owner is answered as such, not throttled.
    expect((await new Browser(app, '198.51.100.7').login('besieged', 'typo in it')).statusCode).toBe(401);

    // This account's rows, and any row of no account about the stranger's address (the other tests of
    // the file throttle other addresses).
    const audit = await world.query<AuditRow>(
      `select tenant_id, actor, action, subject, detail from audit_events
        where action in ('auth.throttled', 'auth.signed_in')
          and (tenant_id = ? or (tenant_id is null and detail->>'address' = '203.0.113.66'))
        order by id`,
      [id],
    );
    const throttled = audit.filter((r) => r.action === 'auth.throttled');
    expect(throttled).toEqual([
      {
        tenant_id: id,
        actor: 'system',
        action: 'auth.throttled',
        subject: `tenant:${id}`,
        detail: { scope: 'account_address', address: '203.0.113.66', failures: 4, delay_s: 60 },
      },
    ]);
    const signIns = audit.filter((r) => r.action === 'auth.signed_in');
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({
      tenant_id: id,
      subject: `tenant:${id}`,
      detail: { address: '198.51.100.7' },
    });
    // The guessed passwords are nowhere in the audit log.
    expect(JSON.stringify(audit)).not.toContain('guess number');
  });

  it('a burst of parallel guesses gets no more password checks than the same guesses in a row', async () => {
    const app = await world.another({
      loginLimits: { pairFailures: 3, addressFailures: 20, baseDelayMs: 60_000 },
    });
    await signedUp(app, 'burst_target');
    const stranger = new Browser(app, '203.0.113.99');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => stranger.login('burst_target', `parallel guess ${i}`)),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(4);
    expect(codes.filter((c) => c === 429)).toHaveLength(26);
    expect((await new Browser(app, '198.51.100.8').login('burst_target')).statusCode).toBe(200);
  });

  it('a stranger failing across many accounts is delayed per address, and the audit row names no account', async () => {
    // A first delay no loaded machine outlasts between two requests (the default 1 s can pass in between).
    const app = await world.another({
      loginLimits: { pairFailures: 100, addressFailures: 3, baseDelayMs: 60_000 },
    });
    const sprayer = new Browser(app, '203.0.113.88');
    for (let i = 0; i < 4; i++)
      expect((await sprayer.login(`nobody_${i}`, 'password guess')).statusCode).toBe(401);
    expect((await sprayer.login('nobody_9', 'password guess')).statusCode).toBe(429);
    const rows = await world.query<AuditRow>(
      "select tenant_id, actor, action, subject, detail from audit_events where action = 'auth.throttled' and detail->>'address' = '203.0.113.88'",
    );
    expect(rows).toEqual([
      {
        tenant_id: null,
        actor: 'system',
        action: 'auth.throttled',
        subject: null,
        detail: { scope: 'address', address: '203.0.113.88', failures: 4, delay_s: 60 },
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain('nobody_');
  });
});
