/**
 * Small read helpers shared by the fault tests (test/bot/faults): what a user received from the bot,
 * a tenant's outbox rows, a user's entries.
 */
import { enqueue } from '../../../src/lottery/outbox.ts';
import { waitUntil } from '../../helpers/wait.ts';
import type { BotWorld } from '../world.ts';

/** Texts the bot sent to `userId` in private, oldest first. */
export async function botTexts(world: BotWorld, userId: number): Promise<string[]> {
  const view = await world.sandbox.client.privateMessages(world.bot.id, userId);
  return view.messages.filter((m) => m.sender.type === 'bot' && !m.deleted).map((m) => m.text);
}

export interface OutboxView {
  id: number;
  kind: string;
  status: string;
  attempts: number;
  error_code: number | null;
  error_description: string | null;
  dedupe_key: string | null;
  result: unknown;
}

/** The tenant's outbox rows whose dedupe key starts with `prefix`, in id order. */
export async function outboxRows(world: BotWorld, prefix: string): Promise<OutboxView[]> {
  const rows = await world.sql.query<OutboxView & { id: string }>(
    `select id, kind, status, attempts, error_code, error_description, dedupe_key, result
       from outbox_messages where tenant_id = ? and dedupe_key like ? order by id`,
    [world.tenantId, `${prefix}%`],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Queues a plain private message through the outbox, as the bot's own replies are queued. */
export async function queueDm(world: BotWorld, userId: number, text: string, key: string): Promise<void> {
  await enqueue(world.sql, [
    {
      tenantId: world.tenantId,
      method: 'sendMessage',
      payload: { chat_id: userId, text },
      kind: 'join-result',
      dedupeKey: key,
    },
  ]);
}

/** The user's entries (source) in a lottery. */
export async function entriesOf(
  world: BotWorld,
  lotteryId: number,
  userId: number,
): Promise<{ source: string; started_bot: boolean }[]> {
  return world.sql.query(
    'select source, started_bot from entries where lottery_id = ? and tg_user_id = ? order by id',
    [lotteryId, userId],
  );
}

/** Starts the bot for each user and waits until the bot has recorded it (and greeted them). */
export async function startBot(world: BotWorld, userIds: number[]): Promise<void> {
  for (const id of userIds) await world.sandbox.client.start(id, world.bot.id);
  await waitUntil(async () => {
    const [row] = await world.sql.query<{ n: string }>(
      `select count(*) as n from bot_users where tenant_id = ? and started_at is not null
          and tg_user_id = any(string_to_array(?, ',')::bigint[])`,
      [world.tenantId, userIds.join(',')],
    );
    return Number(row?.n) === userIds.length;
  }, 'the bot to record the /start of every user');
}
