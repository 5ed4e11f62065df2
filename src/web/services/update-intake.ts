/**
 * Webhook mode's intake: stores the updates Telegram POSTs, grouping the ones that arrive together into
 * one statement (one commit, one fsync), and answers each only once its group is committed. Under light
 * load an update is written at once, alone; while {@link DEFAULT_INTAKE.inFlight} groups are being
 * written, new updates wait and go together in the next group (at most {@link DEFAULT_INTAKE.maxGroup}),
 * so the commits per second stay few however many updates come.
 */
import { type InboundUpdate, inboundUpdateRepository } from '../../db/repositories/inbound-updates.ts';
import type { Sql } from '../../db/sql.ts';

export interface IntakeLimits {
  /** Groups being written at once. */
  inFlight: number;
  /** Most updates in one group. */
  maxGroup: number;
}

export const DEFAULT_INTAKE: IntakeLimits = { inFlight: 2, maxGroup: 500 };

export interface UpdateIntake {
  /**
   * Store one update; resolves once it is committed (or was stored before: a redelivery).
   * @throws the database's error when its group could not be written (nothing of the group is stored)
   */
  store(update: InboundUpdate): Promise<void>;
  /** Updates waiting or being written (for tests and metrics). */
  readonly backlog: number;
}

interface Waiting {
  update: InboundUpdate;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function createUpdateIntake(
  sql: Pick<Sql, 'query'>,
  limits: Partial<IntakeLimits> = {},
): UpdateIntake {
  const { inFlight, maxGroup } = { ...DEFAULT_INTAKE, ...limits };
  const queue: Waiting[] = [];
  let writing = 0;
  let inWrite = 0;

  const pump = () => {
    while (writing < inFlight && queue.length > 0) {
      const group = queue.splice(0, maxGroup);
      writing++;
      inWrite += group.length;
      inboundUpdateRepository
        .store(
          sql,
          group.map((w) => w.update),
        )
        .then(
          () => {
            for (const w of group) w.resolve();
          },
          (err: unknown) => {
            for (const w of group) w.reject(err);
          },
        )
        .finally(() => {
          writing--;
          inWrite -= group.length;
          pump();
        });
    }
  };

  return {
    store(update) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ update, resolve, reject });
        pump();
      });
    },
    get backlog() {
      return queue.length + inWrite;
    },
  };
}
