/**
 * The bot role's privileges: exactly what a bot process (src/bot/, through the src/lottery functions it
 * calls) reads and writes, and nothing else — no tenants, sessions, invites, audit events, draw proofs,
 * bot status, tokens (only `bot_configs.bot_username`), nor a lottery's encrypted seed.
 *
 * They are applied by the owner after every migration run (`applyBotGrants`): every privilege of the
 * role in schema `public` is revoked and this list granted again, in one transaction, so a new table is
 * closed to bots until it is added here, and a migration can never leave the grants stale. A bot that
 * needs a new table or column: add it to this list (and to the test in test/db/bot-grants.test.ts).
 */

/** One table's privileges; `'*'` = the whole table, a list = only those columns. */
interface TableGrant {
  select?: '*' | readonly string[];
  insert?: '*';
  update?: readonly string[];
}

/** The bot role's privileges, table by table (docs/database.md lists the same). */
export const BOT_TABLE_GRANTS: Readonly<Record<string, TableGrant>> = {
  // Join (store.ts: loadJoinLottery and the keyword join; entries-store.ts: the join statements) and the post updater (store.ts
  // findLottery). `for update` / `for share` need UPDATE on a column; the seed stays unreadable.
  lotteries: {
    select: [
      'id',
      'tenant_id',
      'title',
      'description',
      'status',
      'language',
      'join_conditions',
      'draw_trigger',
      'draw_at',
      'draw_at_entries',
      'publish_targets',
      'join_keyword',
      'commitment',
      'entry_count',
      'changes',
      'created_at',
      'updated_at',
      'published_at',
      'drawn_at',
      'cancelled_at',
    ],
    update: ['entry_count', 'updated_at'],
  },
  lottery_counts: { select: '*', insert: '*', update: ['entry_count', 'updated_at'] },
  prizes: { select: '*' },
  lottery_posts: { select: '*', update: ['message_id', 'shown_entry_count', 'updated_at'] },
  entries: { select: '*', insert: '*', update: ['started_bot'] },
  bot_users: {
    select: '*',
    insert: '*',
    update: ['started_at', 'blocked_at', 'language_code', 'updated_at'],
  },
  chats: {
    select: '*',
    insert: '*',
    update: [
      'type',
      'title',
      'username',
      'bot_status',
      'rights',
      'check_failed_at',
      'check_error',
      'updated_at',
    ],
  },
  outbox_messages: {
    select: '*',
    insert: '*',
    update: [
      'status',
      'attempts',
      'not_before',
      'error_code',
      'error_description',
      'result',
      'sent_at',
      'updated_at',
      'claim_epoch',
    ],
  },
  // The fence of a bot's work (src/db/repositories/leases.ts): its lease is read by the outbox claim, and
  // the polling offset recorded under it. Who owns which bot is the supervisor's to write.
  bot_leases: { select: ['tenant_id', 'epoch', 'expires_at', 'poll_offset'], update: ['poll_offset'] },
  // Webhook mode (src/db/repositories/inbound-updates.ts): the bot reads its stored updates in order and
  // marks them handled under its lease; the web stores them, the supervisor prunes them.
  inbound_updates: {
    select: ['tenant_id', 'bot_id', 'update_id', 'body', 'handled_at'],
    update: ['handled_at'],
  },
  // A winner's delivery outcome (effects.ts), found by id.
  winners: { select: ['id'], update: ['delivery_status', 'delivery_error', 'delivered_at'] },
  // The bot's username for the Join button (posts.ts botUsername); never the token.
  bot_configs: { select: ['tenant_id', 'bot_username'] },
};

/** Sequences of the tables the bot inserts into with generated ids. */
export const BOT_SEQUENCE_GRANTS: readonly string[] = ['entries_id_seq', 'outbox_messages_id_seq'];

/** `"name"`, quoted for SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statements that reset `role`'s privileges in schema `public` to {@link BOT_TABLE_GRANTS}. */
export function botGrantStatements(role: string): string[] {
  const to = quoteIdentifier(role);
  const statements = [
    `revoke all on all tables in schema public from ${to}`,
    `revoke all on all sequences in schema public from ${to}`,
    `grant usage on schema public to ${to}`,
  ];
  const columns = (list: readonly string[]) => `(${list.map(quoteIdentifier).join(', ')})`;
  for (const [table, grant] of Object.entries(BOT_TABLE_GRANTS)) {
    const on = `on table ${quoteIdentifier(table)} to ${to}`;
    if (grant.select === '*') statements.push(`grant select ${on}`);
    else if (grant.select) statements.push(`grant select ${columns(grant.select)} ${on}`);
    if (grant.insert) statements.push(`grant insert ${on}`);
    if (grant.update) statements.push(`grant update ${columns(grant.update)} ${on}`);
  }
  for (const sequence of BOT_SEQUENCE_GRANTS) {
    statements.push(`grant usage on sequence ${quoteIdentifier(sequence)} to ${to}`);
  }
  return statements;
}
