/**
 * Shared setup for the lottery API tests: an organiser (a signed-up browser and its tenant id), chats
 * where its bot is an administrator (rows in `chats`, as the bot process writes them from
 * `my_chat_member`), a bot config holding a real sandbox bot's token (encrypted as the web does), and
 * entries made through the domain's `joinLottery` over a plain `pg` pool, as the bot process makes them.
 */
import pg from 'pg';
import { type Sql, sqlFromPool } from '../../src/db/sql.ts';
import { type Entrant, joinLottery } from '../../src/lottery/index.ts';
import { createTokenCipher } from '../../src/security/token-cipher.ts';
import { APP_SECRET, type Browser, signedUp, type WebWorld } from './helpers.ts';

export interface Organiser {
  browser: Browser;
  tenantId: number;
}

let counter = 0;
/** A unique suffix for usernames, bots and chat ids within one test file. */
export function next(): number {
  counter++;
  return counter;
}

/** A signed-up organiser. */
export async function organiser(world: WebWorld, name: string): Promise<Organiser> {
  const browser = await signedUp(world.app, name);
  const me = (await browser.request('GET', '/api/me')).json() as { id: number };
  return { browser, tenantId: me.id };
}

/** Chats the tenant's bot is in (`administrator` unless said otherwise). */
export async function addChats(
  world: WebWorld,
  tenantId: number,
  chats: Array<{ chatId: number; status?: string; type?: string; title?: string; username?: string }>,
): Promise<void> {
  for (const c of chats) {
    await world.query(
      'insert into chats (tenant_id, chat_id, type, title, username, bot_status) values (?, ?, ?, ?, ?, ?)',
      [
        tenantId,
        c.chatId,
        c.type ?? 'channel',
        c.title ?? `Chat ${c.chatId}`,
        c.username ?? null,
        c.status ?? 'administrator',
      ],
    );
  }
}

/** A sandbox bot whose token is saved (encrypted) as the tenant's bot config. */
export async function addBot(world: WebWorld, tenantId: number): Promise<{ id: number; token: string }> {
  const bot = await world.sandbox.client.createBot({ username: `lottery_api_${next()}_bot` });
  await world.query(
    `insert into bot_configs (tenant_id, token_encrypted, token_hint, bot_id, bot_username)
     values (?, ?, ?, ?, ?)`,
    [tenantId, createTokenCipher(APP_SECRET).encrypt(bot.token), bot.token.slice(-4), bot.id, 'lottery_bot'],
  );
  return bot;
}

/** A plain `pg` door to the world's database (the bot process's). Close with `end()`. */
export function botDoor(world: WebWorld): { sql: Sql; end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: world.db.url, max: 2 });
  // Dropping the database at the end terminates any connection still closing: expected, not a failure.
  pool.on('error', () => {});
  return { sql: sqlFromPool(pool), end: () => pool.end() };
}

/** A Telegram user joining. */
export function person(userId: number, extra: Partial<Entrant> = {}): Entrant {
  return {
    userId,
    firstName: `User ${userId}`,
    lastName: null,
    username: `user${userId}`,
    languageCode: 'en',
    isBot: false,
    ...extra,
  };
}

/** Joins each entrant to an open lottery (membership conditions count as met); throws unless joined. */
export async function join(
  sql: Sql,
  tenantId: number,
  lotteryId: number,
  entrants: Entrant[],
): Promise<void> {
  for (const entrant of entrants) {
    const outcome = await joinLottery(sql, {
      tenantId,
      lotteryId,
      entrant,
      source: 'button',
      checkMembership: async () => 'member',
    });
    if (outcome.kind !== 'joined') throw new Error(`join of ${entrant.userId} → ${outcome.kind}`);
  }
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
  const n = next();
  const who = await organiser(world, `${prefix}_${n}`);
  const chat = -1000000000 - n;
  await addChats(world, who.tenantId, [{ chatId: chat }]);
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
