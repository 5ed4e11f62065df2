/**
 * Schemas of the lottery routes (docs/api-lotteries.md): request bodies in `snake_case`, mapped here to
 * the domain's camelCase input (src/lottery/model.ts, which checks the same limits again), and the
 * lottery view. Entries, winners, chats and the proof: lottery-reads.ts. The OpenAPI document is
 * generated from these.
 *
 * Limits: title 1–200 characters, description ≤ 2000, 1–20 prizes of quantity 1–10 000, ≤ 5 join
 * conditions, 1–10 publish targets, a join keyword of ≤ 64 characters, a reroll reason of 1–500.
 */
import { z } from 'zod';
import { LOTTERY_STATUSES } from '../../contracts/lottery.ts';
import {
  decodeCursor,
  LANGUAGES,
  type LotteryPatch,
  type LotteryRecord,
  winnerCount,
} from '../../lottery/index.ts';
import { instant, iso } from './common.ts';

const MAX_INT4 = 2_147_483_647;

/**
 * A custom message for a field that is present but wrong; a missing one keeps zod's own message, which
 * the error handler turns into "<field> is required".
 */
const unlessMissing = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? undefined : message;

/** `:id` of a lottery URL. */
export const lotteryIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9]{1,10}$/, { error: 'must be a lottery id (a positive whole number)' })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: 'must be a lottery id (a positive whole number)' })
        .max(MAX_INT4, { error: 'is too large to be a lottery id' }),
    ),
});

/** A Telegram chat id: a whole number, never 0 (negative for groups and channels). */
const chatIdSchema = z
  .int({ error: unlessMissing('must be a Telegram chat id (a whole number, e.g. -1001234567890)') })
  .refine((v) => v !== 0, { error: 'must be a Telegram chat id, not 0' });

const titleSchema = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });

const prizeBody = z.strictObject({
  id: z
    .int({ error: unlessMissing('must be the id of one of this lottery’s prizes') })
    .min(1, { error: 'must be the id of one of this lottery’s prizes' })
    .max(MAX_INT4, { error: 'must be the id of one of this lottery’s prizes' })
    .optional()
    .describe('an existing prize (edits); omit for a new prize'),
  name: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' }),
  quantity: z
    .int({ error: unlessMissing('must be a whole number') })
    .min(1, { error: 'must be at least 1' })
    .max(10_000, { error: 'must be at most 10000' }),
});

const conditionBody = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('member'), chat_id: chatIdSchema }),
    z.strictObject({ kind: z.literal('has-username') }),
    z.strictObject({ kind: z.literal('not-bot') }),
  ],
  { error: unlessMissing('must be {kind: "member", chat_id}, {kind: "has-username"} or {kind: "not-bot"}') },
);

const triggerBody = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('time'),
      at: z.iso
        .datetime({
          offset: true,
          error: unlessMissing('must be an ISO-8601 date-time, e.g. 2026-12-01T12:00:00.000Z'),
        })
        // One spelling per instant, so "the same time" compares equal when an open lottery is edited.
        .transform((at) => new Date(at).toISOString()),
    }),
    z.strictObject({
      kind: z.literal('entries'),
      count: z
        .int({ error: unlessMissing('must be a whole number') })
        .min(1, { error: 'must be at least 1' })
        .max(10_000_000, { error: 'must be at most 10000000' }),
    }),
    z.strictObject({ kind: z.literal('manual') }),
  ],
  { error: unlessMissing('must be {kind: "time", at}, {kind: "entries", count} or {kind: "manual"}') },
);

const unique = (values: readonly unknown[]) => new Set(values).size === values.length;

