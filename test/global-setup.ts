/**
 * One PostgreSQL server per test run: `DATABASE_URL` when it is set (its database is used as the
 * maintenance database to create throw-away databases on), else an embedded server started here in a
 * temporary folder and stopped at the end. Test files get the URL with `inject('adminDatabaseUrl')`.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { createLogger } from '../src/log/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    databaseKind: 'external' | 'embedded';
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('adminDatabaseUrl', external);
    project.provide('databaseKind', 'external');
    return async () => {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'tg-lottery-test-'));
  // mkdtemp makes a 0700 folder; as root the server runs as `postgres`, which must be able to enter it.
  await chmod(dir, 0o755);
  const logger = createLogger({ level: 'warn', pretty: false });
  const server = await startEmbeddedPostgres({ dataDir: dir, logger, settings: { fsync: 'off' } });
  project.provide('adminDatabaseUrl', server.adminUrl);
  project.provide('databaseKind', 'embedded');
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
