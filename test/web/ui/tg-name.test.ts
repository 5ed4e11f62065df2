// @vitest-environment happy-dom
/**
 * Names from Telegram are shown isolated (<bdi>): a right-to-left override (U+202E) inside a name must
 * not reverse the rest of the row it sits in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat } from '../../../src/web/ui/api/types.ts';
import LotterySummary from '../../../src/web/ui/components/lottery/LotterySummary.vue';
import TgName from '../../../src/web/ui/components/TgName.vue';
import { isolate } from '../../../src/web/ui/format.ts';
import { CHANNEL, lottery } from './fixtures.ts';
import { mountPanel } from './mount.ts';

const RLO = '\u202E';
let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

/** Every text node containing `needle`, with the chain of element names from it up to the root. */
function ancestorsOf(root: Element, needle: string): string[][] {
  const found: string[][] = [];
  const walker = root.ownerDocument.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent?.includes(needle)) continue;
    const chain: string[] = [];
    for (let el = node.parentElement; el && el !== root.parentElement; el = el.parentElement) {
      chain.push(el.tagName.toLowerCase());
    }
    found.push(chain);
  }
  return found;
}

describe('TgName', () => {
  it('isolates a user name with U+202E from its @username and from the row around it', () => {
    const user = { first_name: `Ann${RLO}gnp.exe`, last_name: 'Lee', username: 'ann_lee' };
    const wrapper = mountPanel(TgName, { user });
    unmount = () => wrapper.unmount();
    const outer = wrapper.element as Element;
    expect(outer.tagName.toLowerCase()).toBe('bdi');
    expect(outer.textContent).toBe(`Ann${RLO}gnp.exe Lee (@ann_lee)`);
    const inner = outer.querySelectorAll('bdi');
    expect([...inner].map((b) => b.textContent)).toEqual([`Ann${RLO}gnp.exe Lee`, '@ann_lee']);
    // The override sits in its own isolate, inside the outer one: it ends where the name ends.
    expect(ancestorsOf(outer, RLO)).toEqual([['bdi', 'bdi']]);
  });

  it('shows "@username" alone, a bare text, or a dash when Telegram gave nothing', () => {
    const only = mountPanel(TgName, { user: { first_name: '', username: 'solo' } });
    expect(only.text()).toBe('@solo');
    only.unmount();
    const text = mountPanel(TgName, { text: `${RLO}lennahc` });
    expect(text.element.tagName.toLowerCase()).toBe('bdi');
    expect(text.text()).toBe(`${RLO}lennahc`);
    text.unmount();
    const none = mountPanel(TgName, { user: { first_name: '', username: null } });
    expect(none.text()).toBe('—');
    none.unmount();
  });
});

describe('Telegram names in the panel', () => {
  it("the lottery summary isolates chat titles, in its target list and in its conditions' sentences", () => {
    const evil: Chat = { ...CHANNEL, chat_id: -1009, title: `Evil${RLO}lennahc`, username: null };
    const wrapper = mountPanel(LotterySummary, {
      lottery: lottery({
        publish_targets: [evil.chat_id],
        join_conditions: [{ kind: 'member', chat_id: evil.chat_id }],
      }),
      chats: [evil],
    });
    unmount = () => wrapper.unmount();
    const chains = ancestorsOf(wrapper.element.parentElement as Element, RLO);
    expect(chains.length).toBe(2);
    // In the targets: inside a <bdi>. In the condition's sentence: between U+2068 and U+2069.
    expect(chains.filter((c) => c[0] === 'bdi')).toHaveLength(1);
    expect(wrapper.text()).toContain(isolate(`Evil${RLO}lennahc`));
  });
});
