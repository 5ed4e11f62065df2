/**
 * The shared vocabularies (src/contracts/) and the database agree: every CHECK constraint of the form
 * `column = ANY (ARRAY[...])` in the migrated schema allows exactly the values its contract declares, and every
 * contract of DATABASE_ENUMS has such a constraint. A value added on one side only fails here.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DATABASE_ENUMS } from '../../src/contracts/database-enums.ts';
import { sqlFromOrm } from '../../src/db/sql.ts';
import { openTestDatabase } from '../helpers/db.ts';

interface CheckRow {
  tbl: string;
  col: string;
  def: string;
}

describe(`shared vocabularies against the CHECK constraints (${inject('databaseKind')} PostgreSQL)`, () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  /** `table.column` → the values of its `= ANY (ARRAY[...])` check. */
  const checks = new Map<string, string[]>();

  beforeAll(async () => {
    db = await openTestDatabase();
    const rows = await sqlFromOrm(db.orm).query<CheckRow>(
      `select c.conrelid::regclass::text as tbl, a.attname as col, pg_get_constraintdef(c.oid) as def
         from pg_constraint c
         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
        where c.contype = 'c' and array_length(c.conkey, 1) = 1
          and c.connamespace = 'public'::regnamespace`,
    );
    for (const row of rows) {
      if (!/= ANY \(ARRAY\[/.test(row.def)) continue; // ranges and other checks are not vocabularies
      const values = [...row.def.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1]!.replace(/''/g, "'"));
      checks.set(`${row.tbl}.${row.col}`, values);
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  for (const [column, values] of Object.entries(DATABASE_ENUMS)) {
    it(`${column} allows exactly the contract's values`, () => {
      expect(checks.get(column), `no CHECK (… = ANY (ARRAY[…])) constraint on ${column}`).toBeDefined();
      expect([...checks.get(column)!].sort()).toEqual([...values].sort());
    });
  }

  it('every list-of-values CHECK constraint of the schema has its contract', () => {
    expect([...checks.keys()].filter((column) => !(column in DATABASE_ENUMS))).toEqual([]);
  });
});
