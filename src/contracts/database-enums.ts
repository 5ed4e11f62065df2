/**
 * Which column of which table holds each shared vocabulary: the migrations' CHECK constraints must allow
 * exactly these values (test/contracts/database-enums.test.ts reads them from the migrated database).
 */
import { ROLES } from './account.ts';
import { ISOLATION_REASONS, TENANT_STATES } from './bot.ts';
import { CHAT_MEMBER_STATUSES, CHAT_TYPES } from './chat.ts';
import {
  DELIVERY_STATUSES,
  ENTRY_SOURCES,
  LOTTERY_STATUSES,
  OUTBOX_STATUSES,
  WINNER_STATUSES,
} from './lottery.ts';

/** `table.column` → the values its CHECK constraint allows. */
export const DATABASE_ENUMS: Readonly<Record<string, readonly string[]>> = {
  'tenants.role': ROLES,
  'bot_status.state': TENANT_STATES,
  'bot_status.isolation': ISOLATION_REASONS,
  'lotteries.status': LOTTERY_STATUSES,
  'entries.source': ENTRY_SOURCES,
  'winners.status': WINNER_STATUSES,
  'winners.delivery_status': DELIVERY_STATUSES,
  'chats.type': CHAT_TYPES,
  'chats.bot_status': CHAT_MEMBER_STATUSES,
  'outbox_messages.status': OUTBOX_STATUSES,
};
