import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskTokens } from '../../src/log/logger.ts';

const token = '7000000001:AAF3kq9-x_ZrT8bW2mQe5VnP0sLdJ4hYc1u';
const secretHalf = token.split(':')[1]!;

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'trace', pretty: false, destination }), lines };
}

describe('logger redaction', () => {
  it('censors token and password fields at any of the first three levels', () => {
    const { logger, lines } = capture();
    logger.info({ token, password: 'hunter2' }, 'top');
    logger.info({ config: { token, botToken: token } }, 'nested');
    logger.info({ tenant: { bot: { token } } }, 'deeper');
    logger.info({ req: { headers: { authorization: 'Bearer abc', cookie: 'sid=xyz' } } }, 'headers');
    const all = lines.join('');
    expect(all).not.toContain(secretHalf);
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('sid=xyz');
    expect(all).toContain('[redacted]');
  });

  it('masks a token quoted inside a message or an error', () => {
    const { logger, lines } = capture();
    logger.warn(`request to https://api.telegram.org/bot${token}/getMe failed`);
    logger.error({ err: new Error(`401 from /bot${token}/getUpdates`) }, 'polling failed');
    const all = lines.join('');
    expect(all).not.toContain(secretHalf);
    expect(all).toContain('7000000001:***');
  });

  it('maskTokens keeps text without tokens unchanged', () => {
    expect(maskTokens('nothing secret: 12:30 and 5:1')).toBe('nothing secret: 12:30 and 5:1');
  });
});
