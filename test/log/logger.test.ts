import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskTokens, serializeError } from '../../src/log/logger.ts';

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

function capturePretty(level: string) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level, pretty: true, destination }), lines };
}

describe('logger on a terminal (pino-pretty)', () => {
  it('at info prints one line per event: the sentence, no field dump under it', () => {
    const { logger, lines } = capturePretty('info');
    logger.info({ counts: { running: 1, stopped: 0 }, tenant: '7' }, 'running: 1 bot');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO.*running: 1 bot$/);
    expect(lines[0]).not.toContain('counts');
  });

  it('at info appends an error’s message to its sentence, also for an error relayed as JSON', () => {
    const { logger, lines } = capturePretty('info');
    logger.error({ err: new Error('connect ECONNREFUSED 127.0.0.1:5432') }, 'the database is unreachable');
    logger.warn({ err: { type: 'Error', message: 'relayed from a bot process' } }, 'bot process error');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/the database is unreachable — connect ECONNREFUSED 127\.0\.0\.1:5432$/);
    expect(lines[1]).toMatch(/bot process error — relayed from a bot process$/);
    expect(lines.join('\n')).not.toContain('[object Object]');
  });

  it('at debug keeps the fields under the line', () => {
    const { logger, lines } = capturePretty('debug');
    logger.info({ counts: { running: 1 } }, 'running: 1 bot');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('\n')).toContain('counts');
  });
});

describe('serializeError', () => {
  it('never renders [object Object]: a serialised error keeps its message, other objects become JSON', () => {
    expect(serializeError({ type: 'TypeError', message: 'x is undefined' })).toMatchObject({
      type: 'TypeError',
      message: 'x is undefined',
    });
    expect(serializeError({ code: 42 }).message).toBe('{"code":42}');
    expect(serializeError('plain').message).toBe('plain');
  });
});
