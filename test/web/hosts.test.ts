import { describe, expect, it } from 'vitest';
import { hostMatcher, isOwnOrigin } from '../../src/web/auth/hosts.ts';

describe('the Host allowlist', () => {
  it('serves HOST:PORT and the loopback names on PORT when HOST is loopback, nothing else', () => {
    const allowed = hostMatcher({ host: '127.0.0.1', port: 8080 });
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080']) {
      expect(allowed(host), host).toBe(true);
    }
    for (const host of [
      'evil.example:8080', // DNS rebinding: a foreign name resolved to 127.0.0.1
      'evil.example',
      '127.0.0.1:8081',
      '127.0.0.1',
      '127.0.0.1:8080.evil.example',
      'localhost:8080@evil.example',
      'localhost:8080/x',
      '0x7f.0.0.1:8080',
      '',
      undefined,
    ]) {
      expect(allowed(host), String(host)).toBe(false);
    }
  });

  it('serves the host and port of PUBLIC_URL, a default port written or not', () => {
    const allowed = hostMatcher({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'https://giveaways.example.com',
    });
    expect(allowed('giveaways.example.com')).toBe(true);
    expect(allowed('giveaways.example.com:443')).toBe(true);
    expect(allowed('giveaways.example.com:8443')).toBe(false);
    expect(allowed('example.com')).toBe(false);
    expect(allowed('giveaways.example.com.evil.example')).toBe(false);
    const withPort = hostMatcher({ host: '127.0.0.1', port: 8080, publicUrl: 'http://10.0.0.5:9000' });
    expect(withPort('10.0.0.5:9000')).toBe(true);
    expect(withPort('10.0.0.5')).toBe(false);
  });

  it('serves ALLOWED_HOSTS entries: a bare name on any port, name:port on that port only', () => {
    const allowed = hostMatcher({
      host: '0.0.0.0',
      port: 8080,
      allowedHosts: ['lottery.lan', '192.168.1.10:8080'],
    });
    expect(allowed('lottery.lan')).toBe(true);
    expect(allowed('lottery.lan:8080')).toBe(true);
    expect(allowed('192.168.1.10:8080')).toBe(true);
    expect(allowed('192.168.1.10:9090')).toBe(false);
    expect(allowed('sub.lottery.lan')).toBe(false);
    // A wildcard HOST is no name anyone sends, but it listens on loopback too.
    expect(allowed('0.0.0.0:8080')).toBe(false);
    expect(allowed('localhost:8080')).toBe(true);
  });

  it('serves a non-loopback HOST by its own name only, and reads the real port of PORT=0 when asked', () => {
    let port = 0;
    const allowed = hostMatcher({ host: 'lottery.lan', port: () => port });
    port = 41234;
    expect(allowed('lottery.lan:41234')).toBe(true);
    expect(allowed('localhost:41234')).toBe(false);
    expect(allowed('lottery.lan:8080')).toBe(false);
  });
});

describe('the Origin check', () => {
  const request = { protocol: 'http', host: '127.0.0.1:8080' };

  it("accepts exactly the request's own scheme, host and port, default ports normalised", () => {
    expect(isOwnOrigin('http://127.0.0.1:8080', request)).toBe(true);
    expect(isOwnOrigin('http://localhost', { protocol: 'http', host: 'localhost:80' })).toBe(true);
    expect(isOwnOrigin('https://x.example:443', { protocol: 'https', host: 'x.example' })).toBe(true);
  });

  it('refuses lookalikes: another scheme, another port, a longer name, a path, no origin at all', () => {
    for (const origin of [
      'http://127.0.0.1:8080.evil.com',
      'http://127.0.0.1.evil.com:8080',
      'https://127.0.0.1:8080',
      'http://127.0.0.1:8081',
      'http://127.0.0.1',
      'http://localhost:8080',
      'http://127.0.0.1:8080/',
      'http://127.0.0.1:8080/panel',
      'http://evil@127.0.0.1:8080',
      'null',
      '',
    ]) {
      expect(isOwnOrigin(origin, request), origin).toBe(false);
    }
  });

  it('accepts the origin of PUBLIC_URL (a TLS proxy in front), and only that', () => {
    const publicUrl = 'https://giveaways.example.com';
    expect(isOwnOrigin('https://giveaways.example.com', request, publicUrl)).toBe(true);
    expect(isOwnOrigin('http://giveaways.example.com', request, publicUrl)).toBe(false);
    expect(isOwnOrigin('https://giveaways.example.com:8443', request, publicUrl)).toBe(false);
  });
});
