/**
 * Builds a supervisor for integration tests over a migrated throw-away database and the Bot API sandbox,
 * with waiting helpers over the status store (events, not sleeps). Tenants and their bot configs come
 * from the factories (test/helpers/factories), encrypted with the same secret the supervisor decrypts with.
 */

import type { PlacementPolicy } from '../../machines/placement.ts';
import type { RestartPolicy } from '../../machines/policy.ts';
import type { Database } from '../../src/db/database.ts';
import { botConfigRepository } from '../../src/db/repositories/bot-configs.ts';
import { sqlFromOrm } from '../../src/db/sql.ts';
import type { Logger } from '../../src/log/logger.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { ChildEntry } from '../../src/supervisor/host-entry.ts';
import type { BotSettings } from '../../src/supervisor/hosted-bot.ts';
import { type Supervisor, startSupervisor } from '../../src/supervisor/runtime.ts';
import type { TenantStatus } from '../../src/supervisor/status-store.ts';
import type { WebhookSettings } from '../../src/supervisor/webhooks.ts';
import { testLogger } from './db.ts';
import { sqlOf, tokenCipher } from './factories/index.ts';

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
    /** This node's name (several supervisors on one database). */
    nodeName?: string;
    /** Lease time of its bots (ms), default the product's. */
    leaseTtlMs?: number;
    /** Webhook mode: where the sandbox delivers (a listening web app), default long polling. */
    webhook?: WebhookSettings;
  } = {},
): Promise<SupervisorHarness> {
  const supervisor = await startSupervisor({
    logger: options.logger ?? testLogger(),
    databaseUrl: options.databaseUrl ?? db.url,
    // Bots connect as the bot role (least privilege), unless a test routes the database elsewhere.
    ...(options.databaseUrl ? {} : { botDatabaseUrl: db.botUrl }),
    sql: sqlFromOrm(db.orm),
    cipher: tokenCipher,
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
    ...(options.nodeName ? { nodeName: options.nodeName } : {}),
    ...(options.leaseTtlMs ? { leaseTtlMs: options.leaseTtlMs } : {}),
    ...(options.webhook ? { webhook: options.webhook } : {}),
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

/**
 * Replace the stored token in place, past the web (the bot id and username stay as they were): the
 * supervisor reads the new one and restarts the bot.
 */
export async function setToken(db: Database, tenantId: number, token: string): Promise<void> {
  await sqlOf(db).query('update bot_configs set token_encrypted = ? where tenant_id = ?', [
    tokenCipher.encrypt(token),
    tenantId,
  ]);
}

/** Switch the bot on or off, as the web does (src/db/repositories/bot-configs.ts). */
export async function setEnabled(db: Database, tenantId: number, enabled: boolean): Promise<void> {
  await botConfigRepository.setEnabled(sqlOf(db), tenantId, enabled);
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
