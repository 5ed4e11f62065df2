/**
 * `GET /metrics`: Prometheus text exposition (see metrics.ts for what is measured), cheap and closed:
 * - the platform counts are read at most once per {@link METRICS_CACHE_MS} (15 s; concurrent scrapes
 *   share one read), and the read itself touches no entry row (src/db/repositories/stats.ts);
 * - with a metrics token (`METRICS_TOKEN`) a scrape must send `Authorization: Bearer <token>` (401
 *   otherwise); without one only loopback clients are served (403 otherwise), e.g. a Prometheus or an
 *   agent on the same host. Behind a reverse proxy on the same host set `TRUST_PROXY`, or the proxy's
 *   clients count as loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PlatformCounts } from '../../db/repositories/stats.ts';
import { ApiError } from '../errors.ts';
import type { WebMetrics } from '../metrics.ts';
import { errorResponses } from '../schemas/common.ts';

/** How long one read of the platform counts is served, in milliseconds. */
export const METRICS_CACHE_MS = 15_000;

export interface MetricsRoutesOptions {
  metrics: WebMetrics;
  /** Read the platform counts; undefined when there is no database to read (probe-only apps). */
  counts: (() => Promise<PlatformCounts>) | undefined;
  /** The bearer token scrapes must send; undefined: loopback clients only. */
  token?: string | undefined;
  /** How long counts are reused in ms, default {@link METRICS_CACHE_MS}. */
  cacheMs?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

/** Whether `address` is a loopback address (IPv4 127/8, IPv6 ::1, or IPv4 127/8 mapped into IPv6). */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Refuse a scrape that is not allowed (see the file's docstring). @throws ApiError 401 or 403 */
function checkAccess(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined) {
    if (isLoopback(request.ip)) return;
    throw new ApiError(
      'forbidden',
      'Metrics are served to this host only: scrape from the same machine, or set METRICS_TOKEN and send it as a bearer token.',
    );
  }
  const header = request.headers.authorization;
  const sent = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : '';
  if (!sent || !timingSafeEqual(digest(sent), digest(token))) {
    throw new ApiError(
      'unauthenticated',
      'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".',
    );
  }
}

export const metricsRoutes: FastifyPluginAsyncZod<MetricsRoutesOptions> = async (app, options) => {
  const { metrics, counts, token } = options;
  const cacheMs = options.cacheMs ?? METRICS_CACHE_MS;
  const now = options.now ?? Date.now;
  let cached: { at: number; value: PlatformCounts } | undefined;
  let reading: Promise<PlatformCounts | undefined> | undefined;

  /** The counts, from the cache while fresh; undefined when the database did not answer. */
  const currentCounts = (request: FastifyRequest): Promise<PlatformCounts | undefined> => {
    if (!counts) return Promise.resolve(undefined);
    if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.value);
    reading ??= counts()
      .catch((err: unknown) => {
        request.log.warn({ err }, 'metrics: could not read the counts from the database');
        return undefined;
      })
      .then((value) => {
        if (value) cached = { at: now(), value }; // a failed read is retried at the next scrape
        return value;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  app.get(
    '/metrics',
    {
      // Cheap (cached) but still bounded per address, like any other route.
      config: { rateLimit: { max: 120, timeWindow: 60_000 } },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (bearer METRICS_TOKEN, or loopback clients only)',
        produces: ['text/plain'],
        response: { 200: z.string(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      checkAccess(request, token);
      const text = await metrics.render(await currentCounts(request));
      return reply
        .type(metrics.registry.contentType)
        .header('cache-control', 'no-store')
        .serializer((payload) => payload as string)
        .send(text);
    },
  );
};
