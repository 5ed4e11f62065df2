/**
 * The sandbox web page served at `/`: the chats and their messages as a Telegram user sees them, a
 * selector of which sandbox user you act as, inline buttons to press (the bot's answer shows as a toast
 * or an alert), a box to write as that user, Start/Block for bots, and a small setup panel. Plain HTML
 * with inline CSS and script, no build step. Elements carry stable `data-testid` attributes for
 * browser tests.
 */
import { PAGE_SCRIPT } from './script.ts';
import { PAGE_CSS } from './style.ts';

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telegram sandbox · tg-lottery</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
  <h1>Telegram sandbox</h1>
  <span class="api" id="api-root" data-testid="api-root"></span>
  <label>Act as <select id="user-select" data-testid="user-select"></select></label>
</header>
<main>
  <aside>
    <h2>Chats</h2>
    <div id="chat-list" data-testid="chat-list"></div>
    <details class="setup" data-testid="setup">
      <summary>Set up users, bots and chats</summary>
      <form id="form-user" data-testid="form-user">
        <input name="first_name" placeholder="First name" required>
        <input name="username" placeholder="username (optional)">
        <button type="submit">Create user</button><span class="result"></span>
      </form>
      <form id="form-bot" data-testid="form-bot">
        <input name="username" placeholder="bot username, e.g. lottery_bot" required>
        <button type="submit">Create bot</button><span class="result" data-testid="created-token"></span>
      </form>
      <form id="form-chat" data-testid="form-chat">
        <select name="type"><option value="channel">channel</option><option value="supergroup">supergroup</option><option value="group">group</option></select>
        <input name="title" placeholder="Title" required>
        <input name="username" placeholder="public username (optional)">
        <button type="submit">Create chat</button><span class="result"></span>
      </form>
      <form id="form-member" data-testid="form-member">
        <select name="chat" id="member-chat"></select>
        <select name="who" id="member-who"></select>
        <select name="status"><option>member</option><option>administrator</option><option>creator</option><option>left</option><option>kicked</option></select>
        <button type="submit">Set membership</button><span class="result"></span>
      </form>
    </details>
  </aside>
  <section class="chat">
    <div class="chat-head">
      <div><div class="title" id="chat-title" data-testid="chat-title">Choose a chat</div><small id="chat-sub"></small></div>
      <div class="actions" id="chat-actions"></div>
    </div>
    <div class="messages" id="messages" data-testid="messages"></div>
    <div class="composer" id="composer" style="display:none">
      <input id="composer-input" data-testid="composer-input" placeholder="Write a message…" autocomplete="off">
      <button id="composer-send" data-testid="composer-send">Send</button>
    </div>
  </section>
</main>
<div class="toast" id="toast" data-testid="toast" role="status"></div>
<div class="alert-back" id="alert-back"><div class="alert" data-testid="alert" role="alertdialog"><p id="alert-text"></p><button id="alert-ok">OK</button></div></div>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
