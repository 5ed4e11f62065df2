/**
 * Many long polls held at once, as when a thousand tenants' bots poll one sandbox: each poll is answered
 * by its own bot's update and by nothing else, and a poll whose client went away leaves nothing behind.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { waitUntil } from '../helpers/wait.ts';

let sandbox: Sandbox;
let agent: http.Agent | null = null;
afterEach(async () => {
  agent?.destroy();
  agent = null;
  await sandbox?.close();
});

interface PollAnswer {
  ok: boolean;
  result: Array<{ update_id: number; message?: { text?: string; chat: { id: number } } }>;
}

/** One getUpdates over `agent`, resolving with the parsed answer. */
function getUpdates(token: string, body: Record<string, unknown>): Promise<PollAnswer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${sandbox.apiRoot}/bot${token}/getUpdates`,
      {
        method: 'POST',
        agent: agent ?? undefined,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(JSON.parse(text) as PollAnswer));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const heldCount = () => [...sandbox.state.bots.values()].filter((b) => b.queue.held !== null).length;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('many held long polls', () => {
  it('1,000 polls held at once: each is answered by its own bot’s update, and not by others', async () => {
    sandbox = await createSandbox();
    agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    const { bots } = await sandbox.client.createBots({ count: 1000, username_prefix: 'held' });
    const user = await sandbox.client.createUser({ first_name: 'Sender' });
    const answered = new Map<number, PollAnswer>();
    const polls = bots.map((bot) =>
      getUpdates(bot.token, { timeout: 60 }).then((answer) => answered.set(bot.id, answer)),
    );
    await waitUntil(() => heldCount() === 1000, '1,000 held polls', 20_000);

    // Every other bot gets a message; the others' polls must stay held.
    const even = bots.filter((_, i) => i % 2 === 0);
    for (const bot of even) await sandbox.client.send(user.id, bot.id, `for ${bot.id}`);
    await waitUntil(() => answered.size === even.length, 'the 500 addressed polls to answer', 20_000);
    for (const bot of even) {
      const answer = answered.get(bot.id);
      expect(answer?.ok).toBe(true);
      expect(answer?.result.map((u) => u.message?.text)).toEqual([`for ${bot.id}`]);
    }
    const odd = bots.filter((_, i) => i % 2 === 1);
    expect(odd.filter((bot) => answered.has(bot.id))).toEqual([]);
    expect(odd.every((bot) => sandbox.state.bots.get(bot.id)?.queue.held !== null)).toBe(true);

    for (const bot of odd) await sandbox.client.send(user.id, bot.id, `now ${bot.id}`);
    await Promise.all(polls);
    for (const bot of odd) {
      expect(answered.get(bot.id)?.result.map((u) => u.message?.text)).toEqual([`now ${bot.id}`]);
    }
  });

  it('closing the sockets of 300 held polls frees every waiter and its timer at once; updates wait for the next poll', async () => {
    sandbox = await createSandbox();
    const { bots } = await sandbox.client.createBots({ count: 300, username_prefix: 'gone' });
    const port = Number(new URL(sandbox.url).port);
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        sandbox.app.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
      );
    const before = await connections(); // the control client's keep-alive connections
    // Raw sockets: the client side keeps no timers of its own, so the process's timers are the sandbox's.
    const sockets = await Promise.all(
      bots.map(
        (bot) =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
            socket.on('error', reject);
            socket.write(`GET /bot${bot.token}/getUpdates?timeout=60 HTTP/1.1\r\nhost: sandbox\r\n\r\n`);
          }),
      ),
    );
    await waitUntil(() => heldCount() === 300, '300 held polls', 20_000);
    const heldTimers = timers();
    for (const socket of sockets) socket.destroy();
    await waitUntil(() => heldCount() === 0, 'every held poll to be released', 20_000);
    // Each held poll had its own timer; all 300 are cleared with their waiters.
    await waitUntil(() => timers() <= heldTimers - 300, 'the 300 poll timers to be cleared', 20_000);
    await waitUntil(async () => (await connections()) <= before, 'the server to drop the 300 connections');

    // A dead poll swallowed nothing: an update sent now is there for the bot's next call.
    const user = await sandbox.client.createUser({ first_name: 'Later' });
    await sandbox.client.send(user.id, bots[7]!.id, 'after the crash');
    agent = new http.Agent({ keepAlive: false });
    const next = await getUpdates(bots[7]!.token, { timeout: 0 });
    expect(next.result.map((u) => u.message?.text)).toEqual(['after the crash']);
  });
});
