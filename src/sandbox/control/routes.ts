/**
 * The control API (`/_sandbox/...`): JSON over HTTP on the sandbox port, for tests, the demo and the web
 * page. Every body and query is validated with zod (control/schemas.ts); a bad one answers 400
 * `{error}`, an unknown id 404 `{error}`. See docs/sandbox.md for the full list.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deactivateUser, press, sendAsUser, setBlocked, setMember, startBot } from '../actions.ts';
import { mergeLimits } from '../limits.ts';
import { type NewBot, SandboxInputError, type SandboxState } from '../state.ts';
import type { WebhookDeliverer } from '../webhook.ts';
import {
  botRefBody,
  ControlInputError,
  changesQuery,
  createBotBody,
  createBotsCountBody,
  createBotsListBody,
  createChatBody,
  createUserBody,
  faultBody,
  idParam,
  memberBody,
  parseBody,
  pressBody,
  privateMessagesQuery,
  sendBody,
  startBody,
} from './schemas.ts';
import type {
  ChatMessages,
  CreatedBot,
  CreatedBots,
  LimitsView,
  MemberChangeResult,
  Overview,
  PrivateMessages,
} from './types.ts';
import { chatView, logView, overview } from './views.ts';

export interface ControlDeps {
  state: SandboxState;
  webhooks: WebhookDeliverer;
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => unknown;

/** Answer a control request: the handler's value as JSON, or `{error}` with 400/404. */
function wrap(handler: Handler) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(req, reply);
    } catch (err) {
      if (err instanceof ControlInputError) return reply.code(400).send({ error: err.message });
      if (err instanceof SandboxInputError) return reply.code(err.status).send({ error: err.message });
      throw err;
    }
  };
}

const idOf = (req: FastifyRequest) => parseBody(idParam, req.params).id;

/** Register every `/_sandbox` route on `app`. */
export function registerControlApi(app: FastifyInstance, { state, webhooks }: ControlDeps): void {
  const post = (url: string, h: Handler) => app.post(`/_sandbox${url}`, wrap(h));
  const get = (url: string, h: Handler) => app.get(`/_sandbox${url}`, wrap(h));

  post('/bots', (req): CreatedBot => {
    const body = parseBody(createBotBody, req.body);
    const bot = state.createBot(body);
    return { id: bot.id, token: bot.token, username: bot.username };
  });
  post('/bots/batch', (req): CreatedBots => {
    const listed = typeof req.body === 'object' && req.body !== null && 'bots' in req.body;
    let inputs: NewBot[];
    if (listed) inputs = parseBody(createBotsListBody, req.body).bots;
    else {
      const body = parseBody(createBotsCountBody, req.body);
      inputs = state.freeBotUsernames(body.username_prefix, body.count).map((username) => ({
        username,
        first_name: body.first_name,
        can_read_all_group_messages: body.can_read_all_group_messages,
      }));
    }
    const bots = state.createBots(inputs);
    return { bots: bots.map((bot) => ({ id: bot.id, token: bot.token, username: bot.username })) };
  });
  post('/bots/:id/revoke', (req): Omit<CreatedBot, 'username'> => {
    const bot = state.revokeBot(idOf(req));
    return { id: bot.id, token: bot.token };
  });
  get('/bots/:id/messages', (req): PrivateMessages => {
    const bot = state.requireBot(idOf(req));
    const { user_id } = parseBody(privateMessagesQuery, req.query);
    const user = state.requireUser(user_id);
    const chat = state.privateChats.get(`${bot.id}:${user.id}`);
    return { bot_id: bot.id, user_id: user.id, messages: chat ? logView(state, chat.log) : [] };
  });

  post('/users', (req) => ({ id: state.createUser(parseBody(createUserBody, req.body)).id }));
  post('/users/:id/block', (req) => {
    setBlocked(state, idOf(req), parseBody(botRefBody, req.body).bot_id, true);
    return { ok: true };
  });
  post('/users/:id/unblock', (req) => {
    setBlocked(state, idOf(req), parseBody(botRefBody, req.body).bot_id, false);
    return { ok: true };
  });
  post('/users/:id/deactivate', (req) => {
    deactivateUser(state, idOf(req));
    return { ok: true };
  });
  post('/users/:id/start', (req) => {
    const body = parseBody(startBody, req.body);
    return { message_id: startBot(state, idOf(req), body.bot_id, body.payload).messageId };
  });
  post('/users/:id/send', (req) => {
    const body = parseBody(sendBody, req.body);
    const msg = sendAsUser(state, idOf(req), body.chat_id, body.text, body.reply_to_message_id);
    return { message_id: msg.messageId, chat_id: body.chat_id };
  });
  post('/users/:id/press', (req) => {
    const body = parseBody(pressBody, req.body);
    return press(state, idOf(req), body.chat_id, body.message_id, body.callback_data, {
      inaccessible: body.inaccessible,
      anyData: body.any_data,
    });
  });

  post('/chats', (req) => {
    const body = parseBody(createChatBody, req.body);
    if (body.type === 'private') throw new ControlInputError('private chats are implicit');
    return { id: state.createChat({ ...body, type: body.type }).id };
  });
  post('/chats/:id/members', (req): MemberChangeResult => {
    const body = parseBody(memberBody, req.body);
    const result = setMember(state, idOf(req), body.user_id, {
      status: body.status,
      isMember: body.is_member,
      canSendMessages: body.can_send_messages,
      rights: body.rights,
      byUserId: body.by_user_id,
    });
    return { ok: true, old_status: result.old, status: result.status };
  });
  get('/chats/:id/messages', (req): ChatMessages => {
    const chat = state.requireChat(idOf(req));
    return { chat: chatView(chat), messages: logView(state, chat.log, chat) };
  });

  post('/faults', (req) => {
    const b = parseBody(faultBody, req.body);
    const id = state.faults.add({
      token: b.token,
      method: b.method,
      chatId: b.chat_id,
      errorCode: b.error_code,
      description: b.description,
      parameters: b.parameters,
      hangMs: b.hang_ms,
      drop: b.drop,
      times: b.times,
    });
    return { id };
  });
  get('/faults', () => ({
    faults: state.faults.list().map((f) => ({
      id: f.id,
      remaining: f.remaining,
      times: f.times,
      method: f.method,
      ...(f.token !== undefined ? { token: f.token } : {}),
      ...(f.chatId !== undefined ? { chat_id: f.chatId } : {}),
      ...(f.errorCode !== undefined ? { error_code: f.errorCode } : {}),
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.parameters !== undefined ? { parameters: f.parameters } : {}),
      ...(f.hangMs !== undefined ? { hang_ms: f.hangMs } : {}),
      ...(f.drop !== undefined ? { drop: f.drop } : {}),
    })),
  }));
  app.delete(
    '/_sandbox/faults',
    wrap(() => ({ removed: state.faults.clear() })),
  );

  post('/limits', (req): LimitsView => {
    try {
      state.limits = mergeLimits(state.limits, req.body ?? {});
    } catch (err) {
      throw new ControlInputError((err as Error).message);
    }
    return { limits: state.limits };
  });
  get('/limits', (): LimitsView => ({ limits: state.limits }));

  post('/reset', () => {
    webhooks.stopAll();
    state.reset();
    return { ok: true };
  });

  get('/overview', (): Overview => overview(state));
  get('/changes', async (req, reply) => {
    const q = parseBody(changesQuery, req.query);
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    return { version: await state.waitForChange(q.after, q.timeout_ms, gone.signal) };
  });
}
