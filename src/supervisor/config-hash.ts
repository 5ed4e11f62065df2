/**
 * The config hash: SHA-256 (hex) over every bot config field whose change needs the bot process to be
 * restarted. Today that is the token alone (the bot's username and id follow from it; `enabled` is not
 * a restart but a start/stop). The input is versioned so adding a field later changes every hash once,
 * restarting each bot a single time on upgrade.
 */
import { createHash } from 'node:crypto';

/** Fields that need a restart when they change. */
export interface RestartRelevantConfig {
  token: string;
}

/** SHA-256 hex of the canonical JSON of the restart-relevant fields. */
export function configHash(config: RestartRelevantConfig): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, token: config.token }))
    .digest('hex');
}
