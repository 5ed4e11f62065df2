/**
 * The human sentences of the supervisor's log lines (`msg`), in English and Simplified Chinese, chosen by
 * `LOG_LANG` (default from the system locale, see src/config/env.ts). Only `msg` is translated: the JSON
 * fields next to it (`event`, `tenant`, `counts`, ...) stay in English for machines.
 *
 * The language is set once at start (`setLogLanguage`, from bootstrap); until then, and under tests,
 * it is English.
 */

/** Languages of the log sentences. */
export const LOG_LANGUAGES = ['en', 'zh-CN'] as const;
export type LogLanguage = (typeof LOG_LANGUAGES)[number];

/**
 * The language the system locale asks for: `zh-CN` when the first of LC_ALL, LC_MESSAGES, LANG that is set
 * starts with `zh` (POSIX precedence), else `en`.
 */
export function logLanguageFromLocale(env: Record<string, string | undefined>): LogLanguage {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(locale) ? 'zh-CN' : 'en';
}

/** Facts about a tenant a sentence names. `inS` is a ready-made "in 5.0 s"-style delay. */
export interface TenantWords {
  name: string;
  id: string;
  /** Bot username once known, else null. */
  username: string | null;
  /** Seconds before the next try (already formatted, e.g. `5.0`), or null for "a moment". */
  delayS: string | null;
  /** Extra detail (the last error), or null. */
  detail: string | null;
  /** Why the bot is isolated (`crash-loop`, `event-loop-blocked`, `memory`), or null. */
  reason: string | null;
}

