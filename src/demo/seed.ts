/**
 * The demo's cast, made through the same doors a person would use: in the sandbox (Telegram's stand-in)
 * a bot, a channel and a group where the bot is an administrator, and a few dozen users (Chinese and
 * English names, some without a username, most of them channel members, some who started the bot); in
 * the admin web, the demo organiser's account (signed up or signed in over HTTP) with the sandbox bot's
 * token saved through `PUT /api/bot`, exactly as the panel does.
 */
import type { SandboxClient } from '../sandbox/client.ts';

export const DEMO_USERNAME = 'demo';
export const DEMO_PASSWORD = 'demo-giveaway-2026';

const FIRST_NAMES = [
  '小明',
  '李华',
  'Alice',
  'Bob',
  '王芳',
  'Carol',
  '张伟',
  'Dave',
  '刘洋',
  'Eve',
  '陈静',
  'Frank',
  '杨磊',
  'Grace',
  '赵敏',
  'Heidi',
  '黄勇',
  'Ivan',
  '周杰',
  'Judy',
  '吴倩',
  'Mallory',
  '徐强',
  'Niaj',
  '孙丽',
  'Olivia',
  '马超',
  'Peggy',
  '朱琳',
  'Rupert',
  '胡军',
  'Sybil',
  '郭靖',
  'Trent',
  '何云',
  'Victor',
];

export interface DemoWorld {
  botUsername: string;
  channelId: number;
  groupId: number;
  users: number;
}

/** Creates the sandbox side of the demo; returns the bot token for the organiser's settings. */
export async function seedSandbox(
  client: SandboxClient,
): Promise<DemoWorld & { token: string; botId: number }> {
  const bot = await client.createBot({ username: 'demo_giveaway_bot', first_name: 'Demo Giveaway' });
  const { id: channelId } = await client.createChat({
    type: 'channel',
    title: '抽奖频道 Demo Channel',
    username: 'demo_channel',
  });
  const { id: groupId } = await client.createChat({ type: 'supergroup', title: 'Demo 群组 Group' });
  const users: number[] = [];
  for (const [i, name] of FIRST_NAMES.entries()) {
    const ascii = /^[A-Za-z]+$/.test(name);
    const { id } = await client.createUser({
      first_name: name,
      ...(i % 7 === 3 ? {} : { username: `demo_user_${i + 1}` }),
      language_code: ascii ? 'en' : 'zh-hans',
    });
    users.push(id);
    // Most are channel members (a membership condition has some who fail it); half are in the group.
    if (i % 6 !== 5) await client.setMember(channelId, { user_id: id, status: 'member' });
    if (i % 2 === 0) await client.setMember(groupId, { user_id: id, status: 'member' });
  }
  // A third started the bot (they can be messaged if they win); one of them blocked it again.
  for (const id of users.filter((_, i) => i % 3 === 0)) await client.start(id, bot.id);
  await client.blockBot(users[9]!, bot.id);
  return {
    token: bot.token,
    botId: bot.id,
    botUsername: bot.username,
    channelId,
    groupId,
    users: users.length,
  };
}

/** Adds the bot to the channel and the group as an administrator (after the bot runs, so it sees it). */
export async function promoteBot(
  client: SandboxClient,
  world: { botId: number; channelId: number; groupId: number },
) {
  await client.setMember(world.channelId, { user_id: world.botId, status: 'administrator' });
  await client.setMember(world.groupId, { user_id: world.botId, status: 'administrator' });
}

/** A tiny cookie-keeping HTTP client for the admin API (what the panel does in a browser). */
class ApiSession {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { origin: this.baseUrl };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) headers.cookie = cookie;
    const csrf = this.cookies.get('tgl_csrf');
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }
}

/**
 * Signs the demo organiser up (the first account, so also the platform admin) or in, and saves the
 * sandbox bot's token. @throws Error with the API's message when a step fails
 */
export async function seedOrganiser(adminUrl: string, token: string): Promise<void> {
  const api = new ApiSession(adminUrl);
  let res = await api.call('POST', '/api/auth/login', { username: DEMO_USERNAME, password: DEMO_PASSWORD });
  if (res.status !== 200) {
    res = await api.call('POST', '/api/auth/register', { username: DEMO_USERNAME, password: DEMO_PASSWORD });
    if (res.status !== 201) throw new Error(`could not create the demo account: ${JSON.stringify(res.json)}`);
  }
  res = await api.call('PUT', '/api/bot', { token, enabled: true });
  if (res.status !== 200) throw new Error(`could not save the demo bot's token: ${JSON.stringify(res.json)}`);
}
