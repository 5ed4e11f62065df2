/**
 * A bot's status as the supervisor reports it (`bot_status`), written through the supervisor's own
 * status mirror (src/supervisor/status-mirror.ts), so a test sees exactly the row a running
 * supervisor would leave.
 */
import { Writable } from 'node:stream';
import type { TenantState } from '../../../src/contracts/bot.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { startStatusMirror } from '../../../src/supervisor/status-mirror.ts';
import { createStatusStore, type TenantStatus } from '../../../src/supervisor/status-store.ts';
import { type FactoryDb, sqlOf } from './door.ts';

export interface BotStatusOverrides
  extends Partial<
    Omit<TenantStatus, 'tenantId' | 'state' | 'since' | 'lastHeartbeatAt' | 'pollFailingSince'>
  > {
  tenantId: number;
  /** Default `running`. */
  state?: TenantState;
  /** When the state began: epoch ms or a Date; default now. */
  since?: number | Date;
  /** The last heartbeat: epoch ms or a Date; default none. */
  heartbeatAt?: number | Date | null;
  /** Polling failing since (degraded): epoch ms or a Date; default not failing. */
  pollFailingSince?: number | Date | null;
}

const ms = (t: number | Date | null | undefined): number | null =>
  t === null || t === undefined ? null : typeof t === 'number' ? t : t.getTime();

/**
 * Write (or replace) the tenant's `bot_status` row. @returns the status written
 * @throws when the table refused it (the mirror itself only warns) or the database failed
 */
export async function makeBotStatus(db: FactoryDb, overrides: BotStatusOverrides): Promise<TenantStatus> {
  const { tenantId, state, since, heartbeatAt, pollFailingSince, ...rest } = overrides;
  const store = createStatusStore();
  // The mirror warns and goes on when a row is refused (right for a supervisor); a factory must fail.
  // It also says (at debug) when the database did not answer and it will retry later.
  const lines: string[] = [];
  const warnings = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const mirror = startStatusMirror({
    store,
    sql: sqlOf(db),
    logger: createLogger({ level: 'debug', pretty: false, destination: warnings }),
    retryMs: 60_000,
  });
  try {
    store.trigger.report({
      status: {
        ...rest,
        tenantId: String(tenantId),
        state: state ?? 'running',
        since: ms(since) ?? Date.now(),
        lastHeartbeatAt: ms(heartbeatAt),
        pollFailingSince: ms(pollFailingSince),
      },
    });
    await mirror.flush();
    if (lines.length > 0) throw new Error(`makeBotStatus: the row was not written: ${lines.join('')}`);
    const status = store.getSnapshot().context.tenants[String(tenantId)];
    if (!status) throw new Error(`makeBotStatus: tenant ${tenantId} has no status`);
    return status;
  } finally {
    mirror.stop();
  }
}
