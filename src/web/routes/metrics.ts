/** `GET /metrics`: Prometheus text exposition (see metrics.ts for what is measured). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebMetrics } from '../metrics.ts';
import type { PlatformCounts } from '../repositories/stats.ts';

export interface MetricsRoutesOptions {
  metrics: WebMetrics;
  /** Read the platform counts; undefined when there is no database to read (probe-only apps). */
  counts: (() => Promise<PlatformCounts>) | undefined;
}

export const metricsRoutes: FastifyPluginAsyncZod<MetricsRoutesOptions> = async (
  app,
  { metrics, counts },
) => {
  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: z.string() },
      },
    },
    async (request, reply) => {
      let current: PlatformCounts | undefined;
      try {
        current = counts ? await counts() : undefined;
      } catch (err) {
        request.log.warn({ err }, 'metrics: could not read the counts from the database');
      }
      const text = await metrics.render(current);
      return reply
        .type(metrics.registry.contentType)
        .serializer((payload) => payload as string)
        .send(text);
    },
  );
};
