/**
 * `tg-lottery admin create --username <name>`: create a platform admin in the database. This is how an
 * installation with `REGISTRATION=closed` gets its first admin (the web never makes one then); it also
 * works in the other modes, e.g. to add a second admin.
 *
 * The password is never an argument (argv is visible to every user of the machine in `ps`): it is read
 * from `--password-file <path>`, else from standard input when that is not a terminal (its first line),
 * else asked for twice at a prompt that does not echo. It must pass the sign-up rules of the web.
 * Exit codes: 0 created, 1 refused (the reason is printed), 2 invalid configuration.
 */
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { bootstrap } from '../app/bootstrap.ts';
import { openDatabase } from '../db/database.ts';
import { sqlFromOrm } from '../db/sql.ts';
import { createPlatformAdmin, PlatformAdminError } from '../web/services/platform-admin.ts';

export interface AdminCreateOptions {
  username: string;
  passwordFile?: string;
}

/** Create the admin; resolves with the exit code. */
export async function adminCreateCommand(options: AdminCreateOptions): Promise<number> {
  // Only the outcome on screen: the database's start-up lines are noise here (LOG_LEVEL=info shows them).
  process.env.LOG_LEVEL ||= 'warn';
  const { config, logger } = bootstrap('admin');
  let password: string;
  try {
    password = await readPassword(options.passwordFile);
  } catch (err) {
    process.stderr.write(`tg-lottery admin create: ${(err as Error).message}\n`);
    return 1;
  }
  const db = await openDatabase(config, logger);
  try {
    const admin = await createPlatformAdmin(sqlFromOrm(db.orm), { username: options.username, password });
    const where =
      config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
    process.stdout.write(
      `platform admin "${admin.username}" created (tenant ${admin.id}); sign in at ${where}/\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof PlatformAdminError)) throw err;
    process.stderr.write(`tg-lottery admin create: ${err.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

/** The password from the file, the piped standard input, or a prompt without echo (asked twice). */
async function readPassword(file: string | undefined): Promise<string> {
  if (file !== undefined) {
    let text: string;
    try {
      if (((await stat(file)).mode & 0o077) !== 0) {
        process.stderr.write(
          `tg-lottery admin create: warning: ${file} is readable by other users; keep password files at mode 0600 and delete it once the admin exists\n`,
        );
      }
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(
        `cannot read --password-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    return firstLine(text);
  }
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return firstLine(text);
  }
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Repeat the password: ');
  if (first !== again) throw new Error('the two passwords differ; nothing was created');
  return first;
}

/** The text up to its first line break (a trailing newline is not part of a password). */
function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** Ask on the terminal; what is typed is not shown. */
async function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) => rl.question(question, resolve));
    muted = true; // the question is written; from here on, keystrokes are not echoed
    return await answer;
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
