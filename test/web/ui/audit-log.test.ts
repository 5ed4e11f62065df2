// @vitest-environment happy-dom
/**
 * The audit log on the admin page (components/admin/AuditLog.vue) and the account's security events
 * (components/account/SecurityEvents.vue): actions in words, details summarised, names isolated,
 * "load more" by cursor, the action group filter.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../../src/web/ui/api/types.ts';
import SecurityEvents from '../../../src/web/ui/components/account/SecurityEvents.vue';
import AuditLog from '../../../src/web/ui/components/admin/AuditLog.vue';
import { SETTLES } from '../../helpers/wait.ts';
import { mountPanel } from './mount.ts';

const RLO = '\u202e';

function event(id: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    at: '2026-12-01T09:00:00.000Z',
    tenant_id: 7,
    tenant_name: 'ann',
    actor: 'tenant:7',
    action: 'auth.signed_in',
    subject: 'tenant:7',
    detail: { address: '198.51.100.7', user_agent: 'Firefox' },
    ...over,
  };
}

const THROTTLE = event(9, {
  actor: 'system',
  action: 'auth.throttled',
  detail: { scope: 'account_address', address: '203.0.113.66', failures: 3, delay_s: 4 },
});
const EVIL = event(8, {
  tenant_name: `evil${RLO}gnp.exe`,
  actor: 'tenant:7',
  action: 'tenant.registered',
  detail: {},
});
const OLDER = event(5, { action: 'bot.future_thing', detail: { bot_username: 'ann_bot' } });

let requested: string[] = [];
const fetchMock = vi.fn(async (url: string | URL | Request) => {
  const key = String(url);
  requested.push(key);
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  if (key === '/api/admin/audit?limit=50') return json({ items: [THROTTLE, EVIL], next_before: 8 });
  if (key === '/api/admin/audit?limit=50&before=8') return json({ items: [OLDER], next_before: null });
  if (key === '/api/admin/audit?limit=50&action=auth.') return json({ items: [THROTTLE], next_before: null });
  if (key === '/api/me/audit?limit=20') return json({ items: [THROTTLE, event(4)], next_before: null });
  return new Response(JSON.stringify({ error: { code: 'not_found', message: key } }), { status: 404 });
});
vi.stubGlobal('fetch', fetchMock);

let wrapper: ReturnType<typeof mountPanel> | undefined;
beforeEach(() => {
  requested = [];
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function rows(): string[] {
  return wrapper!.findAll('[data-test="audit-table"] tbody tr').map((r) => r.text());
}

describe('AuditLog', () => {
  it('shows each event with its action in words and its details summarised', async () => {
    wrapper = mountPanel(AuditLog);
    await vi.waitFor(() => {
      const [first, second] = rows();
      expect(first).toContain('Sign-in delayed after wrong passwords');
      expect(first).toContain('the platform');
      expect(first).toContain('counted for: this account from this address');
      expect(first).toContain('203.0.113.66');
      expect(first).toContain('wrong passwords: 3');
      expect(second).toContain('Account created');
    }, SETTLES);
  });

  it('isolates a username with a right-to-left override in a <bdi>', async () => {
    wrapper = mountPanel(AuditLog);
    await vi.waitFor(() => {
      const names = wrapper!.findAll('[data-test="audit-table"] bdi.tg-name').map((b) => b.text());
      expect(names).toContain(`evil${RLO}gnp.exe`);
    }, SETTLES);
  });

  it('loads older events with the cursor, each once, then offers no more', async () => {
    wrapper = mountPanel(AuditLog);
    await vi.waitFor(() => expect(rows()).toHaveLength(2), SETTLES);
    await wrapper.find('[data-test="audit-more"]').trigger('click');
    await vi.waitFor(() => {
      expect(requested).toContain('/api/admin/audit?limit=50&before=8');
      const all = rows();
      expect(all).toHaveLength(3);
      // An action the panel has no words for yet shows as it is.
      expect(all[2]).toContain('bot.future_thing');
      expect(all[2]).toContain('bot: ');
      expect(wrapper!.find('[data-test="audit-more"]').exists()).toBe(false);
    }, SETTLES);
  });

  it('filters by action group', async () => {
    wrapper = mountPanel(AuditLog);
    await vi.waitFor(() => expect(rows()).toHaveLength(2), SETTLES);
    const signIns = wrapper.findAll('[data-test="audit-groups"] label').find((l) => l.text() === 'Sign-ins');
    await signIns!.find('input').setValue(true);
    await vi.waitFor(() => {
      expect(requested.at(-1)).toBe('/api/admin/audit?limit=50&action=auth.');
      expect(rows()).toHaveLength(1);
    }, SETTLES);
  });
});

describe('SecurityEvents', () => {
  it('says where wrong passwords for the account came from', async () => {
    wrapper = mountPanel(SecurityEvents);
    await vi.waitFor(() => {
      const items = wrapper!.findAll('[data-test="security-events"] li').map((li) => li.text());
      expect(items).toHaveLength(2);
      expect(items[0]).toContain('3 wrong password(s) for your account from \u2068203.0.113.66\u2069');
      expect(items[0]).toContain('delayed 4 s');
      expect(items[1]).toContain('Signed in, from \u2068198.51.100.7\u2069');
      expect(wrapper!.find('[data-test="security-more"]').exists()).toBe(false);
    }, SETTLES);
  });
});
