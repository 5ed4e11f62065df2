import { describe, expect, it } from 'vitest';
import type { TenantLogCode, TenantLogParams } from '../../machines/tenant.ts';
import { LOG_LANGUAGES } from '../../src/log/messages.ts';
import { tenantLogLine } from '../../src/supervisor/log-lines.ts';

const EVENTS: TenantLogCode[] = [
  'starting',
  'started',
  'restarting-config',
  'restarting-operator',
  'exited-unexpectedly',
  'conflict',
  'killed-heartbeat',
  'killed-start-timeout',
  'stop-timeout',
  'crash-loop',
  'invalid-token',
  'token-conflict',
  'stopping-disabled',
  'stopping-shutdown',
  'polling-failing',
  'polling-recovered',
  'isolated',
  'unusable',
  'terminated',
];

function params(event: TenantLogCode, extra: Partial<TenantLogParams> = {}): TenantLogParams {
  return { event, tenantId: '7', tenantName: 'alpha', incarnation: 2, at: 0, ...extra };
}

/** The expected sentence of each event, per language (name alpha, tenant 7, bot @alpha_bot, 2.5 s). */
const EXPECTED: Record<(typeof LOG_LANGUAGES)[number], Record<TenantLogCode, string>> = {
  en: {
    starting: 'starting bot: alpha (tenant 7)',
    started: '[alpha] bot started as @alpha_bot',
    'restarting-config': 'restarting bot: alpha (tenant 7) — config changed',
    'restarting-operator': 'restarting bot: alpha (tenant 7) — asked by an operator',
    'exited-unexpectedly': 'bot exited unexpectedly: alpha; restarting in 2.5 s — exit code 1',
    conflict: 'bot alpha (tenant 7) got 409 Conflict (another poller on this token); retrying in 2.5 s',
    'killed-heartbeat': 'bot alpha (tenant 7) stopped polling (no heartbeat); killing and restarting it',
    'killed-start-timeout': 'bot alpha (tenant 7) did not become ready in time; killing and retrying',
    'stop-timeout': 'bot alpha (tenant 7) did not stop in time; killed',
    'crash-loop':
      'bot alpha (tenant 7) keeps crashing; stopped (crash-loop) until its config changes or an operator restarts it — exit code 1',
    'invalid-token':
      'bot alpha (tenant 7): Telegram rejected the token (401); stopped until a new token is saved',
    'token-conflict':
      'bot alpha (tenant 7): the token is used by another deployment (409 for too long); stopped (token-conflict)',
    'stopping-disabled': 'stopping bot: alpha (tenant 7) — disabled or deleted',
    'stopping-shutdown': 'stopping bot: alpha (tenant 7) — shutting down',
    'polling-failing':
      'bot alpha (tenant 7) is degraded: receiving its updates fails (exit code 1); it keeps retrying',
    'polling-recovered': 'bot alpha (tenant 7) receives its updates again (no longer degraded)',
    isolated:
      'bot alpha (tenant 7) keeps exiting while sharing a bot host; restarting it in a host of its own in 2.5 s (isolated: crash-loop) — exit code 1',
    unusable: 'bot config of alpha (tenant 7) is unusable: exit code 1',
    terminated: 'bot stopped: alpha (tenant 7)',
  },
  'zh-CN': {
    starting: '正在启动机器人：alpha（租户 7）',
    started: '[alpha] 机器人已启动：@alpha_bot',
    'restarting-config': '正在重启机器人：alpha（租户 7） — 配置已更改',
    'restarting-operator': '正在重启机器人：alpha（租户 7） — 应管理员要求',
    'exited-unexpectedly': '机器人意外退出：alpha；2.5 秒后重启 — exit code 1',
    conflict: '机器人 alpha（租户 7） 收到 409 Conflict（另有程序在用此令牌轮询）；2.5 秒后重试',
    'killed-heartbeat': '机器人 alpha（租户 7） 已停止轮询（没有心跳）；强制结束并重启',
    'killed-start-timeout': '机器人 alpha（租户 7） 未能按时就绪；强制结束并重试',
    'stop-timeout': '机器人 alpha（租户 7） 未能按时停止；已强制结束',
    'crash-loop':
      '机器人 alpha（租户 7） 反复崩溃；已停止（crash-loop），直到其配置更改或管理员重启它 — exit code 1',
    'invalid-token': '机器人 alpha（租户 7）：Telegram 拒绝了令牌（401）；已停止，直到保存新的令牌',
    'token-conflict':
      '机器人 alpha（租户 7）：令牌正被另一处部署使用（409 持续过久）；已停止（token-conflict）',
    'stopping-disabled': '正在停止机器人：alpha（租户 7） — 已停用或已删除',
    'stopping-shutdown': '正在停止机器人：alpha（租户 7） — 正在关闭',
    'polling-failing': '机器人 alpha（租户 7） 运行降级：接收更新失败（exit code 1）；将持续重试',
    'polling-recovered': '机器人 alpha（租户 7） 已恢复接收更新（不再降级）',
    isolated:
      '机器人 alpha（租户 7） 在共享宿主进程中反复退出；2.5 秒后在独立的宿主进程中重启（isolated: crash-loop） — exit code 1',
    unusable: 'alpha（租户 7）的机器人配置无法使用：exit code 1',
    terminated: '机器人已停止：alpha（租户 7）',
  },
};

