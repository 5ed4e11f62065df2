/**
 * The organiser's side of a lottery: create, edit, delete, publish, cancel. Lifecycle: `draft` → `open`
 * (published) → `drawing` → `drawn`, or `cancelled` (from draft or open). Every call is scoped to one
 * tenant: another tenant's lottery is `lottery_not_found`, exactly like an unknown id.
 *
 * Editing an open lottery may only make winning easier or extend it (more prizes or larger quantities,
 * a later draw time, a larger entry count, fewer conditions); each such change is recorded in `changes`
 * and every post is edited to show it. Saving checks that the bot administers every target and every
 * chat named in a membership condition (chats table, kept current from `my_chat_member`).
 *
 * @throws LotteryError (errors.ts) for every broken rule; database errors as they come.
 */
import { botConfigRepository } from '../db/repositories/bot-configs.ts';
import type { Sql } from '../db/sql.ts';
import { adminChats } from './chats-store.ts';
import { LotteryError } from './errors.ts';
import { commitment, generateSeed } from './fairness/index.ts';
import {
  type LotteryChange,
  type LotteryInput,
  type LotteryPatch,
  type LotteryRecord,
  lotteryInputSchema,
  requiredAdminChats,
  winnerCount,
} from './model.ts';
import { enqueuePostEdits, enqueuePosts } from './posts.ts';
import {
  deleteLotteryRow,
  findLottery,
  insertLottery,
  markCancelled,
  markPublished,
  updateLottery,
} from './store.ts';

/** Encrypts and decrypts a lottery's secret seed at rest (AES-256-GCM, src/security/token-cipher.ts). */
export interface SeedCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export interface LotteryServiceDeps {
  sql: Sql;
  seedCipher: SeedCipher;
  /** The clock (ms), for tests. */
  now?: () => number;
}

const notFound = () => new LotteryError('lottery_not_found', 'No lottery with this id.');

async function mustFind(sql: Sql, tenantId: number, id: number, lock = false): Promise<LotteryRecord> {
  const lottery = await findLottery(sql, tenantId, id, { lock });
  if (!lottery) throw notFound();
  return lottery;
}

async function checkAdminChats(sql: Sql, tenantId: number, input: LotteryInput): Promise<void> {
  const needed = requiredAdminChats(input);
  const admin = await adminChats(sql, tenantId, needed);
  const missing = needed.filter((id) => !admin.has(id));
  if (missing.length > 0) {
    throw new LotteryError(
      'chat_not_admin',
      `Your bot is not an administrator of chat ${missing.join(', ')}. Add the bot to that chat as an ` +
        'administrator (it needs to post and to see members), then save again.',
    );
  }
}

function checkDrawTime(input: LotteryInput, now: number): void {
  if (input.drawTrigger.kind === 'time' && Date.parse(input.drawTrigger.at) <= now) {
    throw new LotteryError('draw_time_past', 'The draw time is in the past: choose a time in the future.');
  }
}

function asInput(lottery: LotteryRecord): LotteryInput {
  return {
    title: lottery.title,
    description: lottery.description,
    language: lottery.language,
    prizes: lottery.prizes.map((p) => ({ id: p.id, name: p.name, quantity: p.quantity })),
    joinConditions: lottery.joinConditions,
    drawTrigger: lottery.drawTrigger,
    publishTargets: lottery.publishTargets,
    joinKeyword: lottery.joinKeyword,
  };
}

/** Validates raw input (already shaped by the caller) into a LotteryInput. @throws LotteryError invalid_lottery */
export function parseInput(raw: unknown): LotteryInput {
  const parsed = lotteryInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LotteryError('invalid_lottery', issue.message, {
      path: issue.path.filter((key) => typeof key !== 'symbol'),
    });
  }
  const input = parsed.data;
  const winners = winnerCount(input.prizes);
  if (input.drawTrigger.kind === 'entries' && input.drawTrigger.count < winners) {
    // The draw would happen with fewer entries than prizes, so some prizes could never be won.
    throw new LotteryError(
      'invalid_lottery',
      `draw at ${winners} entries or more (the prizes have ${winners} winners)`,
      { path: ['drawTrigger', 'count'] },
    );
  }
  return input;
}

