import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAppSecret } from '../../src/config/secret.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tgl-secret-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveAppSecret', () => {
  it('uses APP_SECRET when set and writes nothing', async () => {
    expect(await resolveAppSecret('configured-secret-value', dir)).toBe('configured-secret-value');
    await expect(stat(join(dir, 'secret'))).rejects.toThrow();
  });

  it('generates a secret once, with mode 0600, and reuses it', async () => {
    const first = await resolveAppSecret(undefined, dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dir, 'secret'))).mode & 0o777).toBe(0o600);
    expect(await resolveAppSecret(undefined, dir)).toBe(first);
    expect((await readFile(join(dir, 'secret'), 'utf8')).trim()).toBe(first);
  });

  it('creates the data directory when missing', async () => {
    const nested = join(dir, 'a', 'b');
    const secret = await resolveAppSecret(undefined, nested);
    expect((await readFile(join(nested, 'secret'), 'utf8')).trim()).toBe(secret);
  });

  it('refuses an empty secret file instead of silently replacing it', async () => {
    await writeFile(join(dir, 'secret'), '\n');
    await expect(resolveAppSecret(undefined, dir)).rejects.toThrow(/holds no usable secret/);
  });
});
