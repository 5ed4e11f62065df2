/** Schemas of the account routes: sign-up and sign-in bodies, and the signed-in account. */
import { z } from 'zod';
import type { TenantRecord } from '../repositories/tenants.ts';
import { REGISTRATION_MODES } from '../web-env.ts';
import { instant, iso, newPasswordSchema, usernameSchema } from './common.ts';

export const registerBody = z
  .strictObject({
    username: usernameSchema,
    password: newPasswordSchema,
    invite: z
      .string()
      .trim()
      .min(1, { error: 'is empty' })
      .max(64, { error: 'must be at most 64 characters' })
      .optional()
      .describe('invite code from the platform admin (REGISTRATION=invite)'),
  })
  .describe('RegisterBody');

export const loginBody = z
  .strictObject({
    username: z
      .string()
      .trim()
      .min(1, { error: 'is empty' })
      .max(64, { error: 'must be at most 64 characters' }),
    password: z.string().min(1, { error: 'is empty' }).max(256, { error: 'must be at most 256 characters' }),
  })
  .describe('LoginBody');

export const meView = z
  .object({
    id: z.number().int(),
    username: z.string(),
    role: z.enum(['admin', 'organiser']),
    locale: z.string(),
    display_name: z.string().nullable(),
    created_at: instant,
    csrf_token: z
      .string()
      .describe('send it as x-csrf-token with every change (also in the tgl_csrf cookie)'),
  })
  .describe('Me');
export type MeView = z.output<typeof meView>;

export const authOptionsView = z.object({ registration: z.enum(REGISTRATION_MODES) }).describe('AuthOptions');

/** The signed-in account as the API shows it. */
export function toMeView(tenant: TenantRecord, csrfToken: string): MeView {
  return {
    id: tenant.id,
    username: tenant.username,
    role: tenant.role,
    locale: tenant.locale,
    display_name: tenant.displayName,
    created_at: iso(tenant.createdAt),
    csrf_token: csrfToken,
  };
}
