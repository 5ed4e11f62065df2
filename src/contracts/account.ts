/** The vocabulary of organiser accounts, declared once (`tenants.role`, tested against its CHECK constraint). */

/** `admin` runs the platform (every tenant, invites, the audit log); `organiser` runs their own giveaways. */
export const ROLES = ['admin', 'organiser'] as const;
export type Role = (typeof ROLES)[number];
