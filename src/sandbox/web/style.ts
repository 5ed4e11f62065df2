/** CSS of the sandbox web page (see page.ts). */
export const PAGE_CSS = `
:root { --bg: #eef1f5; --panel: #fff; --line: #dde3ea; --ink: #1d2733; --muted: #6b7785; --accent: #2a8bd6;
  --mine: #e3f4d7; --theirs: #fff; --service: #c9d3dd; --danger: #c0392b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; gap: 16px; align-items: center; padding: 10px 16px; background: #24303c; color: #fff; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header .api { color: #aab7c4; font-size: 12px; }
header label { margin-left: auto; display: flex; gap: 8px; align-items: center; }
select, input, button, textarea { font: inherit; }
select, input, textarea { border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; background: #fff; color: var(--ink); }
button { border: 0; border-radius: 6px; padding: 6px 12px; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #e6ebf0; color: var(--ink); }
button:disabled { opacity: .5; cursor: default; }
main { display: grid; grid-template-columns: 280px 1fr; height: calc(100vh - 48px); }
aside { background: var(--panel); border-right: 1px solid var(--line); overflow-y: auto; }
aside h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 14px 14px 6px; }
.chat-item { display: block; width: 100%; text-align: left; background: none; color: var(--ink); border-radius: 0; padding: 9px 14px; border-bottom: 1px solid #f0f3f6; }
.chat-item:hover { background: #f4f7fa; }
.chat-item.active { background: #dcecf9; }
.chat-item small { display: block; color: var(--muted); }
.badge { font-size: 11px; padding: 1px 6px; border-radius: 8px; background: #e6ebf0; color: var(--muted); margin-left: 4px; }
.badge.warn { background: #fde2df; color: var(--danger); }
section.chat { display: flex; flex-direction: column; min-width: 0; }
.chat-head { background: var(--panel); border-bottom: 1px solid var(--line); padding: 10px 16px; display: flex; gap: 10px; align-items: center; }
.chat-head .title { font-weight: 600; }
.chat-head .actions { margin-left: auto; display: flex; gap: 8px; }
.messages { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
.empty { color: var(--muted); margin: auto; text-align: center; }
.msg { max-width: 70%; background: var(--theirs); border-radius: 10px; padding: 7px 10px; box-shadow: 0 1px 1px rgba(0,0,0,.06); align-self: flex-start; }
.msg.mine { background: var(--mine); align-self: flex-end; }
.msg .from { font-size: 12px; font-weight: 600; color: var(--accent); margin-bottom: 2px; }
.msg .text { white-space: pre-wrap; word-wrap: break-word; }
.msg .meta { font-size: 11px; color: var(--muted); text-align: right; margin-top: 2px; }
.msg.service { align-self: center; background: var(--service); color: #fff; font-size: 12px; padding: 3px 10px; border-radius: 12px; }
.keyboard { display: grid; gap: 4px; margin-top: 6px; }
.keyboard .row { display: flex; gap: 4px; }
.keyboard button { flex: 1; background: #e9f2fb; color: var(--accent); font-weight: 500; }
.spoiler { background: #ccd; color: transparent; border-radius: 3px; }
.spoiler:hover { color: inherit; background: #eef; }
code, pre { font-family: ui-monospace, Menlo, monospace; background: #f2f4f7; border-radius: 4px; padding: 0 3px; }
pre { padding: 6px; white-space: pre-wrap; margin: 4px 0; }
blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--accent); }
.composer { display: flex; gap: 8px; padding: 10px 16px; background: var(--panel); border-top: 1px solid var(--line); }
.composer input { flex: 1; }
.toast { position: fixed; left: 50%; bottom: 80px; transform: translateX(-50%); background: rgba(30,40,50,.92); color: #fff; padding: 8px 16px; border-radius: 8px; display: none; max-width: 60%; }
.toast.show { display: block; }
.alert-back { position: fixed; inset: 0; background: rgba(0,0,0,.3); display: none; align-items: center; justify-content: center; }
.alert-back.show { display: flex; }
.alert { background: #fff; border-radius: 10px; padding: 18px 20px; min-width: 260px; max-width: 420px; }
.alert p { margin: 0 0 14px; white-space: pre-wrap; }
details.setup { margin: 10px 14px 20px; }
details.setup summary { cursor: pointer; color: var(--muted); }
details.setup form { display: grid; gap: 6px; margin: 10px 0; padding-top: 10px; border-top: 1px solid var(--line); }
details.setup .result { font-size: 12px; word-break: break-all; color: var(--muted); }
.error { color: var(--danger); font-size: 12px; }
`;
