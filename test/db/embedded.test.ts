import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError } from '../../src/db/data-dir-lock.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { testLogger } from '../helpers/db.ts';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tgl-embedded-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps data across a stop and a start, on a new port each time', async () => {
    const first = await startEmbeddedPostgres({ dataDir: dir, logger: testLogger() });
    await query(first.url, "create table kept (v text); insert into kept values ('still here')");
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir: dir, logger: testLogger() });
    try {
      expect(await query<{ v: string }>(second.url, 'select v from kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
  });

  it('refuses a second server on the same data directory with a clear message', async () => {
    const running = await startEmbeddedPostgres({ dataDir: dir, logger: testLogger() });
    try {
      const second = startEmbeddedPostgres({ dataDir: dir, logger: testLogger() });
      await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(second).rejects.toThrow(/already using the data directory/);
      // The first server is unharmed.
      expect(await query<{ one: number }>(running.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await running.stop();
    }
  });

  it('stop is idempotent', async () => {
    const server = await startEmbeddedPostgres({ dataDir: dir, logger: testLogger() });
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
  });
});
