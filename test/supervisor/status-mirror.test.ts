/**
 * The status mirror writes where each bot runs: `bot_status.host_id` (the bot host) and `isolation` (why
 * that host is its own), including a move between hosts that changes nothing else a heartbeat filter
 * compares; a reason the table's check constraint would refuse is written as null, so it cannot hold up
 * the other tenants' writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatusMirror } from '../../src/supervisor/status-mirror.ts';
import { createStatusStore } from '../../src/supervisor/status-store.ts';
import { openTestDatabase, testLogger } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';

let db: Awaited<ReturnType<typeof openTestDatabase>>;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const query = <T>(sql: string, params?: unknown[]) =>
  db.orm.em.getConnection().execute<T[]>(sql, params as unknown[]);

async function rowOf(tenantId: number) {
  const [row] = await query<{
    state: string;
    pid: number | null;
    isolation: string | null;
    host_id: string | null;
  }>('select state, pid, isolation, host_id from bot_status where tenant_id = ?', [tenantId]);
  return row;
}

describe('status mirror: bot hosts', () => {
  it('writes the host and the isolation, and a later move back to a shared host', async () => {
    const store = createStatusStore();
    const mirror = startStatusMirror({ store, sql: { query }, logger: testLogger() });
    try {
      const tenantId = (await makeOrganiser(db, { username: 'mirrored', bot: { token: null } })).tenantId;
      const base = {
        tenantId: String(tenantId),
        tenantName: 'mirrored',
        state: 'running' as const,
        pid: 4242,
      };
      store.trigger.report({ status: { ...base, hostId: '1', isolation: null } });
      await mirror.flush();
      expect(await rowOf(tenantId)).toEqual({ state: 'running', pid: 4242, isolation: null, host_id: '1' });

      store.trigger.report({ status: { ...base, pid: 4343, hostId: '2', isolation: 'event-loop-blocked' } });
      await mirror.flush();
      expect(await rowOf(tenantId)).toEqual({
        state: 'running',
        pid: 4343,
        isolation: 'event-loop-blocked',
        host_id: '2',
      });

      // Only the isolation changes (same state, pid and host): still written at once.
      store.trigger.report({ status: { ...base, pid: 4343, hostId: '2', isolation: 'memory' } });
      await mirror.flush();
      expect((await rowOf(tenantId))?.isolation).toBe('memory');

      store.trigger.report({ status: { ...base, state: 'stopped', pid: null, hostId: null } });
      await mirror.flush();
      expect(await rowOf(tenantId)).toMatchObject({ state: 'stopped', pid: null, host_id: null });
    } finally {
      mirror.stop();
    }
  });

  it('writes an isolation reason the table does not know as null, and the other tenants still get written', async () => {
    const store = createStatusStore();
    const mirror = startStatusMirror({ store, sql: { query }, logger: testLogger() });
    try {
      const odd = (await makeOrganiser(db, { username: 'odd_reason', bot: { token: null } })).tenantId;
      const plain = (await makeOrganiser(db, { username: 'plain_neighbour', bot: { token: null } })).tenantId;
      store.trigger.report({
        status: { tenantId: String(odd), state: 'running', pid: 1, hostId: '3', isolation: 'bad-luck' },
      });
      store.trigger.report({ status: { tenantId: String(plain), state: 'running', pid: 2, hostId: '1' } });
      await mirror.flush();
      expect(await rowOf(odd)).toEqual({ state: 'running', pid: 1, isolation: null, host_id: '3' });
      expect(await rowOf(plain)).toEqual({ state: 'running', pid: 2, isolation: null, host_id: '1' });
    } finally {
      mirror.stop();
    }
  });

  it('writes many tenants in one statement, and a row the table refuses does not hold up the others', async () => {
    const store = createStatusStore();
    const statements: string[] = [];
    const counting = <T>(sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query<T>(sql, params);
    };
    const mirror = startStatusMirror({ store, sql: { query: counting }, logger: testLogger() });
    try {
      const ids: number[] = [];
      for (let i = 0; i < 40; i++)
        ids.push((await makeOrganiser(db, { username: `batched_${i}`, bot: { token: null } })).tenantId);
      for (const [i, id] of ids.entries())
        store.trigger.report({
          status: { tenantId: String(id), state: 'running', pid: 100 + i, hostId: '1' },
        });
      await mirror.flush();
      for (const [i, id] of ids.entries()) expect((await rowOf(id))?.pid).toBe(100 + i);
      expect(statements.length).toBeLessThan(ids.length);

      // A state the check constraint refuses (no machine has it): its neighbours are still written.
      const [bad, ...good] = ids;
      store.trigger.report({
        status: { tenantId: String(bad), state: 'bogus' as never, pid: 1, hostId: '1' },
      });
      for (const id of good)
        store.trigger.report({ status: { tenantId: String(id), state: 'stopped', pid: null, hostId: null } });
      await mirror.flush();
      for (const id of good) expect((await rowOf(id))?.state).toBe('stopped');
      expect((await rowOf(bad!))?.state).toBe('running');
    } finally {
      mirror.stop();
    }
  });
});