/** Every field of a lottery body; POST needs some, PATCH takes any subset. */
const bodyFields = {
  title: titleSchema,
  description: z.string().max(2000, { error: 'must be at most 2000 characters' }),
  language: z.enum(LANGUAGES, { error: unlessMissing('must be "zh-CN" or "en"') }),
  prizes: z
    .array(prizeBody, { error: unlessMissing('must be a list of prizes') })
    .min(1, { error: 'needs at least one prize' })
    .max(20, { error: 'may have at most 20 prizes' })
    .refine((prizes) => unique(prizes.flatMap((p) => (p.id === undefined ? [] : [p.id]))), {
      error: 'names the same prize id twice',
    }),
  join_conditions: z
    .array(conditionBody, { error: unlessMissing('must be a list of conditions') })
    .max(5, { error: 'may have at most 5 conditions' })
    .refine((conditions) => unique(conditions.map((c) => (c.kind === 'member' ? c.chat_id : c.kind))), {
      error: 'names the same condition twice',
    }),
  draw_trigger: triggerBody,
  publish_targets: z
    .array(chatIdSchema, { error: unlessMissing('must be a list of chat ids') })
    .min(1, { error: 'needs at least one chat' })
    .max(10, { error: 'may have at most 10 chats' })
    .refine(unique, { error: 'names the same chat twice' }),
  join_keyword: z
    .string()
    .trim()
    .max(64, { error: 'must be at most 64 characters' })
    // An empty keyword means "no keyword".
    .transform((v) => (v === '' ? null : v))
    .nullable(),
};

export const createLotteryBody = z
  .strictObject({
    ...bodyFields,
    description: bodyFields.description.optional().describe('plain text, default empty'),
    language: bodyFields.language.optional().describe('default zh-CN'),
    join_conditions: bodyFields.join_conditions.optional().describe('default none'),
    join_keyword: bodyFields.join_keyword.optional().describe('default none'),
  })
  .describe('CreateLotteryBody');

export const patchLotteryBody = z
  .strictObject({
    title: bodyFields.title.optional(),
    description: bodyFields.description.optional(),
    language: bodyFields.language.optional(),
    prizes: bodyFields.prizes.optional(),
    join_conditions: bodyFields.join_conditions.optional(),
    draw_trigger: bodyFields.draw_trigger.optional(),
    publish_targets: bodyFields.publish_targets.optional(),
    join_keyword: bodyFields.join_keyword.optional(),
  })
  .describe('PatchLotteryBody');

type PatchBody = z.output<typeof patchLotteryBody>;

/** A (partial) body as the domain's camelCase input; fields not sent are left out. */
export function toLotteryPatch(body: PatchBody): LotteryPatch {
  const out: LotteryPatch = {};
  if (body.title !== undefined) out.title = body.title;
  if (body.description !== undefined) out.description = body.description;
  if (body.language !== undefined) out.language = body.language;
  if (body.prizes !== undefined) out.prizes = body.prizes;
  if (body.join_conditions !== undefined)
    out.joinConditions = body.join_conditions.map((c) =>
      c.kind === 'member' ? { kind: 'member', chatId: c.chat_id } : c,
    );
  if (body.draw_trigger !== undefined) out.drawTrigger = body.draw_trigger;
  if (body.publish_targets !== undefined) out.publishTargets = body.publish_targets;
  if (body.join_keyword !== undefined) out.joinKeyword = body.join_keyword;
  return out;
}

export const lotteryListQuery = z.strictObject({
  status: z
    .enum(LOTTERY_STATUSES, { error: `must be one of ${LOTTERY_STATUSES.join(', ')}` })
    .optional()
    .describe('only lotteries in this state'),
});

export const entryListQuery = z.strictObject({
  query: z
    .string()
    .max(200, { error: 'must be at most 200 characters' })
    .optional()
    .describe('first or last name, @username or user id'),
  cursor: z
    .string()
    .max(64, { error: 'is not a cursor from this API' })
    .refine((v) => v === '' || decodeCursor(v) !== null, { error: 'is not a cursor from this API' })
    .optional()
    .describe('next_cursor of the previous page'),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(200, { error: 'must be at most 200' })
    .default(50),
});

export const rerollBody = z
  .strictObject({
    winner_ids: z
      .array(z.int({ error: 'must be winner ids' }).min(1, { error: 'must be winner ids' }), {
        error: unlessMissing('must be a list of winner ids'),
      })
      .min(1, { error: 'name at least one winner' })
      .max(1000, { error: 'may name at most 1000 winners at once' })
      .describe('winners[].id of the winners to replace'),
    reason: z
      .string()
      .trim()
      .min(1, { error: 'give a reason' })
      .max(500, { error: 'must be at most 500 characters' })
      .describe('recorded in the proof and announced'),
  })
  .describe('RerollBody');

