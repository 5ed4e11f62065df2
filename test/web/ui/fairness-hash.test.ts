/**
 * The browser's hashing seam (src/web/ui/fairness-hash.ts, @noble/hashes) gives byte for byte what the
 * server's (src/lottery/fairness/hash.ts, node:crypto) gives, so the draw re-run in a browser is the draw.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as server from '../../../src/lottery/fairness/hash.ts';
import * as browser from '../../../src/web/ui/fairness-hash.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new TextEncoder().encode(text);

describe('fairness-hash (browser) against hash.ts (node)', () => {
  it('exports the same functions', () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(server).sort());
  });

  it('SHA-256: the FIPS 180-4 vectors and random inputs', () => {
    expect(hex(browser.sha256(bytes('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(browser.sha256(new Uint8Array()))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    for (const size of [1, 55, 56, 64, 1000, 1 << 20]) {
      const data = new Uint8Array(randomBytes(size));
      expect(hex(browser.sha256(data))).toBe(hex(server.sha256(data)));
    }
  });

  it('incremental SHA-256 over chunks equals the one-shot digest', () => {
    const data = new Uint8Array(randomBytes(200_000));
    const a = browser.createSha256();
    const b = server.createSha256();
    for (let at = 0; at < data.length; at += 65_536) {
      a.update(data.subarray(at, at + 65_536));
      b.update(data.subarray(at, at + 65_536));
    }
    const digest = hex(a.digest());
    expect(digest).toBe(hex(b.digest()));
    expect(digest).toBe(hex(server.sha256(data)));
  });

  it('HMAC-SHA256: RFC 4231 case 2 and random keys of every size class', () => {
    expect(hex(browser.hmacSha256(bytes('Jefe'), bytes('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    for (const keySize of [0, 16, 32, 64, 65, 200]) {
      const key = new Uint8Array(randomBytes(keySize));
      const data = new Uint8Array(randomBytes(77));
      expect(hex(browser.hmacSha256(key, data))).toBe(hex(server.hmacSha256(key, data)));
    }
  });
});
