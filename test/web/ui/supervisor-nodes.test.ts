// @vitest-environment happy-dom
/**
 * The supervisor nodes on the admin page (components/admin/SupervisorNodes.vue): each node with its name,
 * its state as a coloured tag (live green, stopping grey, lost red), its bots, pid and times, in English
 * and Chinese; a sentence when no node has reported; the refresh button asks the API again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SupervisorNode } from '../../../src/web/ui/api/types.ts';
import SupervisorNodes from '../../../src/web/ui/components/admin/SupervisorNodes.vue';
import { formatTime } from '../../../src/web/ui/format.ts';
import { en } from '../../../src/web/ui/i18n/en.ts';
import { zhCN } from '../../../src/web/ui/i18n/zh-CN.ts';
import { SETTLES } from '../../helpers/wait.ts';
import { mountPanel } from './mount.ts';

function node(
  name: string,
  state: SupervisorNode['state'],
  over: Partial<SupervisorNode> = {},
): SupervisorNode {
  return {
    node_id: `${name}:4242:ab12cd`,
    name,
    pid: 4242,
    started_at: '2026-12-01T08:00:00.000Z',
    heartbeat_at: '2026-12-01T09:30:00.000Z',
    state,
    bots: 0,
    ...over,
  };
}

const LIVE = node('alpha', 'live', { pid: 1111, bots: 12, heartbeat_at: '2026-12-01T09:31:00.000Z' });
const STOPPING = node('bravo', 'stopping', { pid: 2222, bots: 3 });
const LOST = node('charlie', 'lost', { pid: null, started_at: '2026-11-30T22:15:00.000Z' });

let answer: SupervisorNode[] = [];
let requests = 0;
const fetchMock = vi.fn(async (url: string | URL | Request) => {
  const key = String(url);
  if (key === '/api/admin/nodes') {
    requests++;
    return new Response(JSON.stringify({ items: answer }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }
  return new Response(JSON.stringify({ error: { code: 'not_found', message: key } }), { status: 404 });
});
vi.stubGlobal('fetch', fetchMock);

let wrapper: ReturnType<typeof mountPanel> | undefined;
beforeEach(() => {
  requests = 0;
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function rows() {
  return wrapper!.findAll('[data-test="nodes-table"] tbody tr');
}

describe('SupervisorNodes', () => {
  it.each([
    ['en', en],
    ['zh-CN', zhCN],
  ] as const)(
    'shows each node with its state as a coloured tag, bots, pid and times (%s)',
    async (locale, messages) => {
      answer = [LIVE, STOPPING, LOST];
      wrapper = mountPanel(SupervisorNodes, {}, locale);
      await vi.waitFor(() => expect(rows()).toHaveLength(3), SETTLES);
      expect(wrapper.text()).toContain(messages.nodes.title);
      const expected = [
        { node: LIVE, tag: 'el-tag--success' },
        { node: STOPPING, tag: 'el-tag--info' },
        { node: LOST, tag: 'el-tag--danger' },
      ];
      for (const [i, { node, tag }] of expected.entries()) {
        const row = rows()[i]!;
        const cells = row.findAll('td').map((td) => td.text().trim());
        expect(cells).toEqual([
          `${node.name}${node.node_id}`,
          messages.nodes.states[node.state],
          String(node.bots),
          node.pid === null ? '—' : String(node.pid),
          formatTime(node.started_at, locale),
          formatTime(node.heartbeat_at, locale),
        ]);
        const stateTag = row.find('.el-tag');
        expect(stateTag.text()).toBe(messages.nodes.states[node.state]);
        expect(stateTag.classes()).toContain(tag);
      }
      expect(wrapper.find('[data-test="nodes-empty"]').exists()).toBe(false);
    },
  );

  it('says so when no node has reported', async () => {
    answer = [];
    wrapper = mountPanel(SupervisorNodes);
    await vi.waitFor(() => expect(wrapper!.find('[data-test="nodes-empty"]').exists()).toBe(true), SETTLES);
    expect(wrapper.text()).toContain(en.nodes.empty);
    expect(wrapper.find('[data-test="nodes-table"]').exists()).toBe(false);
  });

  it('asks the API again on refresh, and shows what changed', async () => {
    answer = [];
    wrapper = mountPanel(SupervisorNodes);
    await vi.waitFor(() => expect(wrapper!.find('[data-test="nodes-empty"]').exists()).toBe(true), SETTLES);
    expect(requests).toBe(1);
    answer = [LIVE];
    await wrapper.find('[data-test="nodes-refresh"]').trigger('click');
    await vi.waitFor(() => {
      expect(requests).toBe(2);
      expect(rows()).toHaveLength(1);
      expect(rows()[0]!.text()).toContain('alpha');
    }, SETTLES);
    expect(wrapper.find('[data-test="nodes-empty"]').exists()).toBe(false);
  });
});
