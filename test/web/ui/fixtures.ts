/** Test data for the admin panel's tests: chats and lotteries shaped like the API's answers. */
import type { Chat, Lottery } from '../../../src/web/ui/api/types.ts';

export const CHANNEL: Chat = {
  chat_id: -1001,
  type: 'channel',
  title: 'My channel',
  username: 'mychannel',
  bot_status: 'administrator',
  is_admin: true,
  check_error: null,
  check_failed_at: null,
  updated_at: '2026-11-01T00:00:00.000Z',
};

export const GROUP: Chat = {
  chat_id: -1002,
  type: 'supergroup',
  title: 'Fans <3',
  username: null,
  bot_status: 'administrator',
  is_admin: true,
  check_error: null,
  check_failed_at: null,
  updated_at: '2026-11-01T00:00:00.000Z',
};

/** A group where the bot is only a member: neither a target nor a membership chat. */
export const NOT_ADMIN: Chat = {
  chat_id: -1003,
  type: 'group',
  title: 'Chatter',
  username: null,
  bot_status: 'member',
  is_admin: false,
  check_error: null,
  check_failed_at: null,
  updated_at: '2026-11-01T00:00:00.000Z',
};

export const CHATS = [CHANNEL, GROUP, NOT_ADMIN];

/** A lottery as the API returns it; override any field. */
export function lottery(overrides: Partial<Lottery> = {}): Lottery {
  return {
    id: 12,
    title: 'Year-end giveaway',
    description: 'Plain text',
    status: 'draft',
    language: 'en',
    prizes: [
      { id: 3, name: 'AirPods', quantity: 2 },
      { id: 4, name: 'Sticker', quantity: 10 },
    ],
    winner_count: 12,
    join_conditions: [{ kind: 'member', chat_id: CHANNEL.chat_id }, { kind: 'not-bot' }],
    draw_trigger: { kind: 'time', at: '2099-12-01T12:00:00.000Z' },
    publish_targets: [CHANNEL.chat_id],
    join_keyword: null,
    commitment: null,
    entry_count: 0,
    changes: [],
    posts: [],
    created_at: '2026-11-01T00:00:00.000Z',
    updated_at: '2026-11-01T00:00:00.000Z',
    published_at: null,
    drawn_at: null,
    cancelled_at: null,
    ...overrides,
  };
}
