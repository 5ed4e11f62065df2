/**
 * The application secret: `APP_SECRET` when set, else a random 32-byte secret generated once into
 * `DATA_DIR/secret` (mode 0600) and reused on every later start, so encrypted tokens stay readable.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the generated secret inside the data directory. */
export const SECRET_FILE = 'secret';

/**
 * Return the secret to derive keys from.
 * @param configured `APP_SECRET` (already validated) or undefined
 * @param dataDir absolute data directory; created if missing
 * @throws Error when the secret file exists but is empty or unreadable (a person must look at it:
 *   generating a new one would make every stored token undecryptable)
 */
export async function resolveAppSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured !== undefined) return configured;
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, SECRET_FILE);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length < 16) {
      throw new Error(
        `${file} exists but holds no usable secret; restore it from a backup, or delete it only if no bot token is stored yet`,
      );
    }
    const mode = (await stat(file)).mode & 0o777;
    if (mode !== 0o600) await chmod(file, 0o600);
    return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    // `wx`: fail if another process created it between our read and this write; then use theirs.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveAppSecret(undefined, dataDir);
    throw err;
  }
}
