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
  /** A group not committed within this long is answered 503 (ms): a database that hangs is not waited for. */
  timeoutMs: number;
  /** Updates waiting or being written; one more is refused at once with 503 (the memory they hold is bounded). */
  maxBacklog: number;
}

export const DEFAULT_INTAKE: IntakeLimits = {
  inFlight: 2,
  maxGroup: 500,
  timeoutMs: 10_000,
  maxBacklog: 20_000,
};

/** The database did not store the update (it does not answer, is too slow, or the intake is full). */
export class UpdateNotStoredError extends Error {
  override name = 'UpdateNotStoredError';
}

/** This update itself cannot be stored (PostgreSQL refuses its JSON: a lone surrogate, too deep). */
export class UnstorableUpdateError extends Error {
  override name = 'UnstorableUpdateError';
}

export interface UpdateIntake {
  /**
   * Store one update; resolves once it is committed (or was stored before: a redelivery).
   * @throws UpdateNotStoredError when it could not be written now (nothing of its group is stored);
   *   UnstorableUpdateError when this update can never be stored
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

/** Whether `err` is about the data (the update), not the database being away. */
function isDataError(err: unknown): boolean {
  if (err instanceof RangeError || err instanceof TypeError) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('22');
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UpdateNotStoredError(`not committed within ${ms} ms`)), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export function createUpdateIntake(
  sql: Pick<Sql, 'query'>,
  limits: Partial<IntakeLimits> = {},
): UpdateIntake {
  const { inFlight, maxGroup, timeoutMs, maxBacklog } = { ...DEFAULT_INTAKE, ...limits };
  const queue: Waiting[] = [];
  let writing = 0;
  let inWrite = 0;

  const write = (updates: InboundUpdate[]) =>
    withTimeout(
      Promise.resolve().then(() => inboundUpdateRepository.store(sql, updates)),
      timeoutMs,
    );

  /**
   * A group that failed on its data: each update alone, so one bad update (of any tenant) fails only
   * itself, not the others of its group.
   */
  const writeEach = async (group: Waiting[]) => {
    await Promise.all(
      group.map(async (w) => {
        try {
          await write([w.update]);
          w.resolve();
        } catch (err) {
          w.reject(
            isDataError(err)
              ? new UnstorableUpdateError(String((err as Error).message ?? err))
              : notStored(err),
          );
        }
      }),
    );
  };

  const notStored = (err: unknown) =>
    err instanceof UpdateNotStoredError
      ? err
      : new UpdateNotStoredError(String((err as Error)?.message ?? err));

  const pump = () => {
    while (writing < inFlight && queue.length > 0) {
      const group = queue.splice(0, maxGroup);
      writing++;
      inWrite += group.length;
      write(group.map((w) => w.update))
        .then(
          () => {
            for (const w of group) w.resolve();
          },
          async (err: unknown) => {
            if (isDataError(err)) {
              await writeEach(group);
              return;
            }
            for (const w of group) w.reject(notStored(err));
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
      if (queue.length + inWrite >= maxBacklog) {
        return Promise.reject(new UpdateNotStoredError(`the intake holds ${maxBacklog} updates already`));
      }
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
