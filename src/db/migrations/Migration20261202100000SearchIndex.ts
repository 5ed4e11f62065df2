/**
 * Entry searches on an index that fits them: a GIN trigram index (pg_trgm) on the text an entry search
 * matches, so `ilike '%ann%'` on a lottery of a million entries reads the few matching rows instead of
 * scanning them all (src/lottery/queries.ts, `SEARCH_TEXT`: the expression must stay identical).
 *
 * `create extension` needs the CREATE privilege on the database; pg_trgm is a trusted extension
 * (PostgreSQL 13+), so the database owner may create it without being a superuser. Where it cannot be
 * created (no contrib package, no privilege) the migration still succeeds without the index, with a
 * NOTICE: searches then work as before, slower, and stay bounded by their statement timeout.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202100000SearchIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      do $$
      begin
        begin
          create extension if not exists pg_trgm;
        exception when others then
          raise notice 'pg_trgm could not be created (%): entry searches run without their index', sqlerrm;
        end;
        if exists (select 1 from pg_extension where extname = 'pg_trgm') then
          execute $index$
            create index if not exists entries_search_trgm on entries using gin
              ((first_name || ' ' || coalesce(last_name, '') || ' ' || coalesce(username, '')) gin_trgm_ops)
          $index$;
        end if;
      end $$;`);
  }

  override async down(): Promise<void> {
    // The extension stays: other objects of the database may use it.
    this.addSql('drop index if exists entries_search_trgm;');
  }
}
