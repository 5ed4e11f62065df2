/**
 * Encryption at rest for bot tokens (and other small secrets): AES-256-GCM with a key derived from the
 * application secret by HKDF-SHA256 (RFC 5869), a random 96-bit IV per message (NIST SP 800-38D) and
 * the 128-bit authentication tag. A tampered or foreign ciphertext fails authentication and throws
 * {@link DecryptError}; it never decrypts to garbage.
 *
 * Stored form (ASCII): `v1.<iv base64url>.<tag base64url>.<ciphertext base64url>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The stored value cannot be decrypted: wrong key, tampered, truncated or not ours. */
export class DecryptError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt stored secret: ${reason}`);
    this.name = 'DecryptError';
  }
}

/** Encrypts and decrypts UTF-8 strings with one derived key. */
export interface TokenCipher {
  /** Encrypt a UTF-8 string; returns the stored form. */
  encrypt(plaintext: string): string;
  /** Decrypt a stored form. @throws DecryptError when authentication fails or the format is wrong. */
  decrypt(stored: string): string;
}

/**
 * Build a cipher whose key is HKDF-SHA256(appSecret, salt "tg-lottery", info = purpose), 32 bytes.
 * @param appSecret the application secret (any length >= 16 characters)
 * @param purpose separates keys for different uses, default `bot-token`
 */
export function createTokenCipher(appSecret: string, purpose = 'bot-token'): TokenCipher {
  const key = Buffer.from(hkdfSync('sha256', appSecret, 'tg-lottery', purpose, 32));
  const aad = Buffer.from(`tg-lottery:${purpose}:${VERSION}`);
  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join(
        '.',
      );
    },
    decrypt(stored) {
      const parts = stored.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptError('unknown format');
      const [, ivText, tagText, ctText] = parts as [string, string, string, string];
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      const ct = Buffer.from(ctText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptError('malformed header');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        throw new DecryptError('authentication failed (tampered, or encrypted with another APP_SECRET)');
      }
    },
  };
}
