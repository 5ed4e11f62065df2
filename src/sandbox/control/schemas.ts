/**
 * zod schemas for every control API body and query: the one place that says what each endpoint takes.
 * Unknown keys are refused so a typo never passes silently.
 */

import { z } from 'zod';
import { CHAT_MEMBER_STATUSES, CHAT_TYPES } from '../../contracts/chat.ts';

const id = z.number().int().safe();
const positiveId = id.positive();
const name = z.string().min(1).max(64);
const username = z
  .string()
  .regex(/^@?[A-Za-z][A-Za-z0-9_]{3,31}$/, 'a username is 4-32 letters, digits or _');

export const idParam = z.object({ id: z.coerce.number().int().safe() });

export const createBotBody = z
  .object({
    username: z.string().min(1).max(64),
    first_name: name.optional(),
    can_read_all_group_messages: z.boolean().optional(),
  })
  .strict();

/** Most bots one batch call creates (the answer, about 90 bytes a bot, stays under the body limit). */
export const MAX_BATCH_BOTS = 10_000;

/** `POST /_sandbox/bots/batch` with a list: each bot as for `POST /_sandbox/bots`. */
export const createBotsListBody = z
  .object({ bots: z.array(createBotBody).min(1).max(MAX_BATCH_BOTS) })
  .strict();

/**
 * `POST /_sandbox/bots/batch` with a count: bots named `<prefix>_<n>_bot` (prefix 1-16 of [A-Za-z0-9_]
 * starting with a letter, default `batch`).
 */
export const createBotsCountBody = z
  .object({
    count: z.number().int().min(1).max(MAX_BATCH_BOTS),
    username_prefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/, 'a prefix is 1-16 letters, digits or _, starting with a letter')
      .default('batch'),
    first_name: name.optional(),
    can_read_all_group_messages: z.boolean().optional(),
  })
  .strict();

export const createUserBody = z
  .object({
    first_name: name,
    last_name: z.string().max(64).optional(),
    username: username.optional(),
    language_code: z.string().min(2).max(35).optional(),
    is_bot: z.boolean().optional(),
  })
  .strict();

export const botRefBody = z.object({ bot_id: positiveId }).strict();

export const createChatBody = z
  .object({
    type: z.enum(CHAT_TYPES),
    title: z.string().min(1).max(128),
    username: username.optional(),
  })
  .strict()
  .refine((b) => b.type !== 'private', {
    message: 'private chats are implicit: every user has one with each bot (use a bot id as chat_id)',
    path: ['type'],
  })
  .refine((b) => b.type !== 'group' || b.username === undefined, {
    message: 'a basic group has no public username; use a supergroup',
    path: ['username'],
  });

const rights = z
  .object(
    Object.fromEntries(
      [
        'is_anonymous',
        'can_manage_chat',
        'can_delete_messages',
        'can_manage_video_chats',
        'can_restrict_members',
        'can_promote_members',
        'can_change_info',
        'can_invite_users',
        'can_post_stories',
        'can_edit_stories',
        'can_delete_stories',
        'can_post_messages',
        'can_edit_messages',
        'can_pin_messages',
        'can_manage_topics',
        'can_manage_direct_messages',
      ].map((k) => [k, z.boolean().optional()]),
    ),
  )
  .strict();

export const memberBody = z
  .object({
    user_id: positiveId,
    status: z.enum(CHAT_MEMBER_STATUSES),
    is_member: z.boolean().optional(),
    can_send_messages: z.boolean().optional(),
    rights: rights.optional(),
    by_user_id: positiveId.optional(),
  })
  .strict();

export const startBody = z.object({ bot_id: positiveId, payload: z.string().max(64).optional() }).strict();

export const sendBody = z
  .object({ chat_id: id, text: z.string().min(1).max(20_000), reply_to_message_id: positiveId.optional() })
  .strict();

export const pressBody = z
  .object({
    chat_id: id,
    message_id: positiveId,
    callback_data: z.string().max(4096),
    inaccessible: z.boolean().optional(),
    any_data: z.boolean().optional(),
  })
  .strict();

export const privateMessagesQuery = z.object({ user_id: z.coerce.number().int().positive().safe() });

export const changesQuery = z.object({
  after: z.coerce.number().int().min(-1).default(-1),
  timeout_ms: z.coerce.number().int().min(0).max(60_000).default(25_000),
});

export const faultBody = z
  .object({
    token: z.string().min(1).max(200).optional(),
    method: z.string().regex(/^(\*|[A-Za-z0-9_]{1,64})$/, 'a Bot API method name, or * for every method'),
    chat_id: z.union([z.number().int(), z.string().min(1).max(64)]).optional(),
    error_code: z.number().int().min(100).max(599).optional(),
    description: z.string().min(1).max(1000).optional(),
    parameters: z
      .object({ retry_after: z.number().int().min(0).optional(), migrate_to_chat_id: id.optional() })
      .strict()
      .optional(),
    hang_ms: z.number().int().min(0).max(600_000).optional(),
    drop: z.boolean().optional(),
    times: z.number().int().min(1).max(1_000_000).default(1),
  })
  .strict()
  .refine((b) => b.error_code !== undefined || b.hang_ms !== undefined || b.drop === true, {
    message: 'a fault needs error_code, hang_ms or drop: true',
  })
  .refine((b) => b.error_code !== undefined || (b.description === undefined && b.parameters === undefined), {
    message: 'description and parameters need an error_code',
  });

/**
 * Validate `value` with `schema`.
 * @throws ControlInputError (400) whose message lists every problem, e.g. `✖ Invalid input ... → at user_id`.
 */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new ControlInputError(z.prettifyError(result.error));
  return result.data;
}

/** A bad control API request; answered 400 `{error}`. */
export class ControlInputError extends Error {
  override name = 'ControlInputError';
}
