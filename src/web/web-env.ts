/**
 * Environment variables only the admin web reads, validated with zod like src/config/env.ts (which
 * they are meant to join): `REGISTRATION`, `TRUST_PROXY`, `METRICS_TOKEN` and `ALLOWED_HOSTS`. A bad value is a {@link ConfigError}
 * naming the variable and an example of a good value.
 */
import { z } from 'zod';
import { ConfigError } from '../config/env.ts';
import { parseHost } from './auth/hosts.ts';

/** Who may create an account: anyone, holders of an invite code, or nobody (the first account always may). */
export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** Fastify's `trustProxy`: off, on (any proxy), a number of hops, or a list of proxy addresses/CIDRs. */
export type TrustProxy = boolean | number | string;

export interface WebEnv {
  registration: RegistrationMode;
  trustProxy: TrustProxy;
  /** `METRICS_TOKEN`: the bearer token `GET /metrics` asks for; unset: loopback clients only. */
  metricsToken: string | undefined;
  /** Further host names the web answers besides PUBLIC_URL and HOST:PORT: `name` or `name:port`. */
  allowedHosts: string[];
}

const registration = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(REGISTRATION_MODES, { error: `is not one of ${REGISTRATION_MODES.join(', ')}` }))
  .default('open');

const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): TrustProxy => {
    const lower = v.toLowerCase();
    // A number is a hop count (`1` = one proxy in front, as the README says), never "trust everyone".
    if (lower === 'true' || lower === 'yes') return true;
    if (lower === 'false' || lower === '0' || lower === 'no') return false;
    if (/^\d{1,2}$/.test(v)) return Number(v);
    if (/^[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*$/.test(v)) return v;
    ctx.addIssue({ code: 'custom', message: 'is not true, false, a hop count or a list of proxy addresses' });
    return z.NEVER;
  })
  .default(false);

const metricsToken = z
  .string()
  .trim()
  .min(16, { error: 'must be at least 16 characters' })
  .max(256, { error: 'must be at most 256 characters' })
  .optional();
const allowedHosts = z
  .string()
  .transform((v, ctx): string[] => {
    const entries = v
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const bad = entries.find((e) => parseHost(e) === undefined);
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad)} is not a host name or host:port` });
      return z.NEVER;
    }
    return entries;
  })
  .default([]);

type Env = Record<string, string | undefined>;

function read<T>(env: Env, name: string, schema: z.ZodType<T>, example: string, secret = false): T {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? undefined : raw;
  const result = schema.safeParse(value);
  if (!result.success) {
    const problem = result.error.issues[0]?.message ?? 'is invalid';
    // A secret's value is never repeated in the message.
    throw new ConfigError(name, secret ? problem : `${problem} (${JSON.stringify(value)})`, example);
  }
  return result.data;
}

/**
 * Read the admin web's own variables.
 * @param env variables to read, default `process.env`
 * @throws ConfigError on an invalid value
 */
export function loadWebEnv(env: Env = process.env): WebEnv {
  return {
    registration: read(env, 'REGISTRATION', registration, 'open'),
    trustProxy: read(env, 'TRUST_PROXY', trustProxy, '127.0.0.1'),
    metricsToken: read(env, 'METRICS_TOKEN', metricsToken, 'a random string of 32 characters', true),
    allowedHosts: read(env, 'ALLOWED_HOSTS', allowedHosts, 'lottery.lan,192.168.1.10:8080'),
  };
}
