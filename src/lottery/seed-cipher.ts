/**
 * The cipher of a lottery's secret seed at rest: AES-256-GCM (src/security/token-cipher.ts) with a key
 * derived from the application secret for the purpose {@link LOTTERY_SEED_PURPOSE}. The web encrypts
 * the seed at publish; whoever draws (the web's manual draw, the supervisor's scheduler) decrypts it
 * with a cipher made here, so every process must use the same purpose string.
 */
import { createTokenCipher } from '../security/token-cipher.ts';
import type { SeedCipher } from './lotteries.ts';

/** HKDF `info` of the seed key. Never change it: stored seeds could no longer be decrypted. */
export const LOTTERY_SEED_PURPOSE = 'lottery-seed';

/**
 * The seed cipher for `appSecret` (the same APP_SECRET in every process).
 * @example const seedCipher = createSeedCipher(appSecret); drawNow({ sql, seedCipher }, tenantId, id);
 */
export function createSeedCipher(appSecret: string): SeedCipher {
  return createTokenCipher(appSecret, LOTTERY_SEED_PURPOSE);
}
