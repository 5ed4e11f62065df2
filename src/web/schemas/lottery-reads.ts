/**
 * Schemas of the lottery read models (docs/api-lotteries.md): entries, winners, the bot's chats and the
 * public draw proof, with the mappings from the domain's views (src/lottery/queries.ts).
 */
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../db/entities/lottery.ts';
import { drawProofSchema } from '../../lottery/fairness/index.ts';
import type { ChatView, EntryView, WinnerView } from '../../lottery/index.ts';
import { instant, iso, known } from './common.ts';

export const entryView = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    first_name: z.string(),
    last_name: z.string().nullable(),
    username: z.string().nullable(),
    source: z.enum(['button', 'deeplink', 'keyword']),
    joined_at: instant,
  })
  .describe('Entry');

export const entryPageView = z
  .object({
    items: z.array(entryView),
    next_cursor: z.string().nullable().describe('pass as cursor for the next page; null on the last'),
    total: z.number().int().describe('entries matching the query'),
  })
  .describe('EntryPage');

/** An entry as the API shows it. */
export function toEntryView(entry: EntryView): z.output<typeof entryView> {
  return {
    id: entry.id,
    user_id: entry.userId,
    first_name: entry.firstName,
    last_name: entry.lastName,
    username: entry.username,
    source: entry.source,
    joined_at: iso(entry.joinedAt),
  };
}

export const winnerView = z
  .object({
    id: z.number().int(),
    position: z.number().int(),
    prize: z.object({ id: z.number().int(), name: z.string() }),
    user: z.object({
      id: z.number().int(),
      first_name: z.string(),
      last_name: z.string().nullable(),
      username: z.string().nullable(),
    }),
    status: z.enum(['active', 'replaced']),
    replaced_reason: z.string().nullable(),
    delivery: z
      .object({
        status: z
          .enum(DELIVERY_STATUSES)
          .describe(
            'pending, delivered, blocked, never-started, deactivated, failed or not-sent (replaced before it went out)',
          ),
        error: z.string().nullable(),
        delivered_at: instant.nullable(),
      })
      .describe("the winner's private message"),
  })
  .describe('Winner');

export const winnerListView = z.object({ items: z.array(winnerView) }).describe('WinnerList');

/** A winner as the API shows it. */
export function toWinnerView(winner: WinnerView): z.output<typeof winnerView> {
  return {
    id: winner.id,
    position: winner.position,
    prize: winner.prize,
    user: {
      id: winner.user.id,
      first_name: winner.user.firstName,
      last_name: winner.user.lastName,
      username: winner.user.username,
    },
    status: winner.status,
    replaced_reason: winner.replacedReason,
    delivery: {
      status: known(DELIVERY_STATUSES, winner.delivery.status, 'winners.delivery_status'),
      error: winner.delivery.error,
      delivered_at: iso(winner.delivery.deliveredAt),
    },
  };
}

export const chatView = z
  .object({
    chat_id: z.number().int(),
    type: z.string().describe('group, supergroup or channel'),
    title: z.string().nullable(),
    username: z.string().nullable(),
    bot_status: z.string().describe("the bot's status in the chat: creator, administrator, member, left, …"),
    is_admin: z.boolean().describe('whether the chat can be a publish target or a membership condition'),
    check_error: z.string().nullable().describe('why the last membership check there could not be made'),
    check_failed_at: instant.nullable(),
    updated_at: instant,
  })
  .describe('Chat');

export const chatListView = z.object({ items: z.array(chatView) }).describe('ChatList');

/** A chat as the API shows it. */
export function toChatView(chat: ChatView): z.output<typeof chatView> {
  return {
    chat_id: chat.chatId,
    type: chat.type,
    title: chat.title,
    username: chat.username,
    bot_status: chat.botStatus,
    is_admin: chat.isAdmin,
    check_error: chat.checkError,
    check_failed_at: iso(chat.checkFailedAt),
    updated_at: iso(chat.updatedAt),
  };
}

/** The public draw proof (docs/fairness.md, "The proof document"); `tg-lottery verify` reads it. */
export const proofView = drawProofSchema.describe('DrawProof');
