/**
 * The supervisor hands its bot processes the bot role's connection string (over IPC), not its own: a
 * running bot's database sessions belong to the bot role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotWorld, createBotWorld } from '../bot/world.ts';
import { waitUntil } from '../helpers/wait.ts';

describe('bot processes and the database', () => {
  let world: BotWorld;
  beforeAll(async () => {
    world = await createBotWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('connect as the bot role', async () => {
    const botRole = new URL(world.db.botUrl).username;
    expect(botRole).not.toBe(new URL(world.db.url).username);
    // The bot records the chat it was added to, so it holds a database session (idle ones close after 5 s:
    // each look makes it write again).
    let n = 0;
    const sessions = await waitUntil(async () => {
      await world.adminChat('channel', `role check ${++n}`);
      const rows = await world.sql.query<{ usename: string }>(
        'select usename from pg_stat_activity where datname = current_database() and usename = ?',
        [botRole],
      );
      return rows.length > 0 ? rows : undefined;
    }, 'a database session of the bot role');
    expect(sessions[0]?.usename).toBe(botRole);
  });
});
