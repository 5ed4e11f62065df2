/**
 * What the factories write through: the product's own {@link Sql} (src/db/sql.ts), given as it is or as
 * anything holding the ORM (a test database, a world's `db`).
 */
import type { Orm } from '../../../src/db/orm.ts';
import { type Sql, sqlFromOrm } from '../../../src/db/sql.ts';

/** An {@link Sql}, or an object with the platform's ORM (`openTestDatabase()`'s result). */
export type FactoryDb = Sql | { orm: Orm };

/** The {@link Sql} of `db`. */
export function sqlOf(db: FactoryDb): Sql {
  return 'orm' in db ? sqlFromOrm(db.orm) : db;
}
