/**
 * `tg-lottery demo` (`npm run demo`): the whole platform offline, for a first look. An embedded database
 * in `DATA_DIR/demo` (started fresh each time; a real `DATABASE_URL` is never touched), the Bot API
 * sandbox standing in for Telegram, the admin web and the supervisor, plus a demo organiser whose sandbox
 * bot administers a demo channel and group with a few dozen sandbox users (src/demo/seed.ts).
 * It prints the admin panel's URL, the sandbox page's URL and the demo login, then runs until Ctrl+C.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appSecret, bootstrap } from '../app/bootstrap.ts';
import { runUntilSignal } from '../app/lifecycle.ts';
import { openDatabase } from '../db/database.ts';
import { DEMO_PASSWORD, DEMO_USERNAME, promoteBot, seedOrganiser, seedSandbox } from '../demo/seed.ts';
import { runSandbox } from '../sandbox/index.ts';
import { startSupervisorService } from '../supervisor/service.ts';
import { startAdminWeb } from '../web/serve.ts';

export async function demoCommand(options: { sandboxPort: string }): Promise<number> {
  // A quiet log, so the printed URLs and login stay on screen (LOG_LEVEL=info shows everything).
  process.env.LOG_LEVEL ||= 'warn';
  // The demo organiser signs up over the web, which REGISTRATION=closed would refuse.
  process.env.REGISTRATION = 'open';
  const { config: base, logger } = bootstrap('demo');
  const sandboxPort = Number(options.sandboxPort);
  if (!Number.isInteger(sandboxPort) || sandboxPort < 0 || sandboxPort > 65535) {
    process.stderr.write('tg-lottery: --sandbox-port must be a whole number between 0 and 65535\n');
    return 2;
  }
  return runUntilSignal(logger, async (lifecycle) => {
    const dataDir = join(base.dataDir, 'demo');
    await rm(dataDir, { recursive: true, force: true });
    const sandbox = await runSandbox({
      port: sandboxPort,
      host: '127.0.0.1',
      logger: logger.child({ component: 'sandbox' }),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      throw new Error(
        `the demo's Bot API sandbox cannot listen on 127.0.0.1:${sandboxPort} (the port is in use); ` +
          'choose another with --sandbox-port, e.g. --sandbox-port 8091',
      );
    });
    lifecycle.onStop('the sandbox', () => sandbox.close());
    const host = base.host === '0.0.0.0' ? '127.0.0.1' : base.host;
    const config = {
      ...base,
      databaseUrl: undefined,
      botDatabaseUrl: undefined,
      dataDir,
      telegramApiRoot: sandbox.apiRoot,
      publicUrl: base.publicUrl ?? `http://${host}:${base.port}`,
      checkIntervalS: Math.min(base.checkIntervalS, 5),
    };
    const secret = await appSecret(config);
    const db = await openDatabase(config, logger);
    lifecycle.onStop('the database', () => db.close());
    lifecycle.checkpoint();
    const adminUrl = await startAdminWeb(lifecycle, { config, logger, db, appSecret: secret });
    const supervisor = await startSupervisorService({ config, logger, db, appSecret: secret, adminUrl });
    lifecycle.onStop('the supervisor', () => supervisor.stop());
    lifecycle.checkpoint();

    const world = await seedSandbox(sandbox.client);
    await seedOrganiser(adminUrl, world.token);
    // Promote the bot once it runs, so it hears my_chat_member and offers the chats as targets.
    const tenantRunning = new Promise<void>((resolve) => {
      const check = () => {
        const running = Object.values(supervisor.supervisor.store.getSnapshot().context.tenants).some(
          (t) => t.state === 'running',
        );
        if (running) {
          sub.unsubscribe();
          resolve();
        }
      };
      const sub = supervisor.supervisor.store.subscribe(check);
      check();
    });
    await tenantRunning;
    await promoteBot(sandbox.client, world);

    const line = '─'.repeat(72);
    process.stdout.write(
      [
        '',
        line,
        ' tg-lottery demo is running (offline: the Bot API sandbox stands in for Telegram)',
        '',
        ` Admin panel   ${adminUrl}/`,
        ` Demo login    ${DEMO_USERNAME} / ${DEMO_PASSWORD}`,
        ` Sandbox page  ${sandbox.url}/   (act as the ${world.users} sandbox users: join, start the bot)`,
        ` The bot       @${world.botUsername}, administrator of the demo channel and group`,
        '',
        ' Try it: sign in → Lotteries → New → publish to the demo channel → press Join as a few users',
        ' in the sandbox page → Draw now → see the winners, their DMs and the public proof.',
        ' In the sandbox page, pick a user at the top; the chat list shows whether they are a member of',
        ' the channel and whether they started the bot (some are not, on purpose).',
        ' The demo starts fresh each time; Ctrl+C stops everything. LOG_LEVEL=info shows the full log.',
        line,
        '',
      ].join('\n'),
    );
  });
}
