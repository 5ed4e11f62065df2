/**
 * Which `Host` the admin web answers, and which `Origin` counts as the panel itself.
 *
 * Host allowlist (against DNS rebinding: a page on `evil.example` whose name is made to resolve to
 * 127.0.0.1 sends `Host: evil.example:8080`): a request is served only when its host (the `Host`
 * header, or a trusted proxy's `X-Forwarded-Host`, see TRUST_PROXY) is
 * - the host and port of `PUBLIC_URL`;
 * - `HOST:PORT` (unless HOST is a wildcard address, `0.0.0.0` or `::`);
 * - `127.0.0.1`, `localhost` or `[::1]` with PORT, when HOST is a loopback or wildcard address;
 * - an entry of `ALLOWED_HOSTS`: `name` (any port) or `name:port`.
 * A port that is not written, 80 and 443 count as the same "default port". `/healthz` and `/readyz`
 * answer any host, so load balancers and orchestrators can probe by address.
 *
 * Origin check (see guard.ts): an `Origin` is the panel's when scheme, host and port are exactly those
 * of the request itself (`<protocol>://<host>`) or of `PUBLIC_URL` (default ports normalised by the
 * URL parser; no prefix or substring matching).
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';

/** Where the admin web is reached, from HOST, PORT, PUBLIC_URL and ALLOWED_HOSTS. */
export interface HostPolicy {
  /** The listen address (HOST). */
  host: string;
  /** The port, or a function giving the real one once listening (PORT=0). */
  port: number | (() => number);
  /** PUBLIC_URL, if set. */
  publicUrl?: string | undefined;
  /** ALLOWED_HOSTS entries: `name` or `name:port` (IPv6 in brackets). */
  allowedHosts?: readonly string[];
}

/** Paths any host may reach: liveness and readiness probes. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
const DEFAULT_PORT = 'default';

/** `name` and port of a `Host` value (lower-cased; IPv6 kept in brackets), or undefined when malformed. */
export function parseHost(value: string): { name: string; port: string } | undefined {
  try {
    const url = new URL(`http://${value}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
    if (url.host.toLowerCase() !== value.toLowerCase().replace(/:80$/, '')) return undefined;
    const port = url.port === '' || url.port === '443' ? DEFAULT_PORT : url.port;
    return { name: url.hostname.toLowerCase(), port };
  } catch {
    return undefined;
  }
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The test "is this Host one we serve?" for a policy. Entries are computed once, except the port when
 * it is a function (read at each call, so PORT=0 works once listening).
 */
export function hostMatcher(policy: HostPolicy): (hostHeader: string | undefined) => boolean {
  const fixed: Array<{ name: string; port: string | null }> = [];
  const add = (value: string, anyPort: boolean) => {
    const parsed = parseHost(value);
    if (parsed) fixed.push({ name: parsed.name, port: anyPort ? null : parsed.port });
  };
  if (policy.publicUrl) {
    try {
      add(new URL(policy.publicUrl).host, false);
    } catch {
      // PUBLIC_URL is validated at start; a bad value here just adds nothing.
    }
  }
  for (const entry of policy.allowedHosts ?? []) add(entry, !/:\d+$/.test(entry) || entry.endsWith(']'));
  const host = policy.host.trim();
  const listenNames: string[] = [];
  if (!WILDCARDS.has(host)) listenNames.push(bracketed(host));
  if (WILDCARDS.has(host) || isLoopback(host)) listenNames.push(...LOOPBACK_NAMES);
  const portOf = typeof policy.port === 'function' ? policy.port : () => policy.port as number;

  return (hostHeader) => {
    if (!hostHeader) return false;
    const seen = parseHost(hostHeader);
    if (!seen) return false;
    if (fixed.some((e) => e.name === seen.name && (e.port === null || e.port === seen.port))) return true;
    const port = String(portOf());
    return listenNames.some((name) => {
      const listen = parseHost(`${name}:${port}`);
      return listen !== undefined && listen.name === seen.name && listen.port === seen.port;
    });
  };
}

/**
 * A Fastify `onRequest` hook refusing a request whose host is not one the policy serves (421), except
 * the probe paths.
 */
export function hostCheck(policy: HostPolicy): (request: FastifyRequest) => Promise<void> {
  const allowed = hostMatcher(policy);
  return async (request) => {
    if (PROBE_PATHS.has(request.url.split('?')[0] ?? '')) return;
    if (allowed(request.host)) return;
    throw new ApiError(
      'misdirected_host',
      'This address is not one the admin web serves: open the panel at its own address (PUBLIC_URL), or add this host name to ALLOWED_HOSTS.',
    );
  };
}

/** The origin (`scheme://host[:port]`, default port dropped) of a URL, or undefined when it has none. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether an `Origin` header names the panel: exactly (scheme, host and port) the request's own origin
 * or the origin of `publicUrl`. `Origin` is a bare `scheme://host[:port]`; anything else is not one.
 */
export function isOwnOrigin(
  origin: string,
  request: { protocol: string; host: string },
  publicUrl?: string,
): boolean {
  if (!/^https?:\/\/[^/?#@\\\s]+$/i.test(origin)) return false;
  const claimed = originOf(origin);
  if (claimed === undefined) return false;
  if (claimed === originOf(`${request.protocol}://${request.host}`)) return true;
  return publicUrl !== undefined && claimed === originOf(publicUrl);
}
