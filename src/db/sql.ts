/**
 * The repositories' one door to PostgreSQL: parameterised SQL (knex `?` placeholders, sent to the
 * server as bind parameters, never interpolated) and transactions. Built from the ORM's pool, so the
 * web shares its connections with everything else in the process.
 *
 * Values are bound, not formatted into the text, so a failed query's error never carries a password
 * hash or a token ciphertext into a log line.
 */
import type pg from 'pg';
import type { Orm } from './orm.ts';

export interface Sql {
  /** Run one statement; resolves with its rows (empty for statements without `returning`). */
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Run `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

type Knex = ReturnType<ReturnType<Orm['em']['getConnection']>['getKnex']>;
type Runner = Pick<Knex, 'raw'>;

function over(runner: Runner, knex: Knex | undefined): Sql {
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = (await runner.raw(text, params as never)) as { rows?: T[] };
      return result.rows ?? [];
    },
    transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      // Nested transactions run in the outer one.
      if (!knex) return work(this);
      return knex.transaction((trx) => work(over(trx, undefined)));
    },
  };
}

/** An {@link Sql} over the ORM's connection pool. */
export function sqlFromOrm(orm: Orm): Sql {
  const knex = orm.em.getConnection().getKnex();
  return over(knex, knex);
}

/**
 * Turns knex-style `?` placeholders into PostgreSQL's `$1, $2, …`. A `?` inside a quoted string or a
 * quoted identifier is left alone; the statements of this project never use the jsonb `?` operators.
 */
export function numberPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n++;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * An {@link Sql} over a plain `pg` pool (the bot process has no ORM). Same `?` placeholders as the ORM
 * variant, so the lottery's SQL (src/lottery/) runs unchanged in every process.
 */
export function sqlFromPool(pool: pg.Pool): Sql {
  const cache = new Map<string, string>();
  const prepare = (text: string) => {
    let numbered = cache.get(text);
    if (numbered === undefined) {
      numbered = numberPlaceholders(text);
      if (cache.size < 500) cache.set(text, numbered);
    }
    return numbered;
  };
  const over = (runner: Pick<pg.Pool, 'query'>, inTransaction: boolean): Sql => ({
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await runner.query(prepare(text), params as unknown[]);
      return (result.rows ?? []) as T[];
    },
    async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      if (inTransaction) return work(this);
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        await client.query('begin');
        const value = await work(over(client, true));
        await client.query('commit');
        return value;
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        // A failed transaction's connection is dropped, not reused: after a query timeout it may still
        // be busy with a statement the server never answered.
        client.release(failure);
      }
    },
  });
  return over(pool, false);
}

/** Whether `err` is PostgreSQL's unique violation (SQLSTATE 23505), optionally on one constraint/index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/**
 * A timestamp column as a Date. The ORM's pool hands `timestamptz` values over as text
 * (`2026-11-29 09:45:08.78+00`); this accepts that and Date alike.
 */
export function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${value.slice(0, 40)}`);
  return date;
}

/** {@link toDate} for nullable columns. */
export function toDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : toDate(value);
}

/**
 * Run `work` in a transaction whose statements are cancelled by PostgreSQL after `timeoutMs`
 * milliseconds each (`set local statement_timeout`), so one slow query cannot hold a pooled connection
 * for long. @throws the database error with SQLSTATE 57014 (query_canceled) when a statement runs over
 */
export function withStatementTimeout<T>(
  sql: Sql,
  timeoutMs: number,
  work: (tx: Sql) => Promise<T>,
): Promise<T> {
  const ms = Math.max(1, Math.round(timeoutMs));
  return sql.transaction(async (tx) => {
    await tx.query(`set local statement_timeout = ${ms}`);
    return work(tx);
  });
}

/** Whether `err` is PostgreSQL's "canceling statement due to statement timeout" (SQLSTATE 57014). */
export function isStatementTimeout(err: unknown): boolean {
  return (err as { code?: unknown })?.code === '57014';
}
