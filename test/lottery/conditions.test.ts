/**
 * Membership has three outcomes, never two (F11): a getChatMember answer or refusal becomes `member`,
 * `not-member` or `unknown` (the check could not be made), and the conditions check stops at the first
 * failure, cheap conditions first.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  checkConditions,
  type Entrant,
  membershipOf,
  membershipOfError,
} from '../../src/lottery/conditions.ts';
import { person } from '../helpers/factories/index.ts';

describe('membershipOf (a ChatMember)', () => {
  it.each([
    [{ status: 'creator' }, 'member'],
    [{ status: 'administrator' }, 'member'],
    [{ status: 'member' }, 'member'],
    [{ status: 'restricted', is_member: true }, 'member'],
    [{ status: 'restricted', is_member: false }, 'not-member'],
    [{ status: 'left' }, 'not-member'],
    [{ status: 'kicked' }, 'not-member'],
    [{ status: 'something-new' }, 'unknown'],
    [{}, 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
  ] as const)('%j → %s', (member, expected) => {
    expect(membershipOf(member)).toBe(expected);
  });
});

describe('membershipOfError (a getChatMember refusal)', () => {
  it.each([
    [400, 'Bad Request: user not found', 'unknown'],
    [400, 'Bad Request: member not found', 'unknown'],
    [400, 'Bad Request: chat not found', 'unknown'],
    [400, 'Bad Request: member list is inaccessible', 'unknown'],
    [403, 'Forbidden: bot is not a member of the channel chat', 'unknown'],
    [403, 'Forbidden: bot was kicked from the supergroup chat', 'unknown'],
    [429, 'Too Many Requests: retry after 5', 'unknown'],
    [502, 'Bad Gateway', 'unknown'],
    [null, 'socket hang up', 'unknown'],
    [null, '', 'unknown'],
  ] as const)('%s %s → %s', (code, description, expected) => {
    expect(membershipOfError(code, description)).toBe(expected);
  });
});

describe('checkConditions', () => {
  const entrant: Entrant = person(7, { firstName: 'A', username: 'a' });

  it('passes when every condition holds', async () => {
    const check = vi.fn(async () => 'member' as const);
    const outcome = await checkConditions(
      [{ kind: 'member', chatId: -1 }, { kind: 'member', chatId: -2 }, { kind: 'not-bot' }],
      entrant,
      check,
    );
    expect(outcome).toEqual({ ok: true });
    expect(check.mock.calls).toEqual([
      [-1, 7],
      [-2, 7],
    ]);
  });

  it('checks the cheap conditions before asking Telegram', async () => {
    const check = vi.fn(async () => 'member' as const);
    const conditions = [{ kind: 'member', chatId: -1 } as const, { kind: 'not-bot' } as const];
    expect(await checkConditions(conditions, { ...entrant, isBot: true }, check)).toEqual({
      ok: false,
      failed: 'not-bot',
    });
    expect(
      await checkConditions([...conditions, { kind: 'has-username' }], { ...entrant, username: null }, check),
    ).toEqual({ ok: false, failed: 'has-username' });
    expect(check).not.toHaveBeenCalled();
  });

  it.each(['not-member', 'unknown'] as const)(
    'stops at the first chat that answers %s',
    async (membership) => {
      const check = vi.fn(async (chatId: number) => (chatId === -2 ? membership : 'member'));
      const outcome = await checkConditions(
        [
          { kind: 'member', chatId: -1 },
          { kind: 'member', chatId: -2 },
          { kind: 'member', chatId: -3 },
        ],
        entrant,
        check,
      );
      expect(outcome).toEqual({ ok: false, failed: 'member', chatId: -2, membership });
      expect(check).toHaveBeenCalledTimes(2);
    },
  );
});