const conditionView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('member'), chat_id: z.number().int() }),
  z.object({ kind: z.literal('has-username') }),
  z.object({ kind: z.literal('not-bot') }),
]);

const triggerView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('time'), at: instant }),
  z.object({ kind: z.literal('entries'), count: z.number().int() }),
  z.object({ kind: z.literal('manual') }),
]);

export const lotteryView = z
  .object({
    id: z.number().int(),
    title: z.string(),
    description: z.string(),
    status: z.enum(LOTTERY_STATUSES),
    language: z.enum(LANGUAGES),
    prizes: z.array(z.object({ id: z.number().int(), name: z.string(), quantity: z.number().int() })),
    winner_count: z.number().int().describe('sum of the prizes’ quantities'),
    join_conditions: z.array(conditionView),
    draw_trigger: triggerView,
    publish_targets: z.array(z.number().int()),
    join_keyword: z.string().nullable(),
    commitment: z.string().nullable().describe('SHA-256 of the secret seed (hex), set at publish'),
    entry_count: z.number().int(),
    changes: z
      .array(
        z.object({
          at: instant,
          field: z.string().describe('prizes, join_conditions or draw_trigger'),
          from: z.unknown(),
          to: z.unknown(),
        }),
      )
      .describe('edits made while open'),
    posts: z.array(z.object({ chat_id: z.number().int(), message_id: z.number().int().nullable() })),
    created_at: instant,
    updated_at: instant,
    published_at: instant.nullable(),
    drawn_at: instant.nullable(),
    cancelled_at: instant.nullable(),
  })
  .describe('Lottery');
export type LotteryView = z.output<typeof lotteryView>;

export const lotteryListView = z.object({ items: z.array(lotteryView) }).describe('LotteryList');

type Condition = LotteryRecord['joinConditions'][number];
const conditionOut = (c: Condition) =>
  c.kind === 'member' ? { kind: 'member' as const, chat_id: c.chatId } : { kind: c.kind };

/** The domain's names of recorded changes → the API's field names. */
const CHANGE_FIELDS: Record<string, string> = {
  prizes: 'prizes',
  conditions: 'join_conditions',
  draw: 'draw_trigger',
};

function changeValue(field: string, value: unknown): unknown {
  if (field === 'conditions' && Array.isArray(value)) return (value as Condition[]).map(conditionOut);
  return value;
}

/** A lottery as the API shows it. */
export function toLotteryView(lottery: LotteryRecord): LotteryView {
  const t = lottery.drawTrigger;
  return {
    id: lottery.id,
    title: lottery.title,
    description: lottery.description,
    status: lottery.status,
    language: lottery.language,
    prizes: lottery.prizes.map((p) => ({ id: p.id, name: p.name, quantity: p.quantity })),
    winner_count: winnerCount(lottery.prizes),
    join_conditions: lottery.joinConditions.map(conditionOut),
    draw_trigger: t.kind === 'time' ? { kind: 'time', at: new Date(t.at).toISOString() } : t,
    publish_targets: lottery.publishTargets,
    join_keyword: lottery.joinKeyword,
    commitment: lottery.commitment,
    entry_count: lottery.entryCount,
    changes: lottery.changes.map((c) => ({
      at: c.at,
      field: CHANGE_FIELDS[c.field] ?? c.field,
      from: changeValue(c.field, c.from),
      to: changeValue(c.field, c.to),
    })),
    posts: lottery.posts.map((p) => ({ chat_id: p.chatId, message_id: p.messageId })),
    created_at: iso(lottery.createdAt),
    updated_at: iso(lottery.updatedAt),
    published_at: iso(lottery.publishedAt),
    drawn_at: iso(lottery.drawnAt),
    cancelled_at: iso(lottery.cancelledAt),
  };
}
