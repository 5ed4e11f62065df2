/** The panel's HTTP client: CSRF header on changes, the API's error sentence, and what a dead session does. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiRequestError,
  apiUrl,
  onUnauthenticated,
  request,
  setCsrfToken,
} from '../../../src/web/ui/api/http.ts';

function answer(status: number, body?: unknown, type = 'application/json') {
  return new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': type },
  });
}

const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal('fetch', fetchMock);

afterEach(() => {
  fetchMock.mockReset();
  setCsrfToken(null);
  onUnauthenticated(() => {});
});

const sent = () => {
  const [url, init] = fetchMock.mock.calls[0]!;
  return { url: String(url), headers: init?.headers as Record<string, string>, init: init! };
};

describe('request', () => {
  it('sends JSON with the CSRF token on changes, not on reads', async () => {
    setCsrfToken('tok');
    fetchMock.mockResolvedValueOnce(answer(201, { id: 1 }));
    await expect(request('POST', '/lotteries', { body: { title: 'x' } })).resolves.toEqual({ id: 1 });
    expect(sent().headers).toMatchObject({ 'x-csrf-token': 'tok', 'content-type': 'application/json' });
    expect(sent().init.body).toBe('{"title":"x"}');
    expect(sent().init.credentials).toBe('same-origin');

    fetchMock.mockReset();
    fetchMock.mockResolvedValueOnce(answer(200, { items: [] }));
    await request('GET', '/lotteries', { query: { status: 'open', cursor: null, query: '' } });
    expect(sent().url).toBe('/api/lotteries?status=open');
    expect(sent().headers['x-csrf-token']).toBeUndefined();
  });

  it("throws the API's code and sentence", async () => {
    fetchMock.mockResolvedValueOnce(
      answer(409, { error: { code: 'lottery_not_open', message: 'This lottery is not open.' } }),
    );
    const err = await request('POST', '/lotteries/1/draw').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(err).toMatchObject({
      status: 409,
      code: 'lottery_not_open',
      message: 'This lottery is not open.',
    });
  });

  it('tells the session store when the session ended, unless asked not to', async () => {
    const ended = vi.fn();
    onUnauthenticated(ended);
    const body = { error: { code: 'unauthenticated', message: 'Sign in first.' } };
    fetchMock.mockResolvedValueOnce(answer(401, body));
    await expect(request('GET', '/bot')).rejects.toMatchObject({ status: 401 });
    expect(ended).toHaveBeenCalledTimes(1);
    fetchMock.mockResolvedValueOnce(answer(401, body));
    await expect(request('GET', '/me', { quiet401: true })).rejects.toMatchObject({ status: 401 });
    fetchMock.mockResolvedValueOnce(
      answer(401, { error: { code: 'invalid_credentials', message: 'Wrong username or password.' } }),
    );
    await expect(request('POST', '/auth/login')).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('reports an unreachable server and a non-API answer without their internals', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('fetch failed: ECONNREFUSED 127.0.0.1:8080'));
    await expect(request('GET', '/bot')).rejects.toMatchObject({ status: 0, code: 'network' });
    fetchMock.mockResolvedValueOnce(answer(502, '<html>Bad gateway</html>', 'text/html'));
    await expect(request('GET', '/bot')).rejects.toMatchObject({ status: 502, code: 'http' });
  });

  it('resolves 204 with nothing', async () => {
    fetchMock.mockResolvedValueOnce(answer(204));
    await expect(request('DELETE', '/bot')).resolves.toBeUndefined();
  });
});

describe('apiUrl', () => {
  it('encodes query values', () => {
    expect(apiUrl('/lotteries/1/entries', { query: '@ann & bob', limit: 50 })).toBe(
      '/api/lotteries/1/entries?query=%40ann+%26+bob&limit=50',
    );
  });
});
