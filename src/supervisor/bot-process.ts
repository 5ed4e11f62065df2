/**
 * The `botProcess` actor: one forked bot process (src/bot/child.ts) for one tenant incarnation, as an
 * XState `fromCallback` actor injected into the tenant machine with `.provide()`.
 *
 * - The token is looked up by tenant id at spawn time and sent over IPC only (never argv or env).
 * - Child → machine: `CHILD.READY`, `CHILD.HEARTBEAT`, and exactly one `CHILD.EXIT` (with the fatal
 *   reason the child reported over IPC, or the one implied by its exit code).
 * - Machine → child: `STOP` (graceful: IPC `stop`) and `KILL` (SIGKILL).
 * - The callback never throws (a throwing callback would skip its cleanup): a failed fork is reported
 *   as `CHILD.EXIT`. The cleanup SIGKILLs a process that is still alive, so no child outlives its actor.
 * - The child's stdout/stderr lines are re-logged through the supervisor's logger with the tenant's id.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fromCallback } from 'xstate';
import type { BotProcessInput, ChildCommand, ChildEvent } from '../../machines/tenant-types.ts';
import { childMessage, type FatalReason, type ParentMessage, reasonFromExitCode } from '../bot/ipc.ts';

/** Settings passed on to each bot process. */
export type BotSettings = Partial<
  Pick<
    Extract<ParentMessage, { type: 'start' }>,
    'sendsPerSecond' | 'sendsPerChatPerMinute' | 'countEditIntervalMs'
  >
>;

import type { Logger } from '../log/logger.ts';
import type { ChildPool } from './child-pool.ts';

export type { BotProcessInput } from '../../machines/tenant-types.ts';
/** Events the actor sends to the tenant machine (times are epoch ms). */
export type BotProcessEvent = ChildEvent;

export interface BotProcessDeps {
  logger: Logger;
  /** The secrets and settings for a start; undefined when the tenant has no usable config any more. */
  resolveStart(tenantId: string): { token: string; tenantName: string } | undefined;
  apiRoot: string;
  /** The database the bot process writes entries and sends from (sent over IPC only). */
  databaseUrl?: string;
  /** Outbox pacing and count edits (see src/bot/ipc.ts), default the bot's own defaults. */
  botSettings?: BotSettings;
  heartbeatMs?: number;
  stopTimeoutMs: number;
  /** Where bot processes come from (a warm spare, or a fresh fork). */
  pool: ChildPool;
  /** Called with each child as it is taken (status, tests). */
  onSpawn?: (tenantId: string, child: ChildProcess) => void;
  /** Called on each heartbeat (the status store). */
  onHeartbeat?: (tenantId: string, at: number, lastPollAt: number) => void;
  /** Forward a heartbeat to the tenant machine at most this often (ms), default 10 000 (its window is 30 s). */
  forwardHeartbeatEveryMs?: number;
  /** Called when a bot process reports ready. */
  onReady?: (tenantId: string, botUsername: string, pid: number) => void;
}

function relayLines(
  stream: NodeJS.ReadableStream | null,
  logger: Logger,
  fallbackLevel: 'info' | 'warn',
): void {
  if (!stream) return;
  const lines = createInterface({ input: stream });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    try {
      const record = JSON.parse(line) as { level?: number; msg?: string } & Record<string, unknown>;
      const { level, msg, time: _t, proc: _p, pid, tenant: _tenant, ...fields } = record;
      const method =
        (level ?? 30) >= 50 ? 'error' : (level ?? 30) >= 40 ? 'warn' : (level ?? 30) >= 30 ? 'info' : 'debug';
      logger[method]({ ...fields, childPid: pid }, msg ?? '');
    } catch {
      logger[fallbackLevel](line);
    }
  });
}

