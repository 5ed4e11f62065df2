/**
 * The sandbox web page's script (plain browser JavaScript, no build step). Everything shown is built
 * with DOM nodes and textContent, so no text from a bot or a user is ever parsed as HTML; message
 * entities become formatting elements. It must not contain backticks or dollar-brace sequences (it
 * lives inside a template literal).
 */
export const PAGE_SCRIPT = `
'use strict';
var state = { overview: null, userId: null, chat: null, version: -1 };
var $ = function (id) { return document.getElementById(id); };

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === 'text') node.textContent = attrs[k];
    else if (k === 'class') node.className = attrs[k];
    else if (k.indexOf('on') === 0) node.addEventListener(k.slice(2), attrs[k]);
    else node.setAttribute(k, attrs[k]);
  });
  (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return node;
}

function api(method, path, body) {
  return fetch('/_sandbox' + path, {
    method: method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  }).then(function (res) {
    return res.json().then(function (data) {
      if (!res.ok) throw new Error(data.error || ('HTTP ' + res.status));
      return data;
    });
  });
}

function toast(text) {
  var t = $('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(function () { t.classList.remove('show'); }, 3000);
}

function alertBox(text) {
  $('alert-text').textContent = text;
  $('alert-back').classList.add('show');
}

function safeUrl(url) {
  return /^(https?:|tg:)/i.test(url || '') ? url : null;
}

/* Render text with Bot API entities (offsets in UTF-16 units = JS string indexes) as nested elements. */
function renderEntities(text, entities) {
  var sorted = (entities || []).slice().sort(function (a, b) { return a.offset - b.offset || b.length - a.length; });
  function build(start, end, list) {
    var out = [];
    var pos = start;
    var i = 0;
    while (i < list.length) {
      var e = list[i];
      var eEnd = e.offset + e.length;
      var inner = [];
      var j = i + 1;
      while (j < list.length && list[j].offset < eEnd) { if (list[j].offset + list[j].length <= eEnd) inner.push(list[j]); j++; }
      if (e.offset > pos) out.push(document.createTextNode(text.slice(pos, e.offset)));
      var node = entityNode(e, text.slice(e.offset, eEnd));
      build(e.offset, eEnd, inner).forEach(function (c) { node.appendChild(c); });
      out.push(node);
      pos = Math.max(pos, eEnd);
      i = j;
    }
    if (pos < end) out.push(document.createTextNode(text.slice(pos, end)));
    return out;
  }
  return build(0, text.length, sorted);
}

function entityNode(e, content) {
  switch (e.type) {
    case 'bold': return el('b');
    case 'italic': return el('i');
    case 'underline': return el('u');
    case 'strikethrough': return el('s');
    case 'spoiler': return el('span', { class: 'spoiler' });
    case 'code': return el('code');
    case 'pre': return el('pre');
    case 'blockquote': case 'expandable_blockquote': return el('blockquote');
    case 'text_link': case 'url': {
      var href = safeUrl(e.type === 'url' ? content : e.url);
      return href ? el('a', { href: href, target: '_blank', rel: 'noopener noreferrer' }) : el('span');
    }
    default: return el('span', { class: 'entity-' + e.type });
  }
}

/**
 * A t.me link to a sandbox bot (https://t.me/<bot>?start=<payload>), as Telegram would: open the bot's
 * private chat and send "/start <payload>" as the current user. Returns false for any other link.
 */
function followBotLink(url) {
  var match = new RegExp('^https://t[.]me/([A-Za-z0-9_]{5,32})(?:[?]start=([A-Za-z0-9_-]{1,64}))?$').exec(url || '');
  if (!match || !state.userId || !state.overview) return false;
  var bot = state.overview.bots.find(function (b) { return b.username.toLowerCase() === match[1].toLowerCase(); });
  if (!bot) return false;
  var body = match[2] ? { bot_id: bot.id, payload: match[2] } : { bot_id: bot.id };
  api('POST', '/users/' + state.userId + '/start', body)
    .then(function () {
      state.chat = chatsFor(me()).find(function (c) { return c.key === 'bot:' + bot.id; }) || state.chat;
      return refresh();
    })
    .catch(function (e) { toast(e.message); });
  return true;
}

function me() {
  return (state.overview.users || []).find(function (u) { return u.id === state.userId; }) || null;
}

function chatsFor(user) {
  var list = [];
  state.overview.bots.forEach(function (b) {
    var started = user && user.started_bots.indexOf(b.id) !== -1;
    var blocked = user && user.blocked_bots.indexOf(b.id) !== -1;
    list.push({ key: 'bot:' + b.id, id: b.id, kind: 'private', title: b.first_name, sub: '@' + b.username,
      badge: blocked ? 'blocked' : started ? '' : 'not started', warn: blocked, bot: b });
  });
  state.overview.chats.forEach(function (c) {
    var m = user && c.members.find(function (x) { return x.id === user.id; });
    list.push({ key: 'chat:' + c.id, id: c.id, kind: c.type, title: c.title, sub: c.type + (c.username ? ' · @' + c.username : ''),
      badge: m ? (m.is_member ? m.status : m.status) : 'not a member', warn: !m || !m.is_member, chat: c });
  });
  return list;
}

function renderUsers() {
  var select = $('user-select');
  select.textContent = '';
  state.overview.users.forEach(function (u) {
    var label = u.first_name + (u.last_name ? ' ' + u.last_name : '') + (u.username ? ' (@' + u.username + ')' : '') + (u.deactivated ? ' — deleted' : '');
    select.appendChild(el('option', { value: String(u.id), text: label }));
  });
  if (!state.userId && state.overview.users.length) state.userId = state.overview.users[0].id;
  if (state.userId) select.value = String(state.userId);
}

function renderChatList() {
  var box = $('chat-list');
  box.textContent = '';
  var user = me();
  if (!user) { box.appendChild(el('p', { class: 'empty', text: 'Create a user to begin.' })); return; }
  chatsFor(user).forEach(function (c) {
    var active = state.chat && state.chat.key === c.key;
    box.appendChild(el('button', { class: 'chat-item' + (active ? ' active' : ''), 'data-testid': 'chat-item', 'data-chat-id': String(c.id),
      onclick: function () { state.chat = c; refresh(); } }, [
      el('span', { text: c.title }),
      c.badge ? el('span', { class: 'badge' + (c.warn ? ' warn' : ''), text: c.badge }) : null,
      el('small', { text: c.sub })
    ]));
  });
}

function senderName(m) {
  return m.sender.name + (m.sender.username ? ' @' + m.sender.username : '');
}

function renderMessages(messages) {
  var box = $('messages');
  box.textContent = '';
  var visible = messages.filter(function (m) { return !m.deleted; });
  if (!visible.length) box.appendChild(el('p', { class: 'empty', 'data-testid': 'no-messages', text: 'No messages yet.' }));
  visible.forEach(function (m) {
    if (m.service) {
      var who = m.service.new_chat_members ? m.service.new_chat_members.map(function (s) { return s.name; }).join(', ') + ' joined'
        : m.service.left_chat_member.name + ' left';
      box.appendChild(el('div', { class: 'msg service', 'data-testid': 'service-message', text: who }));
      return;
    }
    var mine = m.sender.type === 'user' && m.sender.id === state.userId;
    var node = el('div', { class: 'msg' + (mine ? ' mine' : ''), 'data-testid': 'message', 'data-message-id': String(m.message_id),
      'data-sender': m.sender.type }, [
      mine ? null : el('div', { class: 'from', text: state.chat.kind === 'channel' ? state.chat.title : senderName(m) }),
      el('div', { class: 'text', 'data-testid': 'message-text' }, renderEntities(m.text, m.entities)),
      el('div', { class: 'meta', text: new Date(m.date * 1000).toLocaleTimeString() + (m.edit_date ? ' · edited' : '') })
    ]);
    var kb = m.reply_markup && m.reply_markup.inline_keyboard;
    if (kb) {
      node.appendChild(el('div', { class: 'keyboard' }, kb.map(function (row) {
        return el('div', { class: 'row' }, row.map(function (b) { return buttonNode(m, b); }));
      })));
    }
    box.appendChild(node);
  });
  box.scrollTop = box.scrollHeight;
}

function buttonNode(m, b) {
  if (b.url) {
    var href = safeUrl(b.url);
    return el('button', { 'data-testid': 'inline-button', 'data-url': b.url, text: b.text + ' ↗', onclick: function () {
      if (followBotLink(b.url)) return;
      if (href) window.open(href, '_blank', 'noopener');
    } });
  }
  if (b.callback_data === undefined) return el('button', { 'data-testid': 'inline-button', disabled: 'disabled', text: b.text });
  return el('button', { 'data-testid': 'inline-button', 'data-callback-data': b.callback_data, text: b.text, onclick: function (ev) {
    var btn = ev.currentTarget;
    btn.disabled = true;
    api('POST', '/users/' + state.userId + '/press', { chat_id: state.chat.id, message_id: m.message_id, callback_data: b.callback_data })
      .then(function (r) {
        if (!r.answered) toast('The bot did not answer in time.');
        else if (r.url && followBotLink(r.url)) toast((r.text ? r.text + ' — ' : '') + 'the bot opened its chat (deep link)');
        else if (r.url) toast('The bot opened ' + r.url);
        else if (r.text && r.show_alert) alertBox(r.text);
        else if (r.text) toast(r.text);
      })
      .catch(function (e) { toast(e.message); })
      .then(function () { btn.disabled = false; });
  } });
}

function renderHead() {
  var c = state.chat;
  $('chat-title').textContent = c ? c.title : 'Choose a chat';
  $('chat-sub').textContent = c ? c.sub : '';
  var actions = $('chat-actions');
  actions.textContent = '';
  $('composer').style.display = c ? 'flex' : 'none';
  if (!c || c.kind !== 'private') return;
  var user = me();
  var blocked = user && user.blocked_bots.indexOf(c.id) !== -1;
  actions.appendChild(el('input', { id: 'start-payload', 'data-testid': 'start-payload', placeholder: 'start payload (optional)' }));
  actions.appendChild(el('button', { 'data-testid': 'start-button', text: blocked ? 'Restart' : 'Start', onclick: function () {
    var payload = $('start-payload').value.trim();
    api('POST', '/users/' + state.userId + '/start', payload ? { bot_id: c.id, payload: payload } : { bot_id: c.id }).catch(function (e) { toast(e.message); });
  } }));
  actions.appendChild(el('button', { class: 'secondary', 'data-testid': 'block-toggle', text: blocked ? 'Unblock' : 'Block', onclick: function () {
    api('POST', '/users/' + state.userId + (blocked ? '/unblock' : '/block'), { bot_id: c.id }).catch(function (e) { toast(e.message); });
  } }));
}

function refresh() {
  return api('GET', '/overview').then(function (o) {
    state.overview = o;
    state.version = o.version;
    renderUsers();
    if (state.chat) state.chat = chatsFor(me()).find(function (c) { return c.key === state.chat.key; }) || null;
    renderChatList();
    renderHead();
    renderSetup();
    if (!state.chat) { renderMessages([]); return; }
    var path = state.chat.kind === 'private' ? '/bots/' + state.chat.id + '/messages?user_id=' + state.userId : '/chats/' + state.chat.id + '/messages';
    if (!state.userId && state.chat.kind === 'private') return renderMessages([]);
    return api('GET', path).then(function (r) { renderMessages(r.messages); });
  }).catch(function (e) { toast(e.message); });
}

function watch() {
  api('GET', '/changes?after=' + state.version + '&timeout_ms=25000')
    .then(function (r) { return r.version !== state.version ? refresh() : null; })
    .catch(function () { return new Promise(function (r) { setTimeout(r, 2000); }); })
    .then(watch);
}

function send() {
  var input = $('composer-input');
  var text = input.value;
  if (!text.trim() || !state.chat) return;
  api('POST', '/users/' + state.userId + '/send', { chat_id: state.chat.id, text: text })
    .then(function () { input.value = ''; })
    .catch(function (e) { toast(e.message); });
}

function renderSetup() {
  var o = state.overview;
  var chatSel = $('member-chat');
  var whoSel = $('member-who');
  var keepChat = chatSel.value;
  var keepWho = whoSel.value;
  chatSel.textContent = '';
  whoSel.textContent = '';
  o.chats.forEach(function (c) { chatSel.appendChild(el('option', { value: String(c.id), text: c.title + ' (' + c.type + ')' })); });
  o.users.forEach(function (u) { whoSel.appendChild(el('option', { value: String(u.id), text: u.first_name })); });
  o.bots.forEach(function (b) { whoSel.appendChild(el('option', { value: String(b.id), text: '@' + b.username })); });
  if (keepChat) chatSel.value = keepChat;
  if (keepWho) whoSel.value = keepWho;
}

function form(id, handler) {
  $(id).addEventListener('submit', function (ev) {
    ev.preventDefault();
    var data = new FormData(ev.currentTarget);
    var out = ev.currentTarget.querySelector('.result');
    handler(data).then(function (text) { out.textContent = text || 'Done.'; out.className = 'result'; })
      .catch(function (e) { out.textContent = e.message; out.className = 'result error'; });
  });
}

function opt(v) { v = (v || '').toString().trim(); return v ? v : undefined; }

document.addEventListener('DOMContentLoaded', function () {
  $('api-root').textContent = 'apiRoot ' + location.origin;
  $('user-select').addEventListener('change', function (ev) { state.userId = Number(ev.target.value); refresh(); });
  $('composer-send').addEventListener('click', send);
  $('composer-input').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') send(); });
  $('alert-ok').addEventListener('click', function () { $('alert-back').classList.remove('show'); });
  form('form-user', function (d) {
    return api('POST', '/users', { first_name: d.get('first_name'), username: opt(d.get('username')) })
      .then(function (r) { state.userId = r.id; return 'User ' + r.id + ' created.'; });
  });
  form('form-bot', function (d) {
    return api('POST', '/bots', { username: d.get('username') }).then(function (r) { return 'Token: ' + r.token; });
  });
  form('form-chat', function (d) {
    return api('POST', '/chats', { type: d.get('type'), title: d.get('title'), username: opt(d.get('username')) })
      .then(function (r) { return 'Chat ' + r.id + ' created.'; });
  });
  form('form-member', function (d) {
    return api('POST', '/chats/' + d.get('chat') + '/members', { user_id: Number(d.get('who')), status: d.get('status') })
      .then(function (r) { return r.old_status + ' → ' + r.status; });
  });
  refresh().then(watch);
});
`;
