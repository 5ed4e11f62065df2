/**
 * Every sentence the bot says, in zh-CN and en. A user gets their Telegram `language_code` (zh* → zh-CN,
 * anything else → en) when the bot answers them; a post in a chat uses the lottery's language. Texts are
 * plain: callers escape user-supplied parts (render.ts) before they reach an HTML `parse_mode`.
 */
import type { Language } from './model.ts';

const en = {
  join: 'Join',
  openBot: 'Start the bot',
  prizes: 'Prizes',
  conditions: 'To win',
  condMember: (chat: string) => `be a member of ${chat}`,
  condUsername: 'have a Telegram username',
  condNotBot: 'not be a bot',
  drawAt: (when: string) => `Draw: ${when} (UTC)`,
  drawAtEntries: (n: number) => `Draw: when ${n} people have joined`,
  drawManual: 'Draw: announced by the organiser',
  entries: (n: number) => `Entries: ${n}`,
  commitment: 'Fairness commitment (SHA-256 of the secret seed)',
  changed: 'Changed since publication',
  /** Names of the fields an open lottery's edit may change (LotteryChange.field). */
  fields: { prizes: 'prizes', conditions: 'conditions', draw: 'draw time' } as Record<string, string>,
  finished: 'Finished: the winners have been drawn.',
  cancelled: 'Cancelled by the organiser.',
  winnersTitle: (title: string) => `🎉 Winners of ${title}`,
  undrawn: (prize: string, n: number) => `${prize}: ${n} not awarded (not enough entries)`,
  noEntries: 'Nobody joined, so there are no winners.',
  proofLine: 'Check the draw',
  rerollTitle: (title: string) => `🔁 Winners replaced in ${title}`,
  rerollReason: (reason: string) => `Reason: ${reason}`,
  replacedBy: (a: string, b: string) => `${a} → ${b}`,
  replacedNone: (a: string) => `${a} → (nobody left to draw)`,
  dm: (title: string, prize: string) =>
    `🎉 Congratulations! You won "${prize}" in ${title}. The organiser will contact you about the prize.`,
  joined: '✅ You have joined. Good luck!',
  joinedStartBot: '✅ You have joined. Start the bot so we can message you if you win.',
  already: 'You have already joined this giveaway.',
  closed: 'This giveaway is no longer open.',
  full: 'This giveaway already has all the entries it takes.',
  notFound: 'This giveaway does not exist (any more).',
  notMember: (chat: string) => `To join, first join ${chat}.`,
  noUsername: 'To join, set a Telegram username first (Settings → Username).',
  isBot: 'Bots cannot join giveaways.',
  cannotVerify: 'We could not check your membership right now. Please try again in a minute.',
  checking: '⏳ Checking your entry…',
  joinFailed: 'We could not record your entry right now. Please press again in a minute.',
  joinUnconfirmed: 'We could not confirm your entry right now. Please press again in a minute.',
  startGreeting: (name: string, owner: string) =>
    `👋 ${name ? `${name}, ` : ''}this is the giveaway bot of ${owner}. Join a giveaway with the button under its post; if you win, the prize message arrives here.`,
  startJoined: (title: string) => `✅ You have joined "${title}". If you win, the message arrives here.`,
  startAlready: (title: string) => `You had already joined "${title}". If you win, the message arrives here.`,
};

type Texts = typeof en;

const zh: Texts = {
  join: '参与抽奖',
  openBot: '启动机器人',
  prizes: '奖品',
  conditions: '中奖条件',
  condMember: (chat) => `加入 ${chat}`,
  condUsername: '设置了 Telegram 用户名',
  condNotBot: '不是机器人',
  drawAt: (when) => `开奖时间：${when}（UTC）`,
  drawAtEntries: (n) => `开奖：参与人数达到 ${n} 人时`,
  drawManual: '开奖：由组织者宣布',
  entries: (n) => `参与人数：${n}`,
  commitment: '公平性承诺（秘密种子的 SHA-256）',
  changed: '发布后已修改',
  fields: { prizes: '奖品', conditions: '参与条件', draw: '开奖时间' },
  finished: '已结束：中奖者已抽出。',
  cancelled: '组织者已取消本次抽奖。',
  winnersTitle: (title) => `🎉 ${title} 中奖名单`,
  undrawn: (prize, n) => `${prize}：${n} 份未抽出（参与人数不足）`,
  noEntries: '没有人参与，因此没有中奖者。',
  proofLine: '验证抽奖结果',
  rerollTitle: (title) => `🔁 ${title} 重新抽取`,
  rerollReason: (reason) => `原因：${reason}`,
  replacedBy: (a, b) => `${a} → ${b}`,
  replacedNone: (a) => `${a} → （无人可抽）`,
  dm: (title, prize) => `🎉 恭喜！你在「${title}」中抽中了「${prize}」。组织者会联系你领取奖品。`,
  joined: '✅ 参与成功，祝你好运！',
  joinedStartBot: '✅ 参与成功。请启动机器人，以便中奖时通知你。',
  already: '你已经参与过这个抽奖了。',
  closed: '这个抽奖已经结束。',
  full: '这个抽奖的参与名额已满。',
  notFound: '这个抽奖不存在（或已删除）。',
  notMember: (chat) => `请先加入 ${chat} 再参与。`,
  noUsername: '请先设置 Telegram 用户名（设置 → 用户名）再参与。',
  isBot: '机器人不能参与抽奖。',
  cannotVerify: '暂时无法确认你的成员身份，请一分钟后再试。',
  checking: '⏳ 正在检查你的参与资格…',
  joinFailed: '暂时无法记录你的参与，请一分钟后再按一次。',
  joinUnconfirmed: '暂时无法确认你是否已参与，请一分钟后再按一次。',
  startGreeting: (name, owner) =>
    `👋 ${name ? `${name}，` : ''}这是 ${owner} 的抽奖机器人。点击抽奖帖子下方的按钮即可参与；中奖通知会发到这里。`,
  startJoined: (title) => `✅ 你已参与「${title}」。中奖通知会发到这里。`,
  startAlready: (title) => `你已经参与过「${title}」。中奖通知会发到这里。`,
};

const TEXTS: Record<Language, Texts> = { en, 'zh-CN': zh };

/** The texts of a language. */
export function texts(language: Language): Texts {
  return TEXTS[language];
}

/**
 * The language for a Telegram user: their `language_code` when it is Chinese or English, else the
 * fallback (the lottery's or tenant's language).
 */
export function languageFor(languageCode: string | null | undefined, fallback: Language): Language {
  if (!languageCode) return fallback;
  const code = languageCode.toLowerCase();
  if (code.startsWith('zh')) return 'zh-CN';
  if (code.startsWith('en')) return 'en';
  return fallback;
}
