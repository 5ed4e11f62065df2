/**
 * Lotteries with their prizes, targets, posts and (once open) entries, made by the domain's own
 * functions (src/lottery/lotteries.ts `createLottery`, `publishLottery`, `cancelLottery`; entries by
 * `joinLottery`; `drawNow` for a drawn one), so a lottery here passes every rule a real one passes.
 */
import {
  cancelLottery,
  createLottery,
  drawNow,
  type Entrant,
  findLottery,
  type LotteryInput,
  type LotteryRecord,
  publishLottery,
  type SeedCipher,
  winnerCount,
} from '../../../src/lottery/index.ts';
import { makeChat } from './chat.ts';
import { type FactoryDb, sqlOf } from './door.ts';
import { makeEntries } from './entry.ts';
import { makeOrganiser } from './organiser.ts';
import { person } from './person.ts';
import { seedCipher as testSeedCipher } from './secrets.ts';
import { uniqueName } from './unique.ts';

export type LotteryState = 'draft' | 'open' | 'drawn' | 'cancelled';

export interface LotteryOverrides extends Partial<Omit<LotteryInput, 'publishTargets' | 'prizes'>> {
  /** Default: a fresh organiser (tenant and bot config). */
  tenantId?: number;
  /** Default `draft`. `drawn` is drawn at once (membership conditions answered "member"). */
  status?: LotteryState;
  /** Default one prize, `Prize` × 1. */
  prizes?: { name: string; quantity: number }[];
  /** The target chats, where the bot must be an administrator. Default: a fresh admin channel of the tenant. */
  targets?: number[];
  /** Who joins once it is open (open, drawn). Default: nobody when open, one fresh user per winner when drawn. */
  entrants?: Entrant[];
  /** Default: the tests' seed cipher (TEST_SECRET). */
  seedCipher?: SeedCipher;
  /** The clock (ms) of create and publish. */
  now?: () => number;
}

/**
 * Create a lottery and bring it to `status`.
 * @returns the lottery as the domain reads it (with its prizes and posts)
 * @throws LotteryError when the overrides break a rule (e.g. a target where the bot is no administrator)
 */
export async function makeLottery(db: FactoryDb, overrides: LotteryOverrides = {}): Promise<LotteryRecord> {
  const sql = sqlOf(db);
  const {
    tenantId: given,
    status = 'draft',
    prizes,
    targets,
    entrants,
    seedCipher,
    now,
    ...input
  } = overrides;
  const tenantId = given ?? (await makeOrganiser(sql)).tenantId;
  const publishTargets = targets ?? [(await makeChat(sql, { tenantId })).chatId];
  const deps = { sql, seedCipher: seedCipher ?? testSeedCipher, ...(now ? { now } : {}) };
  const draft = await createLottery(deps, tenantId, {
    title: uniqueName('Lottery'),
    prizes: prizes ?? [{ name: 'Prize', quantity: 1 }],
    drawTrigger: { kind: 'manual' },
    publishTargets,
    ...input,
  });
  if (status === 'draft') return draft;
  if (status === 'cancelled') return cancelLottery(deps, tenantId, draft.id);
  const open = await publishLottery(deps, tenantId, draft.id);
  const joining =
    entrants ?? (status === 'drawn' ? Array.from({ length: winnerCount(open.prizes) }, () => person()) : []);
  await makeEntries(sql, open.id, joining);
  if (status === 'open') return (await findLottery(sql, tenantId, open.id))!;
  const drawn = await drawNow(
    { ...deps, membershipFor: async () => async () => 'member' },
    tenantId,
    open.id,
  );
  return drawn.lottery;
}
