/**
 * Password hashing with argon2id and OWASP's minimum parameters (Password Storage Cheat Sheet:
 * m = 19456 KiB (19 MiB), t = 2 iterations, p = 1), through `hash-wasm` (WebAssembly: no native
 * addon to build or to crash on a given CPU). The encoded hash is a PHC string carrying its own salt
 * and parameters, so raising them later only needs {@link needsRehash} at the next login.
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

/** The argon2id parameters every new hash uses (memory in KiB). */
export const PASSWORD_HASH_OPTIONS = {
  memorySize: 19_456,
  iterations: 2,
  parallelism: 1,
  hashLength: 32,
} as const;

/** Hash a password for storage (PHC string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). */
export function hashPassword(password: string): Promise<string> {
  return argon2id({ password, salt: randomBytes(16), ...PASSWORD_HASH_OPTIONS, outputType: 'encoded' });
}

/** Whether `password` matches the stored hash. A malformed stored hash counts as "no match". */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with other parameters (or another algorithm) than today's. */
export function needsRehash(hash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
  if (!match) return true;
  const [, m, t, p] = match.map(Number);
  return (
    m !== PASSWORD_HASH_OPTIONS.memorySize ||
    t !== PASSWORD_HASH_OPTIONS.iterations ||
    p !== PASSWORD_HASH_OPTIONS.parallelism
  );
}

let dummy: Promise<string> | undefined;

/**
 * Spend the same time as a real verification when the account does not exist, so response times do
 * not tell which usernames are registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('not a real password: equalises login timing');
  await verifyPassword(await dummy, password);
  return false;
}