/** Every sentence, one function per line. */
export interface LogMessages {
  tenant: {
    startingNew(t: TenantWords): string;
    starting(t: TenantWords): string;
    started(t: TenantWords): string;
    restartingConfig(t: TenantWords): string;
    restartingOperator(t: TenantWords): string;
    exitedUnexpectedly(t: TenantWords): string;
    conflict(t: TenantWords): string;
    killedHeartbeat(t: TenantWords): string;
    killedStartTimeout(t: TenantWords): string;
    stopTimeout(t: TenantWords): string;
    crashLoop(t: TenantWords): string;
    invalidToken(t: TenantWords): string;
    tokenConflict(t: TenantWords): string;
    stoppingDisabled(t: TenantWords): string;
    stoppingShutdown(t: TenantWords): string;
    pollingFailing(t: TenantWords): string;
    pollingRecovered(t: TenantWords): string;
    isolated(t: TenantWords): string;
    terminated(t: TenantWords): string;
    other(event: string, t: TenantWords): string;
  };
  supervisor: {
    started(checkIntervalS: number, hosts: { shared: number; botsPerHost: number }): string;
    summary(c: {
      running: number;
      starting: number;
      /** In a backoff before their next start (default 0). */
      restarting?: number;
      stopped: number;
      checkIntervalS: number;
    }): string;
    noConfig(adminUrl: string, checkIntervalS: number): string;
    /** This node runs no bot: the `bots` configured run on the other supervisor nodes. */
    noneHere(bots: number, checkIntervalS: number): string;
    unusable(name: string, id: string, problem: string): string;
    shuttingDown(bots: number, stopTimeoutMs: number): string;
    shutdownDeadline(): string;
    tenantFailed(): string;
    actorFailed(): string;
    stoppedWithError(): string;
    stoppedNone(): string;
    stoppedBots(names: string[]): string;
    databaseDown(retryS: number): string;
    databaseUp(): string;
  };
  app: {
    signal(signal: string): string;
    signalAgain(signal: string): string;
    shutdownFailed(): string;
    stoppingFailed(name: string): string;
    stoppedCleanly(): string;
    databaseReady(url: string): string;
    adminWebListening(url: string): string;
  };
  embedded: {
    creating(): string;
    running(port: number): string;
    stopped(): string;
    stopFailed(): string;
    unexpected(what: string): string;
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const en: LogMessages = {
  tenant: {
    startingNew: (t) => `new config, starting bot: ${whoEn(t)}`,
    starting: (t) => `starting bot: ${whoEn(t)}`,
    started: (t) => `[${t.name}] bot started as @${t.username ?? '?'}`,
    restartingConfig: (t) => `restarting bot: ${whoEn(t)} — config changed`,
    restartingOperator: (t) => `restarting bot: ${whoEn(t)} — asked by an operator`,
    exitedUnexpectedly: (t) =>
      `bot exited unexpectedly: ${t.name}; restarting in ${inEn(t)}${dash(t.detail)}`,
    conflict: (t) =>
      `bot ${whoEn(t)} got 409 Conflict (another poller on this token); retrying in ${inEn(t)}`,
    killedHeartbeat: (t) => `bot ${whoEn(t)} stopped polling (no heartbeat); killing and restarting it`,
    killedStartTimeout: (t) => `bot ${whoEn(t)} did not become ready in time; killing and retrying`,
    stopTimeout: (t) => `bot ${whoEn(t)} did not stop in time; killed`,
    crashLoop: (t) =>
      `bot ${whoEn(t)} keeps crashing; stopped (crash-loop) until its config changes or an operator restarts it${dash(t.detail)}`,
    invalidToken: (t) =>
      `bot ${whoEn(t)}: Telegram rejected the token (401); stopped until a new token is saved`,
    tokenConflict: (t) =>
      `bot ${whoEn(t)}: the token is used by another deployment (409 for too long); stopped (token-conflict)`,
    stoppingDisabled: (t) => `stopping bot: ${whoEn(t)} — disabled or deleted`,
    stoppingShutdown: (t) => `stopping bot: ${whoEn(t)} — shutting down`,
    pollingFailing: (t) =>
      `bot ${whoEn(t)} is degraded: receiving its updates fails (${t.detail ?? 'getUpdates failed'}); it keeps retrying`,
    pollingRecovered: (t) => `bot ${whoEn(t)} receives its updates again (no longer degraded)`,
    isolated: (t) =>
      t.reason === 'event-loop-blocked'
        ? `bot ${whoEn(t)} held its shared bot host's event loop too long; restarting it now in a host of its own (isolated: event-loop-blocked)${dash(t.detail)}`
        : t.reason === 'memory'
          ? `bot ${whoEn(t)} took its shared bot host over the memory budget; restarting it now in a host of its own (isolated: memory)${dash(t.detail)}`
          : `bot ${whoEn(t)} keeps exiting while sharing a bot host; restarting it in a host of its own in ${inEn(t)} (isolated: ${t.reason ?? 'crash-loop'})${dash(t.detail)}`,
    terminated: (t) => `bot stopped: ${whoEn(t)}`,
    other: (event, t) => `${event}: ${whoEn(t)}${dash(t.detail)}`,
  },
  supervisor: {
    started: (s, h) =>
      'supervisor started: one bot per tenant, hot-reloaded — a new, changed, disabled or deleted bot config ' +
      `takes effect at once (NOTIFY) or within ${s} s (poll); crashed bots restart with backoff; ` +
      (h.botsPerHost === 1
        ? 'each bot runs in a process of its own (BOTS_PER_HOST=1)'
        : `bots run in ${plural(h.shared, 'shared bot host')} of up to ${h.botsPerHost} bots each`),
    summary: (c) =>
      `running: ${plural(c.running, 'bot')}` +
      (c.starting > 0 || (c.restarting ?? 0) > 0
        ? ` (${[
            ...(c.starting > 0 ? [`${c.starting} starting`] : []),
            ...((c.restarting ?? 0) > 0 ? [`${c.restarting} restarting`] : []),
          ].join(', ')})`
        : '') +
      (c.stopped > 0 ? `, ${c.stopped} stopped` : '') +
      ` | next check in ${c.checkIntervalS} s`,
    noConfig: (url, s) => `no active bot config yet — configure a token at ${url}; checking again in ${s} s`,
    noneHere: (n, s) =>
      `this node runs no bot now: the ${n} configured run on the other nodes; checking again in ${s} s`,
    unusable: (name, id, problem) => `bot config of ${name} (tenant ${id}) is unusable: ${problem}`,
    shuttingDown: (n, ms) => `shutting down: stopping ${n} bot(s) (each gets ${ms} ms)`,
    shutdownDeadline: () => 'shutdown deadline reached; some bots did not report stopping',
    tenantFailed: () => 'a tenant machine failed; it is restarted on the next check',
    actorFailed: () => 'the supervisor actor failed',
    stoppedWithError: () => 'supervisor stopped with an error',
    stoppedNone: () => 'supervisor stopped: no bot was running',
    stoppedBots: (names) => `supervisor stopped ${plural(names.length, 'bot')}: ${names.join(', ')}`,
    databaseDown: (s) =>
      `the database is unreachable; running bots keep their last config; retrying in ${s} s`,
    databaseUp: () => 'the database answers again; applying the changes made meanwhile',
  },
  app: {
    signal: (sig) => `${sig} received: shutting down gracefully (press Ctrl+C again to force)`,
    signalAgain: (sig) => `${sig} again: exiting now without waiting`,
    shutdownFailed: () => 'shutdown failed',
    stoppingFailed: (name) => `stopping ${name} failed`,
    stoppedCleanly: () => 'stopped cleanly',
    databaseReady: (url) => `database ready: ${url}`,
    adminWebListening: (url) => `admin web listening on ${url} (API reference: /api/docs)`,
  },
  embedded: {
    creating: () => 'creating the embedded PostgreSQL database (first start)',
    running: (port) => `embedded PostgreSQL is running on 127.0.0.1:${port}`,
    stopped: () => 'embedded PostgreSQL stopped',
    stopFailed: () => 'embedded PostgreSQL stop failed',
    unexpected: (what) => `the embedded PostgreSQL ${what}`,
  },
};

const zhCN: LogMessages = {
  tenant: {
    startingNew: (t) => `新配置，正在启动机器人：${whoZh(t)}`,
    starting: (t) => `正在启动机器人：${whoZh(t)}`,
    started: (t) => `[${t.name}] 机器人已启动：@${t.username ?? '?'}`,
    restartingConfig: (t) => `正在重启机器人：${whoZh(t)} — 配置已更改`,
    restartingOperator: (t) => `正在重启机器人：${whoZh(t)} — 应管理员要求`,
    exitedUnexpectedly: (t) => `机器人意外退出：${t.name}；${inZh(t)}后重启${dash(t.detail)}`,
    conflict: (t) => `机器人 ${whoZh(t)} 收到 409 Conflict（另有程序在用此令牌轮询）；${inZh(t)}后重试`,
    killedHeartbeat: (t) => `机器人 ${whoZh(t)} 已停止轮询（没有心跳）；强制结束并重启`,
    killedStartTimeout: (t) => `机器人 ${whoZh(t)} 未能按时就绪；强制结束并重试`,
    stopTimeout: (t) => `机器人 ${whoZh(t)} 未能按时停止；已强制结束`,
    crashLoop: (t) =>
      `机器人 ${whoZh(t)} 反复崩溃；已停止（crash-loop），直到其配置更改或管理员重启它${dash(t.detail)}`,
    invalidToken: (t) => `机器人 ${whoZh(t)}：Telegram 拒绝了令牌（401）；已停止，直到保存新的令牌`,
    tokenConflict: (t) =>
      `机器人 ${whoZh(t)}：令牌正被另一处部署使用（409 持续过久）；已停止（token-conflict）`,
    stoppingDisabled: (t) => `正在停止机器人：${whoZh(t)} — 已停用或已删除`,
    stoppingShutdown: (t) => `正在停止机器人：${whoZh(t)} — 正在关闭`,
    pollingFailing: (t) =>
      `机器人 ${whoZh(t)} 运行降级：接收更新失败（${t.detail ?? 'getUpdates 失败'}）；将持续重试`,
    pollingRecovered: (t) => `机器人 ${whoZh(t)} 已恢复接收更新（不再降级）`,
    isolated: (t) =>
      t.reason === 'event-loop-blocked'
        ? `机器人 ${whoZh(t)} 长时间占用共享宿主进程的事件循环；现在将其在独立的宿主进程中重启（isolated: event-loop-blocked）${dash(t.detail)}`
        : t.reason === 'memory'
          ? `机器人 ${whoZh(t)} 使共享宿主进程超出内存预算；现在将其在独立的宿主进程中重启（isolated: memory）${dash(t.detail)}`
          : `机器人 ${whoZh(t)} 在共享宿主进程中反复退出；${inZh(t)}后在独立的宿主进程中重启（isolated: ${t.reason ?? 'crash-loop'}）${dash(t.detail)}`,
    terminated: (t) => `机器人已停止：${whoZh(t)}`,
    other: (event, t) => `${event}：${whoZh(t)}${dash(t.detail)}`,
  },
  supervisor: {
    started: (s, h) =>
      '监管进程已启动：每个租户一个机器人，热加载 — 新增、更改、停用或删除的机器人配置' +
      `立即生效（NOTIFY），最迟 ${s} 秒内生效（轮询）；崩溃的机器人按退避策略重启；` +
      (h.botsPerHost === 1
        ? '每个机器人运行在独立的进程中（BOTS_PER_HOST=1）'
        : `机器人运行在 ${h.shared} 个共享宿主进程中，每个最多 ${h.botsPerHost} 个`),
    summary: (c) =>
      `运行中：${c.running} 个机器人` +
      (c.starting > 0 || (c.restarting ?? 0) > 0
        ? `（${[
            ...(c.starting > 0 ? [`${c.starting} 个启动中`] : []),
            ...((c.restarting ?? 0) > 0 ? [`${c.restarting} 个重启中`] : []),
          ].join('，')}）`
        : '') +
      (c.stopped > 0 ? `，${c.stopped} 个已停止` : '') +
      ` | ${c.checkIntervalS} 秒后再次检查`,
    noConfig: (url, s) => `尚无启用的机器人配置 — 请在 ${url} 配置令牌；${s} 秒后再次检查`,
    noneHere: (n, s) => `本节点当前未运行机器人：已配置的 ${n} 个机器人由其他节点运行；${s} 秒后再次检查`,
    unusable: (name, id, problem) => `${name}（租户 ${id}）的机器人配置无法使用：${problem}`,
    shuttingDown: (n, ms) => `正在关闭：停止 ${n} 个机器人（每个最多 ${ms} 毫秒）`,
    shutdownDeadline: () => '已到关闭期限；有的机器人未报告已停止',
    tenantFailed: () => '一个租户状态机出错；将在下次检查时重新启动',
    actorFailed: () => '监管进程的状态机出错',
    stoppedWithError: () => '监管进程停止时出错',
    stoppedNone: () => '监管进程已停止：没有正在运行的机器人',
    stoppedBots: (names) => `监管进程已停止 ${names.length} 个机器人：${names.join('、')}`,
    databaseDown: (s) => `数据库无法连接；运行中的机器人保持原配置；${s} 秒后重试`,
    databaseUp: () => '数据库已恢复；正在应用期间的更改',
  },
  app: {
    signal: (sig) => `收到 ${sig}：正在平稳关闭（再按一次 Ctrl+C 强制退出）`,
    signalAgain: (sig) => `再次收到 ${sig}：立即退出，不再等待`,
    shutdownFailed: () => '关闭失败',
    stoppingFailed: (name) => `停止 ${name} 失败`,
    stoppedCleanly: () => '已正常停止',
    databaseReady: (url) => `数据库已就绪：${url}`,
    adminWebListening: (url) => `管理后台正在监听 ${url}（API 文档：/api/docs）`,
  },
  embedded: {
    creating: () => '正在创建内嵌 PostgreSQL 数据库（首次启动）',
    running: (port) => `内嵌 PostgreSQL 正在运行：127.0.0.1:${port}`,
    stopped: () => '内嵌 PostgreSQL 已停止',
    stopFailed: () => '内嵌 PostgreSQL 停止失败',
    unexpected: (what) => `内嵌 PostgreSQL：${what}`,
  },
};

function whoEn(t: TenantWords): string {
  return `${t.name} (tenant ${t.id})`;
}
function whoZh(t: TenantWords): string {
  return `${t.name}（租户 ${t.id}）`;
}
function inEn(t: TenantWords): string {
  return t.delayS === null ? 'a moment' : `${t.delayS} s`;
}
function inZh(t: TenantWords): string {
  return t.delayS === null ? '片刻' : `${t.delayS} 秒`;
}
function dash(detail: string | null): string {
  return detail ? ` — ${detail}` : '';
}

/** The catalogue of each language. */
export const MESSAGES: Record<LogLanguage, LogMessages> = { en, 'zh-CN': zhCN };

let current: LogLanguage = 'en';

/** Choose the language of every log sentence from now on (called once at start from the config). */
export function setLogLanguage(language: LogLanguage): void {
  current = language;
}

/** The language currently in use (English until `setLogLanguage` is called). */
export function logLanguage(): LogLanguage {
  return current;
}

/** The sentences of `language`, default the current one. */
export function logMessages(language: LogLanguage = current): LogMessages {
  return MESSAGES[language];
}
