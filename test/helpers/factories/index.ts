/**
 * The test factories: one way for every test folder to make tenants, bot configs, bot statuses, chats, lotteries,
 * entries, bot users and Telegram users (and deliver an outbox as a bot would). Each takes overrides and returns what it stored; every default
 * is unique (unique.ts), so no test relies on a fixed id. They write through the product's own functions
 * (the web's repositories, src/lottery) and fall back to SQL only where the product has none, so the
 * tests follow the schema when it changes.
 */
export { type BotConfigOverrides, makeBotConfig } from './bot-config.ts';
export { type BotStatusOverrides, makeBotStatus } from './bot-status.ts';
export { type BotUserOverrides, type BotUserRow, makeBotUser } from './bot-user.ts';
export { type ChatOverrides, type ChatRow, makeChat } from './chat.ts';
export { type FactoryDb, sqlOf } from './door.ts';
export {
  type BulkEntryShape,
  type EntryOverrides,
  type EntryRow,
  makeEntries,
  makeEntriesInBulk,
  makeEntry,
} from './entry.ts';
export { type LotteryOverrides, type LotteryState, makeLottery } from './lottery.ts';
export { makeOrganiser, type Organiser, type OrganiserOverrides } from './organiser.ts';
export { deliverOutbox } from './outbox.ts';
export { person } from './person.ts';
export { seedCipher, TEST_SECRET, tokenCipher } from './secrets.ts';
export { makeTenant, NO_PASSWORD, type TenantOverrides } from './tenant.ts';
export { unique, uniqueBotId, uniqueBotToken, uniqueChatId, uniqueName, uniqueUserId } from './unique.ts';
