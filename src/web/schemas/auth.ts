/** Schemas of the account routes: sign-up, sign-in, password change, the signed-in account and its sessions. */

import { z } from 'zod';
import { ROLES } from '../../contracts/account.ts';
import type { TenantRecord } from '../../db/repositories/tenants.ts';
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
    role: z.enum(ROLES),
    locale: z.string(),
    display_name: z.string().nullable(),
    created_at: instant,
    csrf_token: z
      .string()
      .describe('send it as x-csrf-token with every change (also in the tgl_csrf cookie)'),
  })
  .describe('Me');
export type MeView = z.output<typeof meView>;

export const changePasswordBody = z
  .strictObject({
    current_password: z
      .string()
      .min(1, { error: 'is empty' })
      .max(256, { error: 'must be at most 256 characters' }),
    new_password: newPasswordSchema,
  })
  .describe('ChangePasswordBody');

export const passwordChangedView = z
  .object({ sessions_ended: z.number().int().describe('other sessions of the account that were ended') })
  .describe('PasswordChanged');

export const sessionView = z
  .object({
    id: z.uuid(),
    created_at: instant.describe('when it signed in'),
    last_seen_at: instant.describe('its last request (written at most once a minute)'),
    expires_at: instant,
    user_agent: z.string().nullable().describe('the browser it signed in with'),
    address: z.string().nullable().describe('the client address it signed in from'),
    current: z.boolean().describe('this is the session making the request'),
  })
  .describe('Session');

export const sessionListView = z.object({ items: z.array(sessionView) }).describe('SessionList');

export const sessionParams = z.strictObject({
  id: z.uuid({ error: 'must be a session id from GET /api/me/sessions' }),
});

export const sessionsEndedView = z.object({ sessions_ended: z.number().int() }).describe('SessionsEnded');

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
