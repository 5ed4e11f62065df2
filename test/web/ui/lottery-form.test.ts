// @vitest-environment happy-dom
/** The lottery form component: what the organiser sees when a field is wrong, and what it emits. */
import { ElInputNumber, ElSelect } from 'element-plus';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LotteryBody } from '../../../src/web/ui/api/types.ts';
import LotteryForm from '../../../src/web/ui/components/lottery/LotteryForm.vue';
import { SETTLES } from '../../helpers/wait.ts';
import { CHANNEL, CHATS, lottery, NOT_ADMIN } from './fixtures.ts';
import { mountPanel } from './mount.ts';

const NOW = new Date('2026-11-29T12:00:00.000Z');
type Wrapper = ReturnType<typeof mountPanel>;
let wrapper: Wrapper | undefined;

afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function mountForm(props: Record<string, unknown> = {}): Wrapper {
  wrapper = mountPanel(LotteryForm, { chats: CHATS, now: () => NOW, ...props });
  return wrapper;
}

/** Saves the form. Element Plus shows a form item's error 100 ms after its state changes (a debounce): wait for what follows with `vi.waitFor`. */
async function submit(w: Wrapper) {
  await w.find('form').trigger('submit');
}

const fieldErrors = (w: Wrapper) => w.findAll('.el-form-item__error').map((e) => e.text());
const submitted = (w: Wrapper) => w.emitted<[LotteryBody]>('submit')?.map(([body]) => body) ?? [];

describe('LotteryForm', () => {
  it('shows what is missing beside each field and sends nothing', async () => {
    const w = mountForm();
    await submit(w);
    await vi.waitFor(() => {
      expect(fieldErrors(w)).toEqual(['Required.', 'Required.', 'Choose at least one channel or group.']);
      expect(w.find('[data-test="form-error"]').text()).toContain('Some fields need attention');
    }, SETTLES);
    expect(submitted(w)).toEqual([]);
  });

  it('re-checks as the organiser types once they tried to save', async () => {
    const w = mountForm();
    await submit(w);
    await vi.waitFor(() => expect(fieldErrors(w)).toHaveLength(3), SETTLES);
    await w.find('input[data-test="title"]').setValue('Launch party');
    await vi.waitFor(
      () => expect(fieldErrors(w)).toEqual(['Required.', 'Choose at least one channel or group.']),
      SETTLES,
    );
  });

  it('adds and removes prize rows, keeping at least one', async () => {
    const w = mountForm();
    const rows = () => w.findAll('[data-test="prize-row"]');
    expect(rows()).toHaveLength(1);
    expect(w.find('[data-test="prize-remove"]').attributes('disabled')).toBeDefined();
    await w.find('[data-test="prize-add"]').trigger('click');
    expect(rows()).toHaveLength(2);
    await rows()[1]!.find('[data-test="prize-remove"]').trigger('click');
    expect(rows()).toHaveLength(1);
  });

  it('emits the API body once the form is complete', async () => {
    const w = mountForm();
    await w.find('input[data-test="title"]').setValue('  Launch party ');
    await w.find('input[data-test="prize-name"]').setValue('Mug');
    w.findComponent(ElSelect).vm.$emit('update:modelValue', [CHANNEL.chat_id]);
    await submit(w);
    await vi.waitFor(() => expect(submitted(w)).toHaveLength(1), SETTLES);
    expect(fieldErrors(w)).toEqual([]);
    expect(submitted(w)).toEqual([
      {
        title: 'Launch party',
        description: '',
        language: 'en',
        prizes: [{ name: 'Mug', quantity: 1 }],
        join_conditions: [],
        draw_trigger: { kind: 'manual' },
        publish_targets: [CHANNEL.chat_id],
      },
    ]);
  });

  it('refuses a draw time in the past', async () => {
    const w = mountForm({
      lottery: lottery({ draw_trigger: { kind: 'time', at: '2026-11-01T00:00:00.000Z' } }),
    });
    await submit(w);
    await vi.waitFor(() => expect(fieldErrors(w)).toEqual(['Pick a time in the future.']), SETTLES);
    expect(submitted(w)).toEqual([]);
  });

  it('sends the draw time of a draft in UTC', async () => {
    const w = mountForm({ lottery: lottery() });
    await submit(w);
    await vi.waitFor(
      () => expect(submitted(w)[0]?.draw_trigger).toEqual({ kind: 'time', at: '2099-12-01T12:00:00.000Z' }),
      SETTLES,
    );
  });

  it('asks for the chat of a membership condition', async () => {
    const w = mountForm({ lottery: lottery() });
    await w.find('[data-test="condition-add"]').trigger('click');
    await submit(w);
    await vi.waitFor(() => expect(fieldErrors(w)).toEqual(['Choose the chat.']), SETTLES);
  });

  it('offers only chats where the bot is an administrator as targets', async () => {
    const w = mountForm();
    const options = w.findComponent(ElSelect).findAllComponents({ name: 'ElOption' });
    const disabled = Object.fromEntries(options.map((o) => [o.props('value'), o.props('disabled')]));
    expect(disabled).toEqual({ [CHANNEL.chat_id]: false, [-1002]: false, [NOT_ADMIN.chat_id]: true });
    expect(w.find('[data-test="no-admin-chats"]').exists()).toBe(false);
  });

  it('explains how to get a chat when the bot administers none', () => {
    const w = mountForm({ chats: [NOT_ADMIN] });
    expect(w.find('[data-test="no-admin-chats"]').text()).toContain('as an administrator');
  });

  it('for an open lottery, locks what cannot change and sends only the changes', async () => {
    const w = mountForm({ lottery: lottery({ status: 'open' }) });
    expect(w.text()).toContain('This lottery is open');
    expect(w.find('input[data-test="title"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-test="condition-add"]').exists()).toBe(false);

    await submit(w);
    await vi.waitFor(
      () => expect(w.find('[data-test="form-error"]').text()).toBe('Nothing changed.'),
      SETTLES,
    );

    // Saved prizes stay, and their quantity field cannot go below the saved quantity.
    const quantity = w.findAllComponents(ElInputNumber)[0]!;
    expect(quantity.props('min')).toBe(2);
    const removes = w.findAll('[data-test="prize-remove"]');
    expect(removes.map((b) => b.attributes('disabled') !== undefined)).toEqual([true, true]);

    quantity.vm.$emit('update:modelValue', 5);
    await submit(w);
    await vi.waitFor(() => expect(submitted(w)).toHaveLength(1), SETTLES);
    expect(submitted(w)).toEqual([
      {
        prizes: [
          { id: 3, name: 'AirPods', quantity: 5 },
          { id: 4, name: 'Sticker', quantity: 10 },
        ],
      },
    ]);
  });

  it("shows the server's message", () => {
    const w = mountForm({ serverError: 'Chat -1001 is not one where your bot is an administrator.' });
    expect(w.find('[data-test="form-error"]').text()).toBe(
      'Chat -1001 is not one where your bot is an administrator.',
    );
  });

  it('previews the post live, in the lottery language', async () => {
    const w = mountForm();
    await w.find('input[data-test="title"]').setValue('Launch <party>');
    await w.find('input[data-test="prize-name"]').setValue('Mug');
    const preview = w.find('[data-test="post-preview"]');
    expect(preview.text()).toContain('🎁 Launch <party>');
    expect(preview.find('b').text()).toBe('Launch <party>');
    expect(preview.text()).toContain('• Mug × 1');
  });
});
