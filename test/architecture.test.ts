/**
 * The import rules of docs/architecture.md ("Folders"), checked on the sources: every relative import of
 * every `.ts` file under `machines/` and `src/` (the panel's Vue sources aside) must land in a folder its
 * own folder may import. A new import that breaks a rule fails here with the file and the import named.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder → the folders (or single files) it may import besides itself. */
const RULES: Record<string, string[]> = {
  machines: [],
  'src/contracts': [],
  'src/config': ['src/log/messages.ts'],
  'src/log': [],
  'src/security': [],
  'src/telegram': ['src/log'],
  'src/db': ['src/config', 'src/log'],
  'src/lottery': ['src/db', 'src/log', 'src/security', 'src/telegram'],
  'src/bot': [
    'src/db/sql.ts',
    'src/db/repositories/leases.ts',
    'src/db/repositories/inbound-updates.ts',
    'src/log',
    'src/lottery',
    'src/security/bot-token.ts',
    'src/telegram',
  ],
  'src/host': [
    'src/bot',
    'src/db/sql.ts',
    'src/db/repositories/leases.ts',
    'src/db/repositories/inbound-updates.ts',
    'src/log',
    'src/security/bot-token.ts',
    'src/telegram',
  ],
  'src/supervisor': [
    'machines',
    'src/bot/ipc.ts',
    'src/host/ipc.ts',
    'src/config',
    'src/db',
    'src/log',
    'src/lottery',
    'src/security',
    'src/telegram',
    'src/web/services/membership.ts',
  ],
  'src/web': [
    'src/app/lifecycle.ts',
    'src/config',
    'src/db',
    'src/log',
    'src/lottery',
    'src/security',
    'src/supervisor/config-hash.ts',
    'src/telegram',
  ],
  'src/sandbox': ['src/log'],
  'src/demo': ['src/sandbox'],
  'src/app': ['src/config', 'src/log', 'src/web/web-env.ts'],
  'src/commands': ['*'],
  'src/cli.ts': ['*'],
};

/** Packages only one place may import (the one seam to each). */
const PACKAGE_HOMES: Record<string, string[]> = {
  telegraf: [
    'src/bot/telegram.ts',
    'src/bot/handlers.ts',
    'src/bot/join-replies.ts',
    'src/host/bot-runner.ts',
  ],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'ui' || name === 'node_modules') continue;
      out.push(...sources(path));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function folderOf(file: string): string {
  const rel = relative(root, file);
  if (rel.startsWith('machines/')) return 'machines';
  const parts = rel.split('/');
  return parts.length === 2 ? rel : `src/${parts[1]}`;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) found.push((match[1] ?? match[2])!);
  return found;
}

/** What every folder may import: the shared vocabularies (pure constants, no imports of their own). */
const EVERYONE = ['src/contracts'];

function allowed(from: string, target: string): boolean {
  if (target === from || target.startsWith(`${from}/`)) return true;
  if (EVERYONE.some((rule) => target.startsWith(`${rule}/`))) return true;
  const rules = RULES[from] ?? [];
  return rules.some((rule) => rule === '*' || target === rule || target.startsWith(`${rule}/`));
}

describe('import rules (docs/architecture.md)', () => {
  const files = [...sources(join(root, 'machines')), ...sources(join(root, 'src'))];

  it('every folder has a rule', () => {
    const folders = new Set(files.map(folderOf));
    expect([...folders].filter((f) => !(f in RULES))).toEqual([]);
  });

  it('every relative import lands where its folder may import', () => {
    const broken: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(file), spec));
        if (!allowed(from, target)) broken.push(`${relative(root, file)} imports ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('machines/ stay pure: no node:, database, logger or Telegram imports', () => {
    const impure: string[] = [];
    for (const file of sources(join(root, 'machines'))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.') && spec !== 'xstate')
          impure.push(`${relative(root, file)} imports ${spec}`);
      }
    }
    expect(impure).toEqual([]);
  });

  it('src/contracts/ imports nothing outside itself, not even a package (machines and the panel use it)', () => {
    const outside: string[] = [];
    for (const file of sources(join(root, 'src/contracts'))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('./')) outside.push(`${relative(root, file)} imports ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('a package with one home is imported there only', () => {
    const strays: string[] = [];
    for (const file of files) {
      const rel = relative(root, file);
      for (const spec of importsOf(file)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        const homes = PACKAGE_HOMES[name];
        if (homes && !homes.includes(rel)) strays.push(`${rel} imports ${spec}`);
      }
    }
    expect(strays).toEqual([]);
  });
});