/** Creates a draft. */
export async function createLottery(
  deps: LotteryServiceDeps,
  tenantId: number,
  raw: unknown,
): Promise<LotteryRecord> {
  const input = parseInput(raw);
  return deps.sql.transaction(async (sql) => {
    await checkAdminChats(sql, tenantId, input);
    checkDrawTime(input, deps.now?.() ?? Date.now());
    const id = await insertLottery(sql, tenantId, {
      ...input,
      prizes: input.prizes.map(({ id: _, ...p }) => p),
    });
    return mustFind(sql, tenantId, id);
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Whether two triggers are the same (by meaning: jsonb reorders keys, and an instant has many spellings). */
function sameTrigger(a: LotteryInput['drawTrigger'], b: LotteryInput['drawTrigger']): boolean {
  if (a.kind === 'time' && b.kind === 'time') return Date.parse(a.at) === Date.parse(b.at);
  if (a.kind === 'entries' && b.kind === 'entries') return a.count === b.count;
  return a.kind === b.kind;
}

/** A condition as a comparable key (independent of the key order jsonb gives back). */
const conditionKey = (c: LotteryInput['joinConditions'][number]) =>
  c.kind === 'member' ? `member:${c.chatId}` : c.kind;

/** The changes `next` makes to an open lottery, or a LotteryError when one is not allowed. */
export function openLotteryChanges(current: LotteryRecord, next: LotteryInput, at: string): LotteryChange[] {
  const refuse = (what: string) =>
    new LotteryError(
      'lottery_change_not_allowed',
      `A published lottery can only be made easier to win or extended; ${what}.`,
    );
  const changes: LotteryChange[] = [];
  const names = {
    title: 'title',
    description: 'description',
    language: 'language',
    joinKeyword: 'join keyword',
  };
  for (const field of ['title', 'description', 'language', 'joinKeyword'] as const) {
    if (!same(current[field], next[field])) throw refuse(`its ${names[field]} cannot change any more`);
  }
  if (!same([...current.publishTargets].sort(), [...next.publishTargets].sort()))
    throw refuse('its target chats cannot change any more');

  const byId = new Map(next.prizes.flatMap((p) => (p.id !== undefined ? [[p.id, p] as const] : [])));
  for (const prize of current.prizes) {
    const kept = byId.get(prize.id);
    if (!kept) throw refuse(`prize "${prize.name}" cannot be removed`);
    if (kept.name !== prize.name) throw refuse(`prize "${prize.name}" cannot be renamed`);
    if (kept.quantity < prize.quantity) throw refuse(`prize "${prize.name}" cannot have fewer copies`);
  }
  for (const p of next.prizes) {
    if (p.id !== undefined && !current.prizes.some((c) => c.id === p.id))
      throw new LotteryError('invalid_lottery', `there is no prize ${p.id} in this lottery`, {
        path: ['prizes'],
      });
  }
  const before = current.prizes.map((p) => ({ name: p.name, quantity: p.quantity }));
  const after = next.prizes.map((p) => ({ name: p.name, quantity: p.quantity }));
  if (!same(before, after)) changes.push({ at, field: 'prizes', from: before, to: after });

  const old = new Set(current.joinConditions.map(conditionKey));
  if (next.joinConditions.some((c) => !old.has(conditionKey(c))))
    throw refuse('conditions can only be removed');
  if (next.joinConditions.length !== current.joinConditions.length)
    changes.push({ at, field: 'conditions', from: current.joinConditions, to: next.joinConditions });

  const a = current.drawTrigger;
  const b = next.drawTrigger;
  if (!sameTrigger(a, b)) {
    const later =
      (a.kind === 'time' && b.kind === 'time' && Date.parse(b.at) > Date.parse(a.at)) ||
      (a.kind === 'entries' && b.kind === 'entries' && b.count > a.count);
    if (!later) throw refuse('the draw can only move later (a later time, or more entries)');
    changes.push({ at, field: 'draw', from: a, to: b });
  }
  return changes;
}

/** Edits a draft (anything) or an open lottery (see openLotteryChanges). */
export async function editLottery(
  deps: LotteryServiceDeps,
  tenantId: number,
  id: number,
  patch: LotteryPatch,
): Promise<LotteryRecord> {
  return deps.sql.transaction(async (sql) => {
    const current = await mustFind(sql, tenantId, id, true);
    if (current.status !== 'draft' && current.status !== 'open') {
      throw new LotteryError(
        'lottery_not_editable',
        `This lottery is ${current.status}; it cannot be edited.`,
      );
    }
    const next = parseInput({ ...asInput(current), ...patch });
    const now = deps.now?.() ?? Date.now();
    if (current.status === 'draft') {
      await checkAdminChats(sql, tenantId, next);
      checkDrawTime(next, now);
      await updateLottery(sql, id, next, current.prizes, []);
      return mustFind(sql, tenantId, id);
    }
    const changes = openLotteryChanges(current, next, new Date(now).toISOString());
    if (changes.length === 0) return current;
    checkDrawTime(next, now);
    await updateLottery(sql, id, next, current.prizes, changes);
    const updated = await mustFind(sql, tenantId, id);
    await enqueuePostEdits(sql, updated, 'open', `change-${updated.changes.length}`);
    return updated;
  });
}

/** Deletes a draft or a cancelled lottery (an open one must be cancelled first; a drawn one is kept). */
export async function deleteLottery(deps: LotteryServiceDeps, tenantId: number, id: number): Promise<void> {
  await deps.sql.transaction(async (sql) => {
    const current = await mustFind(sql, tenantId, id, true);
    if (current.status !== 'draft' && current.status !== 'cancelled') {
      throw new LotteryError(
        'lottery_not_draft',
        current.status === 'open'
          ? 'This lottery is open: cancel it first, then it can be deleted.'
          : `Only drafts and cancelled lotteries can be deleted; this one is ${current.status} (its draw is kept).`,
      );
    }
    await deleteLotteryRow(sql, tenantId, id);
  });
}

/**
 * Publishes a draft: generates its 32-byte secret seed (stored encrypted) and its SHA-256 commitment,
 * opens it, and queues one post per target. The bot need not be running: posts wait in the outbox.
 */
export async function publishLottery(
  deps: LotteryServiceDeps,
  tenantId: number,
  id: number,
): Promise<LotteryRecord> {
  return deps.sql.transaction(async (sql) => {
    const current = await mustFind(sql, tenantId, id, true);
    if (current.status !== 'draft') {
      throw new LotteryError('lottery_not_draft', `This lottery is already ${current.status}.`);
    }
    if (!(await botConfigRepository.hasToken(sql, tenantId))) {
      throw new LotteryError(
        'bot_not_configured',
        'No bot is configured yet: save a token from @BotFather first.',
      );
    }
    await checkAdminChats(sql, tenantId, asInput(current));
    checkDrawTime(asInput(current), deps.now?.() ?? Date.now());
    const seed = generateSeed();
    await markPublished(sql, id, {
      seedEncrypted: deps.seedCipher.encrypt(seed.toString('hex')),
      commitment: commitment(seed),
    });
    await enqueuePosts(sql, await mustFind(sql, tenantId, id));
    return mustFind(sql, tenantId, id); // with its posts
  });
}

/** Cancels a draft or an open lottery; open posts are edited to say so (and lose their Join button). */
export async function cancelLottery(
  deps: LotteryServiceDeps,
  tenantId: number,
  id: number,
): Promise<LotteryRecord> {
  return deps.sql.transaction(async (sql) => {
    const current = await mustFind(sql, tenantId, id, true);
    if (current.status !== 'draft' && current.status !== 'open') {
      throw new LotteryError(
        'lottery_not_cancellable',
        current.status === 'cancelled'
          ? 'This lottery is already cancelled.'
          : `This lottery is ${current.status}; it cannot be cancelled any more.`,
      );
    }
    await markCancelled(sql, id);
    const cancelled = await mustFind(sql, tenantId, id);
    if (current.status === 'open') await enqueuePostEdits(sql, cancelled, 'cancelled', 'cancelled');
    return cancelled;
  });
}

export { findLottery, listLotteries } from './store.ts';
