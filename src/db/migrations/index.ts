/**
 * The committed migrations, in order. Listed explicitly (no folder scanning) so the same list works
 * from TypeScript sources and from a build. Add each new migration at the end; never edit a landed one.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129000000Init } from './Migration20261129000000Init.ts';
import { Migration20261129100000Sessions } from './Migration20261129100000Sessions.ts';
import { Migration20261129200000Lottery } from './Migration20261129200000Lottery.ts';
import { Migration20261202100000SearchIndex } from './Migration20261202100000SearchIndex.ts';
import { Migration20261202200000Auth } from './Migration20261202200000Auth.ts';
import { Migration20261202500000Degraded } from './Migration20261202500000Degraded.ts';
import { Migration20261202600000AuditIndex } from './Migration20261202600000AuditIndex.ts';
import { Migration20261202700000Hosts } from './Migration20261202700000Hosts.ts';
import { Migration20261206100000Leases } from './Migration20261206100000Leases.ts';
import { Migration20261207100000InboundUpdates } from './Migration20261207100000InboundUpdates.ts';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261129000000Init', class: Migration20261129000000Init },
  { name: 'Migration20261129100000Sessions', class: Migration20261129100000Sessions },
  { name: 'Migration20261129200000Lottery', class: Migration20261129200000Lottery },
  { name: 'Migration20261202100000SearchIndex', class: Migration20261202100000SearchIndex },
  { name: 'Migration20261202200000Auth', class: Migration20261202200000Auth },
  { name: 'Migration20261202500000Degraded', class: Migration20261202500000Degraded },
  { name: 'Migration20261202600000AuditIndex', class: Migration20261202600000AuditIndex },
  { name: 'Migration20261202700000Hosts', class: Migration20261202700000Hosts },
  { name: 'Migration20261206100000Leases', class: Migration20261206100000Leases },
  { name: 'Migration20261207100000InboundUpdates', class: Migration20261207100000InboundUpdates },
];
