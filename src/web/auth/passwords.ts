/**
 * Password hashing with argon2id and OWASP's minimum parameters (Password Storage Cheat Sheet:
 * m = 19456 KiB (19 MiB), t = 2 iterations, p = 1). The encoded hash carries its own salt and
 * parameters, so raising them later only needs {@link needsRehash} at the next login.
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
import { argon2id, hash as argonHash, needsRehash as argonNeedsRehash, verify as argonVerify } from 'argon2';

/** The argon2id parameters every new hash uses. */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Hash a password for storage (PHC string `$argon2id$v=19$m=19456,t=2,p=1$...`). */
export function hashPassword(password: string): Promise<string> {
  return argonHash(password, PASSWORD_HASH_OPTIONS);
}

/** Whether `password` matches the stored hash. A malformed stored hash counts as "no match". */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argonVerify(hash, password);
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with weaker parameters than today's. */
export function needsRehash(hash: string): boolean {
  try {
    return argonNeedsRehash(hash, PASSWORD_HASH_OPTIONS);
  } catch {
    return true;
  }
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
