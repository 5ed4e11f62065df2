/**
 * Schemas shared by every route: the error body, response maps for the error codes a route can answer
 * with, and the field rules used in several places.
 */
import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.ts';

const CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

/**
 * The one error shape: `{ error: { code, message } }`. Named (`id`), so the OpenAPI document holds it once
 * as `components.schemas.Error` and every error response refers to it.
 */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(CODES).describe('machine-readable code from the error catalogue'),
      message: z.string().describe('a sentence for people: what went wrong and how to fix it'),
    }),
  })
  .meta({ id: 'Error', description: 'Error' });

/**
 * Response schemas for the error statuses a route can answer with (so the OpenAPI document lists
 * them): every route gets 400, 429 and 500; pass the statuses the route adds (401, 403, 404, ...).
 */
export function errorResponses(...statuses: number[]): Record<number, typeof errorSchema> {
  const out: Record<number, typeof errorSchema> = {};
  for (const status of [400, 429, 500, ...statuses]) out[status] = errorSchema;
  return out;
}

/** Status codes of signed-in routes: 401 without a session, 403 for a bad CSRF token. */
export const SIGNED_IN = [401, 403] as const;

/** A tenant's username: 3-32 letters (any script), digits, `_`, `.` or `-`; NFKC-normalised first. */
export const usernameSchema = z
  .string()
  .normalize('NFKC')
  .trim()
  .min(3, { error: 'must be at least 3 characters' })
  .max(32, { error: 'must be at most 32 characters' })
  .regex(/^[\p{L}\p{N}_.-]+$/u, { error: 'may contain only letters, digits, "_", "." and "-"' });

/**
 * A new password: 12-256 characters (OWASP: length over composition rules); the strength check
 * (auth/password-strength.ts) comes after, in the service, as it needs the username.
 */
export const newPasswordSchema = z
  .string()
  .min(12, { error: 'must be at least 12 characters' })
  .max(256, { error: 'must be at most 256 characters' });

/** The empty body of a 204 answer. */
export const noContent = z.null().describe('No content');

/** An ISO-8601 instant in a response. */
export const instant = z.string().describe('ISO-8601 date-time');

/** Date → ISO string (null stays null). */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
