/** `tg-lottery migrate`: apply pending migrations and exit; running it twice is a no-op. */
import { bootstrap } from '../app/bootstrap.ts';
import { openDatabase } from '../db/database.ts';

export async function migrateCommand(): Promise<number> {
  const { config, logger } = bootstrap('migrate');
  const db = await openDatabase(config, logger);
  try {
    if (db.applied.length === 0) logger.info('the database schema is up to date; nothing to apply');
    return 0;
  } finally {
    await db.close();
  }
}