describe('tenantLogLine', () => {
  for (const language of LOG_LANGUAGES) {
    describe(language, () => {
      for (const event of EVENTS) {
        it(`${event}: its sentence`, () => {
          const line = tenantLogLine(
            params(event, { delayMs: 2500, detail: 'exit code 1' }),
            'alpha_bot',
            language,
          );
          expect(line.text).toBe(EXPECTED[language][event]);
        });
      }
    });
  }

  it('a first start says "new config", in both languages', () => {
    expect(tenantLogLine(params('starting', { incarnation: 1 }), null, 'en').text).toBe(
      'new config, starting bot: alpha (tenant 7)',
    );
    expect(tenantLogLine(params('starting', { incarnation: 1 }), null, 'zh-CN').text).toBe(
      '新配置，正在启动机器人：alpha（租户 7）',
    );
  });

  it('without a delay, a retry is "in a moment" / "片刻后"', () => {
    expect(tenantLogLine(params('conflict'), null, 'en').text).toMatch(/retrying in a moment$/);
    expect(tenantLogLine(params('conflict'), null, 'zh-CN').text).toMatch(/片刻后重试$/);
  });

  it('an isolation names its reason, and blames the bot only for what it did (loop, memory)', () => {
    const text = (reason: TenantLogParams['reason'], language: 'en' | 'zh-CN' = 'en') =>
      tenantLogLine(params('isolated', { reason, delayMs: 4000 }), null, language).text;
    expect(text('crash-loop')).toBe(
      'bot alpha (tenant 7) keeps exiting while sharing a bot host; restarting it in a host of its own in 4.0 s (isolated: crash-loop)',
    );
    expect(text('event-loop-blocked')).toBe(
      "bot alpha (tenant 7) held its shared bot host's event loop too long; restarting it now in a host of its own (isolated: event-loop-blocked)",
    );
    expect(text('memory')).toBe(
      'bot alpha (tenant 7) took its shared bot host over the memory budget; restarting it now in a host of its own (isolated: memory)',
    );
    for (const reason of ['crash-loop', 'event-loop-blocked', 'memory'] as const) {
      expect(text(reason, 'zh-CN')).toContain(`（isolated: ${reason}）`);
    }
  });

  it('levels: problems warn, stops that need a person are errors, the rest info', () => {
    const level = (e: TenantLogCode) => tenantLogLine(params(e), null, 'en').level;
    expect(level('started')).toBe('info');
    expect(level('conflict')).toBe('warn');
    expect(level('crash-loop')).toBe('error');
    expect(level('invalid-token')).toBe('error');
    expect(level('unusable')).toBe('error');
  });

  it('an unusable config says its problem, or its reason when the machine gave no problem', () => {
    const line = (extra: Partial<TenantLogParams>) =>
      tenantLogLine(params('unusable', extra), null, 'en').text;
    expect(line({ detail: 'the stored token is not a bot token', reason: 'invalid-token' })).toBe(
      'bot config of alpha (tenant 7) is unusable: the stored token is not a bot token',
    );
    expect(line({ reason: 'token-unreadable' })).toBe(
      'bot config of alpha (tenant 7) is unusable: token-unreadable',
    );
  });

  it('no event renders [object Object] or undefined, with or without delay, detail and username', () => {
    for (const language of LOG_LANGUAGES) {
      for (const event of EVENTS) {
        for (const extra of [{}, { delayMs: 12_000, detail: 'signal SIGKILL' }]) {
          const { text } = tenantLogLine(params(event, extra), null, language);
          expect(text, `${language} ${event}`).not.toMatch(/\[object |undefined|null|NaN/);
        }
      }
    }
  });

  it('defaults to English (LOG_LANG not set at start)', () => {
    expect(tenantLogLine(params('terminated'), null).text).toBe('bot stopped: alpha (tenant 7)');
  });
});
