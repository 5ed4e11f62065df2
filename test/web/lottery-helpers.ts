/**
 * Shared setup for the lottery API tests: an organiser (a signed-up browser and its tenant id), a bot
 * config holding a real sandbox bot's token, a plain `pg` door as the bot process has, and lottery
 * bodies for the API. Chats, entries and Telegram users come from the factories (test/helpers/factories).
 */
import pg from 'pg';
import { type Sql, sqlFromPool } from '../../src/db/sql.ts';
import { makeBotConfig, makeChat, uniqueName } from '../helpers/factories/index.ts';
import { type Browser, signedUp, type WebWorld } from './helpers.ts';

export interface Organiser {
  browser: Browser;
  tenantId: number;
}

/** A signed-up organiser. */
export async function organiser(world: WebWorld, name: string): Promise<Organiser> {
  const browser = await signedUp(world.app, name);
  const me = (await browser.request('GET', '/api/me')).json() as { id: number };
  return { browser, tenantId: me.id };
}

/** A sandbox bot whose token is saved (encrypted) as the tenant's bot config. */
export async function addBot(world: WebWorld, tenantId: number): Promise<{ id: number; token: string }> {
  const bot = await world.sandbox.client.createBot({ username: uniqueName('lottery_api').concat('_bot') });
  await makeBotConfig(world.db, { tenantId, bot });
  return bot;
}

/** A plain `pg` door to the world's database (the bot process's). Close with `end()`. */
export function botDoor(world: WebWorld): { sql: Sql; end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: world.db.url, max: 2 });
  // Dropping the database at the end terminates any connection still closing: expected, not a failure.
  pool.on('error', () => {});
  return { sql: sqlFromPool(pool), end: () => pool.end() };
}

/** A valid POST /api/lotteries body for the given target. */
export function lotteryBody(target: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Year-end giveaway',
    description: 'Two pairs of AirPods and a sticker',
    prizes: [
      { name: 'AirPods', quantity: 2 },
      { name: 'Sticker', quantity: 1 },
    ],
    draw_trigger: { kind: 'manual' },
    publish_targets: [target],
    ...extra,
  };
}

/** An ISO instant `ms` from now. */
export function fromNow(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

/** Creates a lottery through the API; throws unless 201. */
export async function createVia(
  browser: Browser,
  body: Record<string, unknown>,
): Promise<{ id: number; [key: string]: unknown }> {
  const res = await browser.request('POST', '/api/lotteries', body);
  if (res.statusCode !== 201) throw new Error(`create → ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Creates and publishes a lottery through the API; throws unless both succeed. */
export async function openVia(
  browser: Browser,
  body: Record<string, unknown>,
): Promise<{ id: number; [key: string]: unknown }> {
  const draft = await createVia(browser, body);
  const res = await browser.request('POST', `/api/lotteries/${draft.id}/publish`);
  if (res.statusCode !== 200) throw new Error(`publish → ${res.statusCode} ${res.body}`);
  return res.json();
}

/** An organiser with a bot and one admin chat (its id is returned as `chat`); `prefix` names the account. */
export async function readyOrganiser(
  world: WebWorld,
  prefix = 'organiser',
): Promise<Organiser & { chat: number }> {
  const who = await organiser(world, uniqueName(prefix));
  const { chatId: chat } = await makeChat(world.db, { tenantId: who.tenantId });
  await addBot(world, who.tenantId);
  return { ...who, chat };
}

/** How many lotteries a tenant has. */
export async function lotteryCount(world: WebWorld, tenantId: number): Promise<number> {
  const [row] = await world.query<{ n: number }>(
    'select count(*)::int as n from lotteries where tenant_id = ?',
    [tenantId],
  );
  return row!.n;
}
