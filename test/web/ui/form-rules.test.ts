/** The lottery form's rules without a DOM: validation, the request bodies, and the post preview. */
import { describe, expect, it } from 'vitest';
import { createBody, patchBody } from '../../../src/web/ui/lottery/form-body.ts';
import { emptyForm, formFromLottery, type LotteryForm } from '../../../src/web/ui/lottery/form-model.ts';
import { validateLottery } from '../../../src/web/ui/lottery/form-validation.ts';
import { htmlSegments, previewHtml } from '../../../src/web/ui/lottery/post-text.ts';
import { CHANNEL, CHATS, GROUP, lottery, NOT_ADMIN } from './fixtures.ts';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const check = (form: LotteryForm, original = null as ReturnType<typeof lottery> | null) =>
  validateLottery(form, { chats: CHATS, original, now: NOW });
const keys = (errors: ReturnType<typeof check>) =>
  Object.fromEntries(Object.entries(errors).map(([field, p]) => [field, p.key]));

function validForm(): LotteryForm {
  const form = emptyForm('en');
  form.title = '  Giveaway  ';
  form.prizes[0]!.name = 'Mug';
  form.targets = [CHANNEL.chat_id];
  return form;
}

describe('validateLottery', () => {
  it('accepts a complete form', () => {
    expect(check(validForm())).toEqual({});
  });

  it('names every missing field of an empty form', () => {
    expect(keys(check(emptyForm('en')))).toEqual({
      title: 'required',
      'prizes.0.name': 'required',
      targets: 'targetsNeeded',
    });
  });

  it('checks lengths, counts and quantities against the API limits', () => {
    const form = validForm();
    form.title = 'x'.repeat(201);
    form.description = 'x'.repeat(2001);
    form.keyword = 'k'.repeat(65);
    form.prizes[0]!.quantity = 10_001;
    form.trigger = { kind: 'entries', at: null, count: 0 };
    expect(keys(check(form))).toEqual({
      title: 'tooLong',
      description: 'tooLong',
      keyword: 'tooLong',
      'prizes.0.quantity': 'quantity',
      'trigger.count': 'count',
    });
    form.prizes = [];
    expect(check(form).prizes).toEqual({ key: 'prizesNeeded' });
  });

  it('needs a future draw time', () => {
    const form = validForm();
    form.trigger = { kind: 'time', at: null, count: null };
    expect(check(form)['trigger.at']?.key).toBe('required');
    form.trigger.at = new Date(NOW.getTime() - 60_000);
    expect(check(form)['trigger.at']?.key).toBe('timeInPast');
    form.trigger.at = new Date(NOW.getTime() + 60_000);
    expect(check(form)['trigger.at']).toBeUndefined();
  });

  it('allows only chats where the bot is an administrator, and no duplicate conditions', () => {
    const form = validForm();
    form.targets = [CHANNEL.chat_id, NOT_ADMIN.chat_id];
    form.conditions = [
      { key: 1, kind: 'member', chatId: null },
      { key: 2, kind: 'member', chatId: NOT_ADMIN.chat_id },
      { key: 3, kind: 'not-bot', chatId: null },
      { key: 4, kind: 'not-bot', chatId: null },
    ];
    expect(keys(check(form))).toEqual({
      targets: 'chatNotAdmin',
      'conditions.0.chat': 'chooseChat',
      'conditions.1.chat': 'chatNotAdmin',
      'conditions.3': 'duplicateCondition',
    });
  });

  it('lets an open lottery only make winning easier or later', () => {
    const open = lottery({ status: 'open' });
    const form = formFromLottery(open);
    expect(check(form, open)).toEqual({});

    form.prizes[0]!.quantity = 1; // was 2
    form.prizes.splice(1, 1); // "Sticker" removed
    form.conditions.push({ key: 99, kind: 'has-username', chatId: null });
    form.trigger.at = new Date('2099-11-30T12:00:00.000Z'); // earlier than 2099-12-01
    expect(keys(check(form, open))).toEqual({
      'prizes.0.quantity': 'quantityNotLower',
      prizes: 'prizeRemoved',
      'conditions.2': 'conditionAdded',
      'trigger.at': 'timeNotEarlier',
    });

    const other = formFromLottery(open);
    other.trigger = { kind: 'manual', at: null, count: null };
    expect(check(other, open).trigger?.key).toBe('triggerKindLocked');
  });
});

describe('request bodies', () => {
  it('POST: trimmed fields, the draw time as ISO UTC, no keyword when empty', () => {
    const form = validForm();
    form.trigger = { kind: 'time', at: new Date('2099-01-02T03:04:00+08:00'), count: null };
    form.conditions = [
      { key: 1, kind: 'member', chatId: GROUP.chat_id },
      { key: 2, kind: 'has-username', chatId: null },
    ];
    expect(createBody(form)).toEqual({
      title: 'Giveaway',
      description: '',
      language: 'en',
      prizes: [{ name: 'Mug', quantity: 1 }],
      join_conditions: [{ kind: 'member', chat_id: GROUP.chat_id }, { kind: 'has-username' }],
      draw_trigger: { kind: 'time', at: '2099-01-01T19:04:00.000Z' },
      publish_targets: [CHANNEL.chat_id],
    });
  });

  it('PATCH of a draft sends everything, prizes with their ids, and clears a removed keyword', () => {
    const draft = lottery({ join_keyword: 'go' });
    const form = formFromLottery(draft);
    form.keyword = '';
    form.prizes.push({ key: 50, id: null, name: 'Pen', quantity: 3 });
    const body = patchBody(form, draft);
    expect(body.prizes).toEqual([
      { id: 3, name: 'AirPods', quantity: 2 },
      { id: 4, name: 'Sticker', quantity: 10 },
      { name: 'Pen', quantity: 3 },
    ]);
    expect(body.join_keyword).toBeNull();
    expect(body.title).toBe('Year-end giveaway');
  });

  it('PATCH of an open lottery sends only what changed', () => {
    const open = lottery({ status: 'open' });
    const form = formFromLottery(open);
    expect(patchBody(form, open)).toEqual({});
    form.prizes[1]!.quantity = 20;
    form.conditions.pop();
    expect(patchBody(form, open)).toEqual({
      prizes: [
        { id: 3, name: 'AirPods', quantity: 2 },
        { id: 4, name: 'Sticker', quantity: 20 },
      ],
      join_conditions: [{ kind: 'member', chat_id: CHANNEL.chat_id }],
    });
  });
});

describe('post preview', () => {
  it("is the bot's own post text, with user text shown literally", () => {
    const form = validForm();
    form.title = '<b>Big</b> & bold';
    form.conditions = [{ key: 1, kind: 'member', chatId: GROUP.chat_id }];
    const html = previewHtml(form, CHATS);
    expect(html).toContain('&lt;b&gt;Big&lt;/b&gt; &amp; bold');
    const text = htmlSegments(html)
      .map((s) => s.text)
      .join('');
    expect(text).toContain('🎁 <b>Big</b> & bold');
    expect(text).toContain('• Mug × 1');
    expect(text).toContain('be a member of Fans <3');
    expect(text).toContain('Draw: announced by the organiser');
  });

  it('follows the lottery language and marks a draw time not picked yet', () => {
    const form = validForm();
    form.language = 'zh-CN';
    form.trigger = { kind: 'time', at: null, count: null };
    const text = htmlSegments(previewHtml(form, CHATS))
      .map((s) => s.text)
      .join('');
    expect(text).toContain('奖品');
    expect(text).toContain('开奖时间：…');
  });
});
