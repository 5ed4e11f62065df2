/**
 * The `tg-lottery` command line. Each command lives in src/commands/; this file only wires them.
 * Exit codes: 0 done, 1 failed (the reason is logged), 2 invalid configuration or usage.
 */
import { Command, CommanderError } from 'commander';
import { maskTokens } from './log/logger.ts';

const program = new Command();
program
  .name('tg-lottery')
  .description('Self-hosted multi-tenant Telegram giveaway bots, kept alive by a supervisor.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('start')
  .description('run everything: database, migrations, admin web and supervisor (npm start)')
  .option('--inspect', 'stream the live machines to the Stately inspector (see docs/inspector.md)')
  .action(async (opts: { inspect?: boolean }) =>
    run(async () => (await import('./commands/start.ts')).startCommand(opts)),
  );

program
  .command('dev')
  .description('start, plus the admin panel with hot reload on http://127.0.0.1:5173 (npm run dev)')
  .action(async () => run(async () => (await import('./commands/dev.ts')).devCommand()));

program
  .command('web')
  .description('run the admin web alone (the supervisor runs elsewhere on the same database)')
  .action(async () => run(async () => (await import('./commands/web.ts')).webCommand()));

program
  .command('supervise')
  .description(
    'run the supervisor alone: the bots of all tenants, in shared bot hosts, hot-reloaded from the database',
  )
  .option('--inspect', 'stream the live machines to the Stately inspector (see docs/inspector.md)')
  .action(async (opts: { inspect?: boolean }) =>
    run(async () => (await import('./commands/supervise.ts')).superviseCommand(opts)),
  );

program
  .command('sandbox')
  .description('run the local Bot API sandbox (a Telegram stand-in for rehearsals and tests)')
  .option('--port <port>', 'port to listen on', '8081')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .action(async (opts: { port: string; host: string }) =>
    run(async () => (await import('./commands/sandbox.ts')).sandboxCommand(opts)),
  );

program
  .command('demo')
  .description('run an offline demo: embedded database, sandbox, admin web, supervisor and a demo organiser')
  .option('--sandbox-port <port>', 'port of the Bot API sandbox', '8081')
  .action(async (opts: { sandboxPort: string }) =>
    run(async () => (await import('./commands/demo.ts')).demoCommand(opts)),
  );

program
  .command('verify')
  .argument('<proof>', 'a draw proof JSON file, or - for standard input')
  .description('re-run a published draw offline and say whether the winners match (docs/fairness.md)')
  .action(async (file: string) =>
    run(async () => (await import('./commands/verify.ts')).verifyCommand(file)),
  );

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => run(async () => (await import('./commands/migrate.ts')).migrateCommand()));

const admin = program.command('admin').description('platform admin accounts');
admin
  .command('create')
  .description('create a platform admin (the first one when REGISTRATION=closed); asks for the password')
  .requiredOption('--username <name>', "the admin's username")
  .option('--password-file <path>', 'read the password from this file (else standard input or a prompt)')
  .action(async (opts: { username: string; passwordFile?: string }) =>
    run(async () => (await import('./commands/admin.ts')).adminCreateCommand(opts)),
  );

async function run(command: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await command();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tg-lottery: ${maskTokens(message)}\n`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) {
      process.stderr.write(`${maskTokens(err.stack)}\n`);
    }
    process.exit(1);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  throw err;
}
