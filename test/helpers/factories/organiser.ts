/**
 * An organiser: a tenant with its bot config and the chats its bot is in, each made by its own factory
 * (a lottery makes the admin chat it targets itself, see lottery.ts).
 */

import type { BotConfigRecord } from '../../../src/db/repositories/bot-configs.ts';
import type { TenantRecord } from '../../../src/db/repositories/tenants.ts';
import { type BotConfigOverrides, makeBotConfig } from './bot-config.ts';
import { type ChatOverrides, type ChatRow, makeChat } from './chat.ts';
import type { FactoryDb } from './door.ts';
import { makeTenant, type TenantOverrides } from './tenant.ts';

export interface OrganiserOverrides extends TenantOverrides {
  /** The bot config (default: a fresh one); false: none. */
  bot?: Omit<BotConfigOverrides, 'tenantId'> | false;
  /** The chats its bot is in (default none). */
  chats?: Omit<ChatOverrides, 'tenantId'>[];
}

export interface Organiser {
  tenant: TenantRecord;
  tenantId: number;
  botConfig: BotConfigRecord | null;
  chats: ChatRow[];
}

/** Create the tenant, then its bot config and chats. */
export async function makeOrganiser(db: FactoryDb, overrides: OrganiserOverrides = {}): Promise<Organiser> {
  const { bot, chats, ...tenantOverrides } = overrides;
  const tenant = await makeTenant(db, tenantOverrides);
  const botConfig = bot === false ? null : await makeBotConfig(db, { ...bot, tenantId: tenant.id });
  const made: ChatRow[] = [];
  for (const chat of chats ?? []) made.push(await makeChat(db, { ...chat, tenantId: tenant.id }));
  return { tenant, tenantId: tenant.id, botConfig, chats: made };
}
