import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/env.ts';
import { loadWebEnv } from '../../src/web/web-env.ts';

describe('web environment', () => {
  it('defaults: registration open, no trusted proxy', () => {
    expect(loadWebEnv({})).toEqual({ registration: 'open', trustProxy: false, allowedHosts: [] });
    expect(loadWebEnv({ REGISTRATION: '', TRUST_PROXY: '', ALLOWED_HOSTS: '' })).toEqual({
      registration: 'open',
      trustProxy: false,
      allowedHosts: [],
    });
  });

  it('reads the modes and proxy forms', () => {
    expect(loadWebEnv({ REGISTRATION: 'Invite' }).registration).toBe('invite');
    expect(loadWebEnv({ REGISTRATION: 'closed' }).registration).toBe('closed');
    expect(loadWebEnv({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadWebEnv({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    // One proxy in front: a hop count, not "trust every X-Forwarded-For".
    expect(loadWebEnv({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadWebEnv({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadWebEnv({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toBe('127.0.0.1, 10.0.0.0/8');
  });

  it('names the variable and a good value when one is wrong', () => {
    expect(() => loadWebEnv({ REGISTRATION: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadWebEnv({ REGISTRATION: 'sometimes' })).toThrow(
      /REGISTRATION: is not one of open, invite, closed/,
    );
    expect(() => loadWebEnv({ TRUST_PROXY: 'everyone!' })).toThrow(/TRUST_PROXY/);
  });

  it('reads ALLOWED_HOSTS as a comma list of host or host:port, and refuses anything else', () => {
    expect(
      loadWebEnv({ ALLOWED_HOSTS: ' lottery.lan, 192.168.1.10:8080,[::1]:9000 ,' }).allowedHosts,
    ).toEqual(['lottery.lan', '192.168.1.10:8080', '[::1]:9000']);
    for (const bad of ['https://lottery.lan', 'lottery.lan/panel', 'user@lottery.lan', 'a b']) {
      expect(() => loadWebEnv({ ALLOWED_HOSTS: bad }), bad).toThrow(
        /ALLOWED_HOSTS: .* is not a host name or host:port/,
      );
    }
  });
});
