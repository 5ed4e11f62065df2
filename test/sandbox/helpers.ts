/**
 * Shared setup for the sandbox tests: a sandbox per test with Telegraf clients pointed at it, and a
 * helper that returns the TelegramError a call rejects with.
 */
import { Telegraf, TelegramError } from 'telegraf';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';

export interface World {
  sandbox: Sandbox;
  /** Create a bot in the sandbox and a Telegraf instance for it. */
  bot(username: string): Promise<{ id: number; token: string; telegraf: Telegraf }>;
  /** Create a user. */
  user(firstName: string, extra?: { username?: string }): Promise<number>;
  /** Stop every launched Telegraf (if running) and close the sandbox. */
  close(): Promise<void>;
}

/** A sandbox plus bookkeeping so afterEach can close everything. */
export async function createWorld(options: SandboxOptions = {}): Promise<World> {
  const sandbox = await createSandbox(options);
  const bots: Telegraf[] = [];
  return {
    sandbox,
    async bot(username) {
      const created = await sandbox.client.createBot({ username });
      const telegraf = new Telegraf(created.token, { telegram: { apiRoot: sandbox.apiRoot } });
      bots.push(telegraf);
      return { id: created.id, token: created.token, telegraf };
    },
    async user(firstName, extra = {}) {
      return (await sandbox.client.createUser({ first_name: firstName, ...extra })).id;
    },
    async close() {
      for (const t of bots) {
        try {
          t.stop('test over');
        } catch {
          // not running
        }
      }
      await sandbox.close();
    },
  };
}

/** Await `promise` and return the TelegramError it rejects with; fails if it resolves. */
export async function telegramError(promise: Promise<unknown>): Promise<TelegramError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TelegramError) return err;
    throw err;
  }
  throw new Error('expected the call to fail with a TelegramError');
}
