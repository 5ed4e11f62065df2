import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/web/app.ts';
import { testLogger } from '../helpers/db.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
});

describe('health endpoints', () => {
  it('GET /healthz answers 200 while the process is up', async () => {
    const app = await buildApp({ logger: testLogger(), checkDatabase: async () => {} });
    close = () => app.close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 503 with a reason when the database does not answer', async () => {
    const app = await buildApp({
      logger: testLogger(),
      checkDatabase: async () => {
        throw new Error('connection refused');
      },
    });
    close = () => app.close();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not-ready', reason: 'the database does not answer' });
  });
});
