/**
 * The panel's API types (src/web/ui/api/schema.gen.ts) are generated from the API's OpenAPI document
 * (scripts/api-types.ts). Here the document and the types are generated again, in memory, and compared with
 * the committed file: a schema changed without `npm run gen:api` fails here, and `npm run typecheck:ui`
 * then checks the panel against the new types.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiDocument, apiTypesSource } from '../../../scripts/api-types.ts';

type Document = Awaited<ReturnType<typeof apiDocument>>;

/** The 1-based number of the first line where `a` and `b` differ, or null when they are equal. */
function firstDifference(a: string, b: string): number | null {
  if (a === b) return null;
  const left = a.split('\n');
  const right = b.split('\n');
  const index = left.findIndex((line, i) => line !== right[i]);
  return (index === -1 ? left.length : index) + 1;
}

/** Every `$ref` anywhere in `value`. */
function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsOf(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') out.push(child);
      else refsOf(child, out);
    }
  }
  return out;
}

let document: Document;
beforeAll(async () => {
  document = await apiDocument();
});

describe('the panel’s API types', () => {
  it('are the committed file: what npm run gen:api generates from the API document today', async () => {
    const shown = relative(process.cwd(), API_TYPES_FILE);
    const committed = await readFile(API_TYPES_FILE, 'utf8').catch(() => '');
    const generated = await apiTypesSource(document);
    const line = firstDifference(committed, generated);
    expect(
      line,
      `${shown} is not what the API's schemas give (first difference at line ${line}): run npm run gen:api`,
    ).toBeNull();
  });

  it('come from a document whose every $ref names one of its components', () => {
    const components = new Set(Object.keys(document.components?.schemas ?? {}));
    const refs = refsOf(document);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter((ref) => !components.has(ref.replace(/^#\/components\/schemas\//, '')));
    expect(dangling).toEqual([]);
  });
});
