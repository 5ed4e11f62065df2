/**
 * docs/telegram-faults.md is the one catalogue of the Telegram fault kinds and their codes. This keeps it
 * and the repository in step: every fault code named in src/, machines/, test/, bench/, docs/ or
 * README.md has a section (`## F<n> — …`) in the catalogue, and its summary table lists those sections;
 * every path the catalogue writes in backticks exists; and in its Tests lists (a list item whose first
 * backticked text is a test file) every further backticked text is a test or group name that occurs in
 * that file as a whole string literal.
 * The markdown is read simply: headings, list items and code spans (CommonMark's backtick runs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const CATALOGUE = 'docs/telegram-faults.md';
const catalogue = readFileSync(join(root, CATALOGUE), 'utf8').split('\n');

/** Where fault codes may be named: these folders and files, relative to the repository root. */
const SCANNED = ['src', 'machines', 'test', 'bench', 'docs', 'README.md'];
const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|vue|md|html|css|json)$/;

/** A fault code: F and digits, not inside a word and not a percent-escape of a URL. */
const FAULT_CODE = /(?<![\w%])F(\d+)(?!\w)/g;

/** A catalogue entry's heading, `## F<n> — title`. */
const ENTRY_HEADING = /^##\s+F(\d+)(?!\w)/;

/** A row of the catalogue's summary table, `| F<n> | … |`. */
const SUMMARY_ROW = /^\|\s*F(\d+)\s*\|/;

/** A path of the repository as the catalogue writes it (a file or a folder). */
const REPO_PATH = /^(?:(?:src|machines|test|bench|docs)\/[\w./-]*|README\.md)$/;

/** The files under `path` (a file or a folder) whose text may name a fault code. */
function textFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return TEXT_FILE.test(path) ? [path] : [];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
    entry.name === 'node_modules' ? [] : textFiles(join(path, entry.name)),
  );
}

/** The contents of a line's code spans, in order (a run of n backticks closes at the next run of n). */
function codeSpans(line: string): string[] {
  return [...line.matchAll(/(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)/g)].map(([, , body = '']) =>
    body.length > 2 && body.startsWith(' ') && body.endsWith(' ') ? body.slice(1, -1) : body,
  );
}

/** The catalogue's entries: fault code → the lines (1-based) of its headings. */
function entries(): Map<string, number[]> {
  const found = new Map<string, number[]>();
  catalogue.forEach((line, i) => {
    const match = ENTRY_HEADING.exec(line);
    if (match) found.set(`F${match[1]}`, [...(found.get(`F${match[1]}`) ?? []), i + 1]);
  });
  return found;
}

interface TestsItem {
  line: number;
  file: string;
  names: string[];
}

/** The catalogue's Tests list items: a list item whose first code span is a test file. */
function testsItems(): TestsItem[] {
  return catalogue.flatMap((line, i) => {
    if (!/^\s*- `/.test(line)) return [];
    const [file, ...names] = codeSpans(line);
    return file?.startsWith('test/') ? [{ line: i + 1, file, names }] : [];
  });
}

/** The entry each catalogue line belongs to (the code of the last entry heading above it), or null. */
function entryOfLine(line: number): string | null {
  for (let i = line - 1; i >= 0; i--) {
    const text = catalogue[i]!;
    if (!/^#{1,2}\s/.test(text)) continue;
    const match = ENTRY_HEADING.exec(text);
    return match ? `F${match[1]}` : null;
  }
  return null;
}

describe('docs/telegram-faults.md', () => {
  it('has an entry for every fault code the code, the tests and the docs name', () => {
    const known = entries();
    const references = SCANNED.flatMap((top) => textFiles(join(root, top)))
      .map((path) => relative(root, path))
      .filter((file) => file !== CATALOGUE)
      .flatMap((file) =>
        readFileSync(join(root, file), 'utf8')
          .split('\n')
          .flatMap((text, i) =>
            [...text.matchAll(FAULT_CODE)].map((m) => ({ file, line: i + 1, code: m[0] })),
          ),
      );
    expect(references.length, 'the scan found no fault code at all').toBeGreaterThan(0);
    const unknown = references
      .filter((r) => !known.has(r.code))
      .map((r) => `${r.file}:${r.line} names ${r.code}, which has no entry in ${CATALOGUE}`);
    expect(unknown).toEqual([]);
  });

  it('has one entry per fault code', () => {
    const known = entries();
    expect(known.size, 'no entry heading found').toBeGreaterThan(0);
    const repeated = [...known]
      .filter(([, lines]) => lines.length > 1)
      .map(([code, lines]) => `${code} has an entry at lines ${lines.join(', ')}`);
    expect(repeated).toEqual([]);
  });

  it('lists the entries in its summary table, each once, in order', () => {
    const rows = catalogue.flatMap((line) => {
      const match = SUMMARY_ROW.exec(line);
      return match ? [`F${match[1]}`] : [];
    });
    expect(rows).toEqual([...entries().keys()]);
  });

  it('lists at least one test in every entry', () => {
    const tested = new Set(testsItems().map((item) => entryOfLine(item.line)));
    const untested = [...entries().keys()]
      .filter((code) => !tested.has(code))
      .map((code) => `${code} lists no test`);
    expect(untested).toEqual([]);
  });

  it('names only paths that exist', () => {
    const missing = catalogue.flatMap((text, i) =>
      codeSpans(text)
        .filter((span) => REPO_PATH.test(span) && !existsSync(join(root, span)))
        .map((span) => `${CATALOGUE}:${i + 1}: ${span} does not exist`),
    );
    expect(missing).toEqual([]);
  });

  it('names only tests that are in the files it names', () => {
    const items = testsItems();
    expect(items.length, 'no Tests list item found').toBeGreaterThan(0);
    const problems = items.flatMap(({ line, file, names }) => {
      const where = `${CATALOGUE}:${line}`;
      if (!/\.test\.ts$/.test(file) || !existsSync(join(root, file)))
        return [`${where}: no test file ${file}`];
      if (names.length === 0) return [`${where}: ${file} is listed without a test name`];
      const source = readFileSync(join(root, file), 'utf8');
      return names
        .filter((name) => !["'", '"', '`'].some((quote) => source.includes(`${quote}${name}${quote}`)))
        .map((name) => `${where}: ${file} has no test named "${name}"`);
    });
    expect(problems).toEqual([]);
  });
});
