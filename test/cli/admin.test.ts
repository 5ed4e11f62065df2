import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeTenant, TEST_SECRET } from '../helpers/factories/index.ts';

/** Run `tg-lottery <args>` with `input` on standard input; resolves with the exit code and the output. */
function run(
  args: string[],
  env: Record<string, string>,
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fullEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) {
    if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') fullEnv[k] = v;
  }
  const child = spawn(process.execPath, [BIN, ...args], { env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('tg-lottery admin create', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dir: string;
  let env: Record<string, string>;
  const tenants = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (
        await client.query<{ username: string; role: string; password_hash: string }>(
          'select username, role, password_hash from tenants order by id',
        )
      ).rows;
    } finally {
      await client.end();
    }
  };

  // Each test has a database of its own: the first one creates the installation's first account.
  beforeEach(async () => {
    db = await openTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'tgl-admin-'));
    env = {
      DATABASE_URL: db.url,
      DATA_DIR: dir,
      APP_SECRET: TEST_SECRET,
      REGISTRATION: 'closed',
    };
  });
  afterEach(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the platform admin with the password read from standard input', async () => {
    const password = 'violet-harbour-lantern-42';
    const res = await run(['admin', 'create', '--username', 'Operator'], env, `${password}\n`);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /platform admin "Operator" created \(tenant \d+\); sign in at http:\/\/127\.0\.0\.1:8080\//,
    );
    expect(res.stdout + res.stderr).not.toContain(password);
    const rows = await tenants();
    expect(rows.map((r) => [r.username, r.role])).toEqual([['Operator', 'admin']]);
    expect(rows[0]!.password_hash).not.toContain(password);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('reads --password-file, and refuses a taken username (case-insensitive) with exit 1', async () => {
    await makeTenant(db, { username: 'Operator', role: 'admin' });
    const file = join(dir, 'password');
    await writeFile(file, 'another-long-pass-phrase\n', { mode: 0o600 });
    const taken = await run(['admin', 'create', '--username', 'operator', '--password-file', file], env, '');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('the username "operator" is taken');
    const created = await run(
      ['admin', 'create', '--username', 'second_admin', '--password-file', file],
      env,
      '',
    );
    expect(created.code).toBe(0);
    expect((await tenants()).map((r) => [r.username, r.role])).toContainEqual(['second_admin', 'admin']);
  });

  it('refuses what sign-up refuses (a short password, a bad username) and a missing password file, creating nothing', async () => {
    const before = (await tenants()).length;
    const weak = await run(['admin', 'create', '--username', 'weakling'], env, 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/tg-lottery admin create: password must be at least \d+ characters/);
    expect(weak.stderr).not.toContain('short');
    const missing = await run(
      ['admin', 'create', '--username', 'nofile', '--password-file', join(dir, 'absent')],
      env,
      '',
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read --password-file');
    const badName = await run(['admin', 'create', '--username', 'a b'], env, 'long-enough-password\n');
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('username may contain only letters, digits');
    expect((await tenants()).length).toBe(before);
  });

  it('needs --username and has no password argument (usage errors, exit 2)', async () => {
    const res = await run(['admin', 'create'], env, '');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--username');
    const argv = await run(
      ['admin', 'create', '--username', 'x_admin', '--password', 'in-argv-for-ps'],
      env,
      '',
    );
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain("unknown option '--password'");
  });
});
