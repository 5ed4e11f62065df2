/** Every entity the ORM knows, in one list for `MikroORM.init`. */
import { AuditEvent } from './audit.ts';
import { BotUser, Chat } from './chat.ts';
import { DrawProof, Entry, Lottery, LotteryCount, LotteryPost, Prize, Winner } from './lottery.ts';
import { OutboxMessage } from './outbox.ts';
import { BotConfig, BotStatus, Tenant } from './tenant.ts';

export * from './audit.ts';
export * from './chat.ts';
export * from './lottery.ts';
export * from './outbox.ts';
export * from './tenant.ts';

export const entities = [
  Tenant,
  BotConfig,
  BotStatus,
  Lottery,
  Prize,
  LotteryPost,
  Entry,
  Winner,
  DrawProof,
  LotteryCount,
  Chat,
  BotUser,
  OutboxMessage,
  AuditEvent,
];
