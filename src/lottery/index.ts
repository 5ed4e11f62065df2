/**
 * The lottery domain (抽奖): plain functions over the database, no Telegram imports. The organiser's
 * side (lotteries.ts: create, edit, publish, cancel), joining (join.ts, conditions.ts), the exactly-once
 * draw (draw-lottery.ts), rerolls (reroll-winners.ts), the outbox (outbox.ts, effects.ts), the read
 * models (queries.ts) and the texts (texts.ts, render.ts). The fairness core is in fairness/.
 */

export { recordBlocked } from './bot-users-store.ts';
export {
  type Entrant,
  type Membership,
  type MembershipCheck,
  membershipOf,
  membershipOfError,
} from './conditions.ts';
export { type DrawDeps, type DrawOutcome, drawIfOpen, drawNow } from './draw-lottery.ts';
export { LOTTERY_ERROR_CODES, LotteryError, type LotteryErrorCode } from './errors.ts';
export { type JoinOutcome, joinLottery, recordStarted } from './join.ts';
export {
  cancelLottery,
  createLottery,
  deleteLottery,
  editLottery,
  findLottery,
  type LotteryServiceDeps,
  listLotteries,
  publishLottery,
  type SeedCipher,
} from './lotteries.ts';
export {
  createMembershipCheck,
  MEMBERSHIP_TIMEOUT_MS,
  type MembershipClientOptions,
} from './membership-client.ts';
export {
  LANGUAGES,
  type LotteryInput,
  type LotteryPatch,
  type LotteryRecord,
  lotteryInputSchema,
  winnerCount,
} from './model.ts';
export {
  allEntries,
  type ChatView,
  decodeCursor,
  type EntryPage,
  type EntryView,
  listChats,
  listEntries,
  listWinners,
  type WinnerView,
} from './queries.ts';
export { type RerollRequest, rerollWinners } from './reroll-winners.ts';
export { createSeedCipher, LOTTERY_SEED_PURPOSE } from './seed-cipher.ts';
export { dueLotteries, loadJoinLottery } from './store.ts';
export { loadProof } from './winners-store.ts';
