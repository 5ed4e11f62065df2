import { describe, expect, it } from 'vitest';
import { createTokenCipher, DecryptError } from '../../src/security/token-cipher.ts';

const token = '7000000001:AAF3kq9-x_ZrT8bW2mQe5VnP0sLdJ4hYc1u';

describe('token cipher (AES-256-GCM)', () => {
  const cipher = createTokenCipher('an-app-secret-of-some-length');

  it('round-trips a token and UTF-8 text', () => {
    expect(cipher.decrypt(cipher.encrypt(token))).toBe(token);
    expect(cipher.decrypt(cipher.encrypt('抽奖 🎁 prize'))).toBe('抽奖 🎁 prize');
  });

  it('never stores the plaintext and uses a fresh IV each time', () => {
    const a = cipher.encrypt(token);
    const b = cipher.encrypt(token);
    expect(a).not.toContain(token.split(':')[1]);
    expect(a).not.toBe(b);
    expect(a.startsWith('v1.')).toBe(true);
  });

  it('detects a flipped bit anywhere in the ciphertext, IV or tag', () => {
    const stored = cipher.encrypt(token);
    const parts = stored.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64url');
      expect(() => cipher.decrypt(tampered.join('.'))).toThrow(DecryptError);
    }
  });

  it('refuses a value encrypted under another APP_SECRET', () => {
    const other = createTokenCipher('a-different-app-secret!!');
    expect(() => other.decrypt(cipher.encrypt(token))).toThrow(/another APP_SECRET/);
  });

  it('refuses a value encrypted for another purpose', () => {
    const seeds = createTokenCipher('an-app-secret-of-some-length', 'draw-seed');
    expect(() => seeds.decrypt(cipher.encrypt(token))).toThrow(DecryptError);
  });

  it.each(['', 'plain-token', 'v1.a.b', 'v2.AAAA.AAAA.AAAA', 'v1.AAAA.AAAA.AAAA'])(
    'refuses malformed %j',
    (value) => {
      expect(() => cipher.decrypt(value)).toThrow(DecryptError);
    },
  );
});
