/**
 * One home for each table's SQL (docs/architecture.md, "Where each table's SQL lives"): every SQL statement in
 * src/ belongs to the table it writes (insert, update, delete), or else the first table it reads from, and
 * must sit in that table's home module (joins to other tables are free); read models that write nothing
 * may read any table. A statement anywhere else fails here, named with its table and file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Table → the one module holding its SQL. */
const HOMES: Record<string, string> = {
  tenants: 'src/db/repositories/tenants.ts',
  bot_configs: 'src/db/repositories/bot-configs.ts',
  bot_status: 'src/supervisor/status-mirror.ts',
  sessions: 'src/db/repositories/sessions.ts',
  audit_events: 'src/db/repositories/audit.ts',
  invites: 'src/db/repositories/invites.ts',
  lotteries: 'src/lottery/store.ts',
  prizes: 'src/lottery/store.ts',
  lottery_posts: 'src/lottery/posts-store.ts',
  lottery_counts: 'src/lottery/entries-store.ts',
  chats: 'src/lottery/chats-store.ts',
  entries: 'src/lottery/entries-store.ts',
  bot_users: 'src/lottery/bot-users-store.ts',
  winners: 'src/lottery/winners-store.ts',
  draw_proofs: 'src/lottery/winners-store.ts',
  outbox_messages: 'src/lottery/outbox.ts',
  supervisor_nodes: 'src/db/repositories/leases.ts',
  bot_leases: 'src/db/repositories/leases.ts',
  inbound_updates: 'src/db/repositories/inbound-updates.ts',
  inbound_update_marks: 'src/db/repositories/inbound-updates.ts',
};

/**
 * Read models that join across tables for one screen or one scrape, and write nothing: their statements read
 * any table (the platform counts of GET /metrics; the panel's entries, winners and chats pages).
 */
const READ_MODELS = new Set(['src/db/repositories/stats.ts', 'src/lottery/queries.ts']);

/** Folders whose SQL is not the platform's tables: migrations (the schema itself), the sandbox (no database). */
const SKIPPED = new Set(['migrations', 'sandbox', 'ui', 'node_modules']);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIPPED.has(name)) sources(path, out);
    } else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The SQL statements of a source file: string and template literals that start with a statement keyword. */
function statementsOf(text: string): string[] {
  // Comments first: an apostrophe in one ("tenant's") would open a string for the scanner.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found: string[] = [];
  for (const m of code.matchAll(/`((?:[^`\\]|\\.)*)`|'((?:[^'\\\n]|\\.)*)'/g)) {
    const literal = (m[1] ?? m[2] ?? '').trim();
    if (/^(select|insert|update|delete|with)\b/i.test(literal)) found.push(literal);
  }
  return found;
}

/** Whether a statement writes (insert, update, delete), not only reads. */
function isWrite(statement: string): boolean {
  return /\b(?:insert\s+into|update|delete\s+from)\s+[a-z_]+\b/i.test(statement);
}

/** The table a statement belongs to: the one it writes, else the first it reads from; null if none of ours. */
function tableOf(statement: string): string | null {
  const ours = (name: string | undefined) => name !== undefined && name in HOMES;
  const written = [...statement.matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+([a-z_]+)\b/gi)]
    .map((m) => m[1])
    .find(ours);
  if (written) return written;
  return [...statement.matchAll(/\bfrom\s+([a-z_]+)\b(?!\s*\()/gi)].map((m) => m[1]).find(ours) ?? null;
}

describe("one home for each table's SQL", () => {
  const pairs = new Set<string>();
  for (const file of sources(join(root, 'src'))) {
    const rel = relative(root, file);
    for (const statement of statementsOf(readFileSync(file, 'utf8'))) {
      const table = tableOf(statement);
      if (!table || HOMES[table] === rel) continue;
      if (READ_MODELS.has(rel) && !isWrite(statement)) continue;
      pairs.add(`${table} ${rel}`);
    }
  }

  it('every home module exists', () => {
    const missing = [...new Set(Object.values(HOMES))].filter((path) => {
      try {
        return !statSync(join(root, path)).isFile();
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it("no statement outside its table's home", () => {
    expect([...pairs].sort()).toEqual([]);
  });

  it('the scanner finds statements: each home holds SQL of its table', () => {
    const homesWithSql = new Set<string>();
    for (const [table, home] of Object.entries(HOMES)) {
      const statements = statementsOf(readFileSync(join(root, home), 'utf8'));
      if (statements.some((s) => tableOf(s) === table)) homesWithSql.add(table);
    }
    expect(Object.keys(HOMES).filter((t) => !homesWithSql.has(t))).toEqual([]);
  });
});
