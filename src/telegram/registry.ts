/**
 * One {@link BotApi} per token in a process: `botApi(token, { apiRoot })` returns the same client for the
 * same token and API root, so every caller of a token — the bot's polling, its handlers, its outbox, a
 * membership check, the web's token check — shares its pacing and its flood waits.
 *
 * A client nobody uses is not kept forever (the web process checks tokens typed by organisers): once it
 * has been idle for {@link IDLE_MS} with nothing in flight or booked ahead, the registry holds it only
 * weakly, and drops it when nobody else holds it either (a running bot keeps its client, and so its
 * pacing limits). A test injecting `fetch` or `clock` gets clients of its own, apart from everyone else's.
 */

import { BotApi, type BotApiOptions } from './client.ts';
import type { Clock } from './clock.ts';

/** A client unused this long (ms) with nothing pending may be dropped when nobody holds it. */
export const IDLE_MS = 10 * 60_000;

interface Entry {
  strong: BotApi | undefined;
  weak: WeakRef<BotApi>;
}

const DEFAULT_SCOPE = {};
/** Clients by (fetch, clock) identity, then by `apiRoot\ntoken`. */
const scopes = new WeakMap<object, WeakMap<object, Map<string, Entry>>>();
/** When each client map was last swept (epoch ms). */
const sweptAt = new WeakMap<Map<string, Entry>, number>();

const finalizer = new FinalizationRegistry<{ map: Map<string, Entry>; key: string }>(({ map, key }) => {
  const entry = map.get(key);
  if (entry && !entry.strong && entry.weak.deref() === undefined) map.delete(key);
});

function clientsOf(fetchFn: object, clock: object): Map<string, Entry> {
  let byClock = scopes.get(fetchFn);
  if (!byClock) {
    byClock = new WeakMap();
    scopes.set(fetchFn, byClock);
  }
  let clients = byClock.get(clock);
  if (!clients) {
    clients = new Map();
    byClock.set(clock, clients);
  }
  return clients;
}

function sweep(clients: Map<string, Entry>, now: number): void {
  if (now - (sweptAt.get(clients) ?? 0) < 60_000) return;
  sweptAt.set(clients, now);
  for (const entry of clients.values()) {
    if (entry.strong?.idleFor(IDLE_MS)) entry.strong = undefined;
  }
}

/**
 * The process's client for `token` at `options.apiRoot` (trailing slashes ignored). The first call makes
 * it with its options (`limits`, `random`); later calls get that client as it is.
 * @throws TypeError for a token with characters a bot token never has
 */
export function botApi(token: string, options: BotApiOptions): BotApi {
  const apiRoot = options.apiRoot.replace(/\/+$/, '');
  const clients = clientsOf(
    options.fetch ?? DEFAULT_SCOPE,
    (options.clock as Clock | undefined) ?? DEFAULT_SCOPE,
  );
  sweep(clients, Date.now());
  const key = `${apiRoot}\n${token}`;
  const entry = clients.get(key);
  const existing = entry?.strong ?? entry?.weak.deref();
  if (entry && existing) {
    entry.strong = existing;
    return existing;
  }
  const client = new BotApi(token, { ...options, apiRoot });
  clients.set(key, { strong: client, weak: new WeakRef(client) });
  finalizer.register(client, { map: clients, key });
  return client;
}
