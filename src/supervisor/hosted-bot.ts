/**
 * The `botProcess` actor of a tenant machine, for a bot that lives in a bot host: one incarnation of one
 * tenant's bot, as an XState `fromCallback` actor injected with `.provide()`. The tenant machine is the
 * same as when every bot had a process of its own; only where the bot lives changed (hosts.ts).
 *
 * - The token is looked up by tenant id when the actor starts and travels over IPC only.
 * - Bot → machine: `CHILD.READY` (pid = its host's), `CHILD.HEARTBEAT` (from the host's heartbeat, at most
 *   every `forwardHeartbeatEveryMs` unless polling starts or stops failing), exactly one `CHILD.EXIT`:
 *   the bot ended in its host (with its reason), or its host process ended under it.
 * - Machine → bot: `STOP` (graceful, in its host) and `KILL` (at once; a host that does not confirm it in
 *   killGraceMs is killed).
 * - Never throws (a throwing callback would skip its cleanup). The cleanup kills the bot if it still runs,
 *   so no bot outlives its actor.
 */
import { fromCallback } from 'xstate';
import type { BotProcessInput, ChildCommand } from '../../machines/tenant-types.ts';
import type { FatalReason } from '../bot/ipc.ts';
import type { ToHost } from '../host/ipc.ts';
import type { Logger } from '../log/logger.ts';
import type { BotHandle, HostPool } from './hosts.ts';

/** Settings passed on to each bot (src/host/ipc.ts `start`). */
export interface BotSettings {
  sendsPerSecond?: number;
  sendsPerChatPerMinute?: number;
  countEditIntervalMs?: number;
  webhookCheckMs?: number;
}

export interface HostedBotDeps {
  logger: Logger;
  hosts: HostPool;
  /** The secrets and settings for a start; undefined when the tenant has no usable config any more. */
  resolveStart(tenantId: string):
    | {
        token: string;
        tenantName: string;
        lease?: { epoch: number; pollOffset: number | null };
        updates?: Extract<ToHost, { type: 'start' }>['updates'];
      }
    | undefined;
  apiRoot: string;
  botSettings?: BotSettings;
  stopTimeoutMs: number;
  /** Called on each heartbeat (the status store). */
  onHeartbeat?: (tenantId: string, at: number, lastPollAt: number) => void;
  /** Forward a heartbeat to the tenant machine at most this often (ms), default 10 000. */
  forwardHeartbeatEveryMs?: number;
  onReady?: (tenantId: string, botUsername: string, pid: number, hostId: string) => void;
}

/** Builds the actor logic with its dependencies. */
export function createHostedBotActor(deps: HostedBotDeps) {
  return fromCallback<ChildCommand, BotProcessInput>(({ input, sendBack, receive }) => {
    let exited = false;
    const exit = (code: number | null, signal: string | null, fatal: FatalReason | undefined) => {
      if (exited) return;
      exited = true;
      sendBack({ type: 'CHILD.EXIT', code, signal, ...(fatal ? { fatal } : {}), at: Date.now() });
    };
    const start = deps.resolveStart(input.tenantId);
    if (!start) {
      queueMicrotask(() =>
        exit(null, null, {
          kind: 'other',
          description: 'the bot config is gone, or its lease is on another node',
        }),
      );
      return () => {};
    }
    let lastForwardedAt = 0;
    let lastForwardedFailing = false;
    const forwardEveryMs = deps.forwardHeartbeatEveryMs ?? 10_000;
    let handle: BotHandle;
    try {
      handle = deps.hosts.attach(
        {
          tenantId: input.tenantId,
          incarnation: input.incarnation,
          isolated: input.isolated,
          start: {
            tenantName: start.tenantName,
            token: start.token,
            apiRoot: deps.apiRoot,
            stopDeadlineMs: Math.max(100, deps.stopTimeoutMs - 500),
            ...(start.lease ? { lease: start.lease } : {}),
            ...(start.updates ? { updates: start.updates } : {}),
            ...deps.botSettings,
          },
        },
        {
          onReady: (pid, botUsername, at) => {
            deps.onReady?.(input.tenantId, botUsername, pid, handle.hostId);
            sendBack({ type: 'CHILD.READY', pid, botUsername, at });
          },
          onBeat: (lastPollAt, pollError, at) => {
            deps.onHeartbeat?.(input.tenantId, at, lastPollAt);
            const failing = pollError !== undefined;
            if (at - lastForwardedAt >= forwardEveryMs || failing !== lastForwardedFailing) {
              lastForwardedAt = at;
              lastForwardedFailing = failing;
              sendBack({ type: 'CHILD.HEARTBEAT', lastPollAt, at, ...(pollError ? { pollError } : {}) });
            }
          },
          onExit: (code, signal, fatal) => exit(code, signal, fatal),
        },
      );
    } catch (err) {
      deps.logger.error({ err, tenant: input.tenantId }, 'could not place a bot in a bot host');
      queueMicrotask(() =>
        exit(null, null, { kind: 'other', description: 'could not place the bot in a bot host' }),
      );
      return () => {};
    }
    receive((event) => {
      if (exited) return;
      if (event.type === 'STOP') handle.stop();
      else if (event.type === 'KILL') handle.kill();
    });
    return () => {
      if (!exited) handle.detach();
    };
  });
}
