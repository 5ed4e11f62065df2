/**
 * A small HTTP load balancer on loopback for cluster tests, as nginx's `upstream` with
 * `proxy_next_upstream error timeout` does: each request goes to the next backend in turn; a backend that
 * refuses the connection or does not answer within `timeoutMs` is skipped for `downMs` and the request is
 * tried on the next one (only before any byte of the answer was sent back); 502 when none answers.
 */
import http from 'node:http';

export interface Balancer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Replace the backends (their ports on 127.0.0.1). */
  setBackends(ports: number[]): void;
  close(): Promise<void>;
}

export async function startBalancer(
  options: { timeoutMs?: number; downMs?: number } = {},
): Promise<Balancer> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const downMs = options.downMs ?? 5000;
  let backends: number[] = [];
  const downUntil = new Map<number, number>();
  let next = 0;
  const agent = new http.Agent({ keepAlive: true });

  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, tried: Set<number>) => {
    const live = backends.filter((p) => !tried.has(p) && (downUntil.get(p) ?? 0) <= Date.now());
    const candidates = live.length > 0 ? live : backends.filter((p) => !tried.has(p));
    if (candidates.length === 0) {
      res.writeHead(502).end('no backend answered');
      return;
    }
    const port = candidates[next++ % candidates.length]!;
    tried.add(port);
    let gaveUp = false;
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1' },
        agent,
        timeout: timeoutMs,
      },
      (answer) => {
        // An answer from a backend given up on (it woke up late): another one answers this request.
        if (gaveUp || res.headersSent) {
          answer.resume();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    const fail = () => {
      if (gaveUp) return;
      gaveUp = true;
      upstream.destroy();
      downUntil.set(port, Date.now() + downMs);
      if (!res.headersSent) forward(req, body, res, tried);
      else res.destroy();
    };
    upstream.on('timeout', fail);
    upstream.on('error', fail);
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, new Set()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(ports) {
      backends = [...ports];
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
