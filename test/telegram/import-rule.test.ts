/**
 * The import rule of docs/architecture.md, checked over the sources: nothing but `src/telegram/` builds a
 * Bot API request (a `/bot<token>/` URL), and only the Telegraf adapter (`src/bot/telegram.ts`) imports
 * Telegraf. The sandbox, which plays Telegram, is the one exception to the first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|js|vue)$/.test(entry.name) ? [path] : [];
  });
}

const files = sources(join(root, 'src')).map((path) => ({
  path: relative(root, path),
  text: readFileSync(path, 'utf8'),
}));

describe('the seam to Telegram is the only one', () => {
  it('no file outside src/telegram/ (and the sandbox) builds a /bot<token>/ URL', () => {
    const offenders = files
      .filter((f) => !f.path.startsWith('src/telegram/') && !f.path.startsWith('src/sandbox/'))
      .filter((f) => /[`'"]\/bot\$\{|\/bot['"]\s*\+|\/bot\$\{/.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('only the Telegraf adapter imports Telegraf', () => {
    const offenders = files
      .filter((f) => /from ['"]telegraf(?:\/[^'"]*)?['"]|require\(['"]telegraf/.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual(['src/bot/telegram.ts']);
  });
});
