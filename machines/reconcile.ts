/**
 * How the supervisor (machines/supervisor.ts) turns a config snapshot into commands for its tenant machines:
 * which tenants to spawn, which get CONFIG.CHANGED, CONFIG.UNUSABLE, CONFIG.REMOVED or
 * CONFIG.RESTART_REQUESTED, and what it remembers of each tenant afterwards. Pure.
 */
import type { Unusable, UnusableReason } from './tenant-types.ts';

/** One enabled bot config, as the poller reads it (`enabled AND token IS NOT NULL`) with a usable token. */
export interface TenantConfig {
  tenantId: string;
  tenantName: string;
  configHash: string;
  /** Epoch ms of the operator's latest restart request (`bot_configs.restart_requested_at`); null or absent = none. */
  restartRequestedAt?: number | null;
}

/** An enabled config that can never start (its token cannot be decrypted, is no bot token, or is another tenant's). */
export interface UnusableTenantConfig extends Unusable {
  tenantId: string;
  tenantName: string;
}

/**
 * What the supervisor remembers of a tenant. `configHash: null` = removed, disabled or unusable (machine kept,
 * stopped); `unusable`: the reason its machine was last told (absent while the config is usable or gone);
 * `restartRequestedAt`: the latest restart request forwarded or given at spawn (absent while none).
 */
export interface TenantEntry {
  tenantName: string;
  configHash: string | null;
  unusable?: UnusableReason;
  restartRequestedAt?: number;
}

/** What a snapshot changes, and the next map of tenants. */
export interface ReconcilePlan {
  /** New tenants with a usable config. */
  spawn: TenantConfig[];
  /** New tenants whose config can never start (their machine begins stopped). */
  spawnUnusable: UnusableTenantConfig[];
  /** Known tenants to send CONFIG.CHANGED: a new hash, or usable again. */
  change: TenantConfig[];
  /** Known tenants to send CONFIG.UNUSABLE: usable before, gone before, or another reason. */
  unusable: UnusableTenantConfig[];
  /** Known tenants to send CONFIG.REMOVED: in neither list any more. */
  remove: string[];
  /** Known tenants to send CONFIG.RESTART_REQUESTED: a request other than the last one forwarded. */
  restart: Array<{ tenantId: string; requestedAt: number }>;
  /** Of `change`: tenants that had no usable config before (re-enabled or repaired). */
  reenabled: number;
  tenants: Record<string, TenantEntry>;
}

/** The entry of a tenant with a usable config; the last restart request is kept when the snapshot has none. */
function usableEntry(config: TenantConfig, before?: TenantEntry): TenantEntry {
  const requestedAt = config.restartRequestedAt ?? before?.restartRequestedAt;
  return {
    tenantName: config.tenantName,
    configHash: config.configHash,
    ...(requestedAt === undefined ? {} : { restartRequestedAt: requestedAt }),
  };
}

/** The entry of a tenant whose config can never start, or whose config is gone (`unusable` undefined). */
function stoppedEntry(tenantName: string, unusable?: UnusableReason, before?: TenantEntry): TenantEntry {
  return {
    tenantName,
    configHash: null,
    ...(unusable === undefined ? {} : { unusable }),
    ...(before?.restartRequestedAt === undefined ? {} : { restartRequestedAt: before.restartRequestedAt }),
  };
}

/**
 * Diffs a snapshot (usable configs and unusable ones) against the known tenants. A duplicated tenantId keeps
 * its last config; a tenant in both lists counts as usable. Restart requests are forwarded when they differ
 * from the last one forwarded: the tenant machine decides whether it is newer than the last one it answered.
 */
export function planReconcile(
  known: Record<string, TenantEntry>,
  configs: readonly TenantConfig[],
  unusableConfigs: readonly UnusableTenantConfig[] = [],
): ReconcilePlan {
  const usable = new Map(configs.map((c) => [c.tenantId, c]));
  const unusable = new Map(
    unusableConfigs.filter((u) => !usable.has(u.tenantId)).map((u) => [u.tenantId, u] as const),
  );
  const plan: ReconcilePlan = {
    spawn: [],
    spawnUnusable: [],
    change: [],
    unusable: [],
    remove: [],
    restart: [],
    reenabled: 0,
    tenants: {},
  };
  for (const [tenantId, entry] of Object.entries(known)) {
    const config = usable.get(tenantId);
    const broken = unusable.get(tenantId);
    if (config) {
      if (entry.configHash !== config.configHash) {
        plan.change.push(config);
        if (entry.configHash === null) plan.reenabled++;
      }
      const requestedAt = config.restartRequestedAt ?? null;
      if (requestedAt !== null && requestedAt !== entry.restartRequestedAt)
        plan.restart.push({ tenantId, requestedAt });
      plan.tenants[tenantId] = usableEntry(config, entry);
    } else if (broken) {
      if (entry.unusable !== broken.reason) plan.unusable.push(broken);
      plan.tenants[tenantId] = stoppedEntry(broken.tenantName, broken.reason, entry);
    } else {
      if (entry.configHash !== null || entry.unusable !== undefined) plan.remove.push(tenantId);
      plan.tenants[tenantId] = stoppedEntry(entry.tenantName, undefined, entry);
    }
  }
  for (const config of usable.values()) {
    if (Object.hasOwn(known, config.tenantId)) continue;
    plan.spawn.push(config);
    plan.tenants[config.tenantId] = usableEntry(config);
  }
  for (const broken of unusable.values()) {
    if (Object.hasOwn(known, broken.tenantId)) continue;
    plan.spawnUnusable.push(broken);
    plan.tenants[broken.tenantId] = stoppedEntry(broken.tenantName, broken.reason);
  }
  return plan;
}
