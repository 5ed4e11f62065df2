/**
 * `npm run gen:api`: writes the admin panel's API types (src/web/ui/api/schema.gen.ts) from the API's
 * OpenAPI document (scripts/api-types.ts). Run it after changing a route or a schema in src/web/; needs no
 * database.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { API_TYPES_FILE, apiDocument, apiTypesSource } from './api-types.ts';

const source = await apiTypesSource(await apiDocument());
const before = await readFile(API_TYPES_FILE, 'utf8').catch(() => null);
const shown = relative(process.cwd(), API_TYPES_FILE);
if (before === source) {
  console.log(`${shown} is up to date`);
} else {
  await writeFile(API_TYPES_FILE, source);
  console.log(`${shown} written`);
}
