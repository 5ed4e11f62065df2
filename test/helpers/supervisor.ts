/**
 * Builds a supervisor for integration tests: a migrated throw-away database, the Bot API sandbox,
 * tenants with encrypted tokens, and waiting helpers over the status store (events, not sleeps).
 */

import type { PlacementPolicy } from '../../machines/placement.ts';
import type { RestartPolicy } from '../../machines/policy.ts';
import type { Database } from '../../src/db/database.ts';
import { sqlFromOrm } from '../../src/db/sql.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { createTokenCipher } from '../../src/security/token-cipher.ts';
import type { ChildEntry } from '../../src/supervisor/host-entry.ts';
import type { BotSettings } from '../../src/supervisor/hosted-bot.ts';
import { type Supervisor, startSupervisor } from '../../src/supervisor/runtime.ts';
import type { TenantStatus } from '../../src/supervisor/status-store.ts';
import { testLogger } from './db.ts';

export const TEST_SECRET = 'integration-test-app-secret';
export const cipher = createTokenCipher(TEST_SECRET);

/** Timers shortened so fault scenarios take seconds, not minutes. */
export const FAST_POLICY: Partial<RestartPolicy> = {
  initialBackoffMs: 100,
  maxBackoffMs: 1000,
  jitter: 0,
  stableResetMs: 60_000,
  crashWindowMs: 60_000,
  conflictWindowMs: 3000,
  heartbeatTimeoutMs: 5000,
  startTimeoutMs: 10_000,
};

export interface SupervisorHarness {
  supervisor: Supervisor;
  /** Status of a tenant now. */
  status(tenantId: number): TenantStatus | undefined;
  /** Every status a tenant went through, in order. */
  history(tenantId: number): TenantStatus[];
  /** Resolve when the tenant's status satisfies `predicate`. */
  waitFor(
    tenantId: number,
    predicate: (s: TenantStatus) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<TenantStatus>;
  /**
   * One entry per run of the tenant's bot that reported ready so far, in order: the pid of the process it
   * ran in (its bot host). A restart inside the same host adds an entry with the same pid.
   */
  pids(tenantId: number): number[];
}

export async function startTestSupervisor(
  db: Database,
  sandbox: Sandbox,
  options: {
    policy?: Partial<RestartPolicy>;
    stopTimeoutMs?: number;
    checkIntervalS?: number;
    /** A substitute bot host (test/fixtures/misbehaving-host.mjs). */
    hostEntry?: ChildEntry;
    /** Placement overrides; default one shared host, no spare (botsPerHost 1 = a process per bot). */
    placement?: Partial<PlacementPolicy>;
    databaseUrl?: string;
    botSettings?: BotSettings;
    /** Give the bots the database (lottery), default true; false = they only greet on /start. */
    lottery?: boolean;
    /** Default: silent (TEST_LOG_LEVEL). */
    logger?: Logger;
  } = {},
): Promise<SupervisorHarness> {
  const supervisor = await startSupervisor({
    logger: options.logger ?? testLogger(),
    databaseUrl: options.databaseUrl ?? db.url,
    // Bots connect as the bot role (least privilege), unless a test routes the database elsewhere.
    ...(options.databaseUrl ? {} : { botDatabaseUrl: db.botUrl }),
    sql: sqlFromOrm(db.orm),
    cipher,
    apiRoot: sandbox.apiRoot,
    checkIntervalS: options.checkIntervalS ?? 30,
    stopTimeoutMs: options.stopTimeoutMs ?? 3000,
    adminUrl: 'http://127.0.0.1:8080',
    policy: { ...FAST_POLICY, ...options.policy },
    heartbeatMs: 100,
    ...(options.lottery === false ? { lottery: false } : {}),
    placement: { sharedHosts: 1, spareHosts: 0, ...options.placement },
    ...(options.hostEntry ? { hostEntry: options.hostEntry } : {}),
    ...(options.botSettings ? { botSettings: options.botSettings } : {}),
  });
  const histories = new Map<string, TenantStatus[]>();
  const spawned = new Map<string, number[]>();
  const waiters = new Set<() => void>();
  supervisor.store.subscribe((snapshot) => {
    for (const [id, status] of Object.entries(snapshot.context.tenants)) {
      const list = histories.get(id) ?? [];
      const last = list[list.length - 1];
      if (!last || last.state !== status.state || last.pid !== status.pid || last.reason !== status.reason) {
        list.push(status);
        histories.set(id, list);
      }
    }
    for (const w of [...waiters]) w();
  });
  // Record each run reported as ready (a run = a pid and a restart count).
  const runsSeen = new Set<string>();
  supervisor.store.subscribe((snapshot) => {
    for (const [id, status] of Object.entries(snapshot.context.tenants)) {
      if (status.pid === null || status.state !== 'running') continue;
      const run = `${id}/${status.pid}/${status.restarts}`;
      if (runsSeen.has(run)) continue;
      runsSeen.add(run);
      const list = spawned.get(id) ?? [];
      list.push(status.pid);
      spawned.set(id, list);
    }
  });
  return {
    supervisor,
    status: (tenantId) => supervisor.store.getSnapshot().context.tenants[String(tenantId)],
    history: (tenantId) => histories.get(String(tenantId)) ?? [],
    pids: (tenantId) => spawned.get(String(tenantId)) ?? [],
    waitFor(tenantId, predicate, what, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = supervisor.store.getSnapshot().context.tenants[String(tenantId)];
          if (s && predicate(s)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(s);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const s = supervisor.store.getSnapshot().context.tenants[String(tenantId)];
          reject(new Error(`tenant ${tenantId} never became ${what}; now ${JSON.stringify(s)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Insert a tenant with an enabled bot config holding `token`; returns the tenant id. */
export async function insertTenant(db: Database, name: string, token: string | null): Promise<number> {
  const conn = db.orm.em.getConnection();
  const [row] = await conn.execute<{ id: number }[]>(
    'insert into tenants (username, password_hash) values (?, ?) returning id',
    [name, 'x'],
  );
  await conn.execute('insert into bot_configs (tenant_id, token_encrypted, enabled) values (?, ?, true)', [
    row!.id,
    token === null ? null : cipher.encrypt(token),
  ]);
  return row!.id;
}

export async function setToken(db: Database, tenantId: number, token: string): Promise<void> {
  await db.orm.em
    .getConnection()
    .execute('update bot_configs set token_encrypted = ? where tenant_id = ?', [
      cipher.encrypt(token),
      tenantId,
    ]);
}

export async function setEnabled(db: Database, tenantId: number, enabled: boolean): Promise<void> {
  await db.orm.em
    .getConnection()
    .execute('update bot_configs set enabled = ? where tenant_id = ?', [enabled, tenantId]);
}

/** Whether a process with this pid is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
