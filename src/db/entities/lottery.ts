/**
 * Entities of a lottery (抽奖): the lottery itself, its prizes, its posts in chats, the entries, the
 * winners and the draw proof. Shapes of the JSON columns are declared here as types; their rules
 * (validation, lifecycle) live in src/lottery/.
 */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import {
  DELIVERY_STATUSES,
  ENTRY_SOURCES,
  LOTTERY_STATUSES,
  WINNER_STATUSES,
} from '../../contracts/lottery.ts';
import { Tenant } from './tenant.ts';

/** A condition an entrant must meet to win. */
export type JoinCondition =
  | { kind: 'member'; chatId: number }
  | { kind: 'has-username' }
  | { kind: 'not-bot' };

/** When the draw happens. `at` is an ISO-8601 instant. */
export type DrawTrigger =
  | { kind: 'time'; at: string }
  | { kind: 'entries'; count: number }
  | { kind: 'manual' };

/** One recorded edit of an open lottery (only changes that make winning easier or later are allowed). */
export interface LotteryChange {
  at: string;
  field: string;
  from: unknown;
  to: unknown;
}

export const Lottery = defineEntity({
  name: 'Lottery',
  tableName: 'lotteries',
  properties: {
    id: p.integer().primary().autoincrement(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    title: p.string().length(200),
    description: p.text().default(''),
    status: p.enum([...LOTTERY_STATUSES]).default('draft'),
    language: p.text().default('zh-CN'),
    joinConditions: p.json<JoinCondition[]>().default('[]'),
    drawTrigger: p.json<DrawTrigger>(),
    drawAt: p.datetime().nullable(),
    drawAtEntries: p.integer().nullable(),
    publishTargets: p.json<number[]>().default('[]'),
    joinKeyword: p.string().length(64).nullable(),
    seedEncrypted: p.text().nullable().hidden(),
    commitment: p.character().length(64).nullable(),
    entryCount: p.integer().default(0),
    changes: p.json<LotteryChange[]>().default('[]'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    publishedAt: p.datetime().nullable(),
    drawnAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
  },
});
export type Lottery = InferEntity<typeof Lottery>;

export const Prize = defineEntity({
  name: 'Prize',
  tableName: 'prizes',
  properties: {
    id: p.integer().primary().autoincrement(),
    lottery: () => p.manyToOne(Lottery).deleteRule('cascade'),
    position: p.integer(),
    name: p.string().length(200),
    quantity: p.integer(),
  },
});
export type Prize = InferEntity<typeof Prize>;

export const LotteryPost = defineEntity({
  name: 'LotteryPost',
  tableName: 'lottery_posts',
  properties: {
    id: p.integer().primary().autoincrement(),
    lottery: () => p.manyToOne(Lottery).deleteRule('cascade'),
    chatId: p.bigint('number'),
    messageId: p.bigint('number').nullable(),
    shownEntryCount: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type LotteryPost = InferEntity<typeof LotteryPost>;

export const Entry = defineEntity({
  name: 'Entry',
  tableName: 'entries',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    lottery: () => p.manyToOne(Lottery).deleteRule('cascade'),
    tgUserId: p.bigint('number'),
    firstName: p.string().length(256),
    lastName: p.string().length(256).nullable(),
    username: p.string().length(64).nullable(),
    languageCode: p.string().length(16).nullable(),
    isBot: p.boolean().default(false),
    startedBot: p.boolean().default(false),
    source: p.enum([...ENTRY_SOURCES]).default('button'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Entry = InferEntity<typeof Entry>;

export const Winner = defineEntity({
  name: 'Winner',
  tableName: 'winners',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    lottery: () => p.manyToOne(Lottery).deleteRule('cascade'),
    entry: () => p.manyToOne(Entry).deleteRule('cascade'),
    prize: () => p.manyToOne(Prize).deleteRule('cascade'),
    position: p.integer(),
    status: p.enum([...WINNER_STATUSES]).default('active'),
    replacedReason: p.text().nullable(),
    replacedAt: p.datetime().nullable(),
    deliveryStatus: p.enum([...DELIVERY_STATUSES]).default('pending'),
    deliveryError: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Winner = InferEntity<typeof Winner>;

export const DrawProof = defineEntity({
  name: 'DrawProof',
  tableName: 'draw_proofs',
  properties: {
    lottery: () => p.oneToOne(Lottery).primary().owner().deleteRule('cascade'),
    algorithmVersion: p.text(),
    commitment: p.character().length(64),
    seed: p.text(),
    entriesDigest: p.character().length(64),
    entryCount: p.integer(),
    winners: p.json<unknown[]>(),
    rerolls: p.json<unknown[]>().default('[]'),
    prizes: p.json<unknown[]>().default('[]'),
    undrawn: p.json<unknown[]>().default('[]'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type DrawProof = InferEntity<typeof DrawProof>;

/** The live entry count of an uncapped lottery, refreshed by its bot (src/lottery/join.ts). */
export const LotteryCount = defineEntity({
  name: 'LotteryCount',
  tableName: 'lottery_counts',
  properties: {
    lottery: () => p.oneToOne(Lottery).primary().owner().deleteRule('cascade'),
    entryCount: p.integer(),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type LotteryCount = InferEntity<typeof LotteryCount>;
