/**
 * Request body budgets per route: every API body is small, so each route accepts only what its largest
 * valid body needs, and a larger one is refused (413) before it is parsed or validated.
 *
 * - lottery create/edit (`POST /api/lotteries`, `PATCH /api/lotteries/:id`) and reroll: 64 KiB (a
 *   2,000-character description, 20 prizes of 200 characters, a reroll naming 1,000 winners, all in
 *   3-byte UTF-8, fit several times over);
 * - every other body (sign-up, sign-in, bot token, admin actions): 8 KiB.
 * The app-wide `bodyLimit` (1 MiB by default) stays the ceiling: a route never accepts more than it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

/** The largest body of a lottery write, in bytes. */
export const LOTTERY_BODY_LIMIT = 64 * 1024;
/** The largest body of every other API route, in bytes. */
export const SMALL_BODY_LIMIT = 8 * 1024;

/** The body budget of one route, in bytes. */
export function bodyLimitFor(method: string, url: string): number {
  return url.startsWith('/api/lotteries') && method !== 'GET' ? LOTTERY_BODY_LIMIT : SMALL_BODY_LIMIT;
}

/**
 * Give every route registered after this in `scope` (and its children) its budget, unless it set one;
 * never more than the app-wide limit.
 */
export function installBodyLimits(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    if (route.bodyLimit !== undefined) return;
    const method = Array.isArray(route.method) ? (route.method[0] ?? 'GET') : route.method;
    const ceiling = scope.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY;
    route.bodyLimit = Math.min(bodyLimitFor(method, route.url), ceiling);
  });
}
