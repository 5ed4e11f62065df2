/**
 * The one application secret of the tests, and the ciphers the product derives from it: the bot token
 * cipher (src/security/token-cipher.ts) and the lottery seed cipher (src/lottery/seed-cipher.ts). Every
 * world (web, supervisor, bot, panel) runs the product with this secret, so what a factory encrypts the
 * product decrypts.
 */
import { createSeedCipher } from '../../../src/lottery/seed-cipher.ts';
import { createTokenCipher } from '../../../src/security/token-cipher.ts';

/** `APP_SECRET` of every test world (at least 16 characters, as the configuration demands). */
export const TEST_SECRET = 'integration-test-app-secret';

/** Encrypts bot tokens as the web stores them and the supervisor reads them. */
export const tokenCipher = createTokenCipher(TEST_SECRET);

/** Encrypts lottery seeds as publishing stores them and drawing reads them. */
export const seedCipher = createSeedCipher(TEST_SECRET);