/** Build the actor logic with its dependencies. */
export function createBotProcessActor(deps: BotProcessDeps) {
  return fromCallback<ChildCommand, BotProcessInput>(({ input, sendBack, receive }) => {
    const log = deps.logger.child({ tenant: input.tenantId });
    let child: ChildProcess | undefined;
    let fatal: FatalReason | undefined;
    let exited = false;
    let lastForwardedAt = 0;
    let lastForwardedFailing = false;
    const forwardEveryMs = deps.forwardHeartbeatEveryMs ?? 10_000;
    const reportExit = (code: number | null, signal: string | null) => {
      if (exited) return;
      exited = true;
      sendBack({
        type: 'CHILD.EXIT',
        code,
        signal,
        fatal: fatal ?? reasonFromExitCode(code),
        at: Date.now(),
      });
    };

    const start = deps.resolveStart(input.tenantId);
    if (!start) {
      fatal = { kind: 'other', description: 'the bot config is gone' };
      queueMicrotask(() => reportExit(null, null));
      return () => {};
    }
    try {
      child = deps.pool.take();
    } catch (err) {
      fatal = { kind: 'other', description: `could not start the bot process: ${(err as Error).message}` };
      queueMicrotask(() => reportExit(null, null));
      return () => {};
    }
    const proc = child;
    relayLines(proc.stdout, log, 'info');
    relayLines(proc.stderr, log, 'warn');
    deps.onSpawn?.(input.tenantId, proc);

    proc.on('message', (raw: unknown) => {
      const parsed = childMessage.safeParse(raw);
      if (!parsed.success) {
        log.warn('ignored an invalid message from a bot process');
        return;
      }
      const message = parsed.data;
      if (message.type === 'ready') {
        deps.onReady?.(input.tenantId, message.botUsername, proc.pid ?? 0);
        sendBack({
          type: 'CHILD.READY',
          pid: proc.pid ?? 0,
          botUsername: message.botUsername,
          at: message.at,
        });
      } else if (message.type === 'heartbeat') {
        deps.onHeartbeat?.(input.tenantId, message.at, message.lastPollAt);
        // The machine's 30 s window needs far fewer than one heartbeat every 5 s; each one it handles
        // costs a transition and two timers, which dominated the supervisor's idle CPU with many bots.
        // Polling starting or ceasing to fail is forwarded at once: the status says `degraded` within
        // one heartbeat.
        const failing = message.pollError !== undefined;
        if (message.at - lastForwardedAt >= forwardEveryMs || failing !== lastForwardedFailing) {
          lastForwardedAt = message.at;
          lastForwardedFailing = failing;
          sendBack({
            type: 'CHILD.HEARTBEAT',
            lastPollAt: message.lastPollAt,
            at: message.at,
            ...(message.pollError ? { pollError: message.pollError } : {}),
          });
        }
      } else {
        fatal = message.reason;
      }
    });
    proc.on('error', (err) => {
      // Spawn failures and failed IPC sends land here; the exit event follows for a spawned process.
      log.warn({ err }, 'bot process error');
      if (proc.pid === undefined) {
        fatal ??= { kind: 'other', description: `could not start the bot process: ${err.message}` };
        reportExit(null, null);
      }
    });
    proc.on('exit', (code, signal) => reportExit(code, signal));
    if (proc.exitCode !== null || proc.signalCode !== null) {
      // A spare that died while idle: report it like any exit.
      queueMicrotask(() => reportExit(proc.exitCode, proc.signalCode));
    }

    proc.send(
      {
        type: 'start',
        tenantId: input.tenantId,
        tenantName: start.tenantName,
        token: start.token,
        apiRoot: deps.apiRoot,
        heartbeatMs: deps.heartbeatMs ?? 5000,
        stopDeadlineMs: Math.max(100, deps.stopTimeoutMs - 500),
        ...(deps.databaseUrl ? { databaseUrl: deps.databaseUrl } : {}),
        ...deps.botSettings,
      } satisfies ParentMessage,
      (err) => {
        if (err) log.warn({ err }, 'could not send the start message to the bot process');
      },
    );

    receive((event) => {
      if (exited) return;
      if (event.type === 'STOP') {
        if (proc.connected) proc.send({ type: 'stop' }, () => undefined);
        else proc.kill('SIGTERM');
      } else if (event.type === 'KILL') {
        proc.kill('SIGKILL');
      }
    });

    return () => {
      if (!exited && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    };
  });
}
