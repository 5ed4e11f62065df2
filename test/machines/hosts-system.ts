/**
 * The whole actor tree with fake effects, for the composed scenarios of bot hosts (hosts.scenarios.test.ts):
 * the real supervisor machine, real tenant machines and real host machines on a SimulatedClock. The effects
 * are a tiny in-test registry of fake host processes (hostId → the fake bots living in it):
 * - the tenant machine's `botProcess` is a fake bot placed with the real `placeBot` among the live hosts
 *   (a host it needs is opened with HOST.OPEN, as the runtime does); it is ready 20 ms after it starts, exits
 *   20 ms after STOP and at once on KILL, and leaves its host when it exits;
 * - the host machine's `hostProcess` is a fake host process, ready 10 ms after it starts, exiting 50 ms after
 *   STOP (unless it ignores STOP) and at once on KILL; its death (`die`) makes every bot in it `sendBack`
 *   CHILD.EXIT with signal SIGKILL before the host's own HOST.EXIT;
 * - a dedicated host is closed (HOST.CLOSE) once its bot has left, as the runtime does.
 * Every event delivered to a tenant machine is recorded with its time, so a scenario can say "no event at all".
 */
import { createActor, fromCallback, SimulatedClock } from 'xstate';
import type {
  HostProcessCommand,
  HostProcessEvent,
  HostProcessInput,
  HostReport,
  HostTimers,
} from '../../machines/host.ts';
import { hostMachine } from '../../machines/host.ts';
import { type HostKind, type HostView, placeBot } from '../../machines/placement.ts';
import type { RestartPolicy } from '../../machines/policy.ts';
import { type SupervisorLogParams, supervisorMachine } from '../../machines/supervisor.ts';
import {
  type BotProcessInput,
  type ChildCommand,
  type ChildEvent,
  type ChildFatal,
  type StatusReport,
  tenantMachine,
} from '../../machines/tenant.ts';

export interface FakeBot {
  tenantId: string;
  input: BotProcessInput;
  hostId: string;
  commands: ChildCommand['type'][];
  released: boolean;
  /** Ends the bot: CHILD.EXIT to its tenant machine, and it leaves its host. */
  exit: (event: Omit<Extract<ChildEvent, { type: 'CHILD.EXIT' }>, 'type' | 'at'>) => void;
}

export interface FakeHostProcess {
  hostId: string;
  kind: HostKind;
  bots: Set<FakeBot>;
  /** Bots ever placed here (a dedicated host takes one only). */
  placed: number;
  started: boolean;
  alive: boolean;
  commands: HostProcessCommand['type'][];
  released: boolean;
  ignoresStop: boolean;
  sendBack?: (event: HostProcessEvent) => void;
}

export interface HostedSystemOptions {
  policy: RestartPolicy;
  hostTimers: HostTimers;
  sharedHosts: number;
  botsPerHost?: number;
  /** Host ids whose process ignores STOP (only SIGKILL ends it). */
  ignoresStop?: readonly string[];
}

export function createHostedSystem(options: HostedSystemOptions) {
  const clock = new SimulatedClock();
  const hosts = new Map<string, FakeHostProcess>();
  const bots: FakeBot[] = [];
  const statuses: StatusReport[] = [];
  const hostReports: HostReport[] = [];
  const supervisorLogs: SupervisorLogParams[] = [];
  const tenantEvents: Array<{ tenantId: string; type: string; at: number }> = [];
  let opened = 0;
  const send = (event: Parameters<typeof actor.send>[0]) => actor.send(event);

  const hostOf = (hostId: string, kind: HostKind): FakeHostProcess => {
    let host = hosts.get(hostId);
    if (!host) {
      host = {
        hostId,
        kind,
        bots: new Set(),
        placed: 0,
        started: false,
        alive: true,
        commands: [],
        released: false,
        ignoresStop: options.ignoresStop?.includes(hostId) ?? false,
      };
      hosts.set(hostId, host);
    }
    return host;
  };
  /** Opens a host the way the runtime does: a registry entry now, its machine through the supervisor. */
  const openHost = (kind: HostKind, hostId = `${kind === 'shared' ? 's' : 'd'}${++opened}`) => {
    const host = hostOf(hostId, kind);
    send({ type: 'HOST.OPEN', hostId, kind, at: clock.now() });
    return host;
  };
  const leave = (bot: FakeBot) => {
    const host = hosts.get(bot.hostId);
    if (!host?.bots.delete(bot)) return;
    if (host.kind === 'dedicated' && host.bots.size === 0 && host.alive)
      send({ type: 'HOST.CLOSE', hostId: host.hostId, at: clock.now() });
  };
  /**
   * The host process ends (crash, OOM, SIGKILL; or, after STOP, on its own): the bots still in it first, each
   * with signal SIGKILL, then its own exit.
   */
  const die = (
    hostId: string,
    exit: { code: number | null; signal: string | null } = { code: null, signal: 'SIGKILL' },
  ) => {
    const host = hosts.get(hostId);
    if (!host?.alive) return;
    host.alive = false;
    for (const bot of [...host.bots]) bot.exit({ code: null, signal: 'SIGKILL' });
    host.sendBack?.({ type: 'HOST.EXIT', ...exit, at: clock.now() });
  };

  const botProcess = fromCallback<ChildCommand, BotProcessInput>(({ input, sendBack, receive }) => {
    const views: HostView[] = [...hosts.values()]
      .filter((h) => h.alive)
      .map((h) => ({
        hostId: h.hostId,
        kind: h.kind,
        bots: h.bots.size,
        spare: h.kind === 'dedicated' && h.placed === 0,
      }));
    const placement = placeBot(views, input, {
      sharedHosts: options.sharedHosts,
      botsPerHost: options.botsPerHost ?? 1000,
    });
    const host = 'use' in placement ? hostOf(placement.use, 'shared') : openHost(placement.open);
    const timers: number[] = [];
    let gone = false;
    const bot: FakeBot = {
      tenantId: input.tenantId,
      input,
      hostId: host.hostId,
      commands: [],
      released: false,
      exit: (event) => {
        if (gone) return;
        gone = true;
        for (const t of timers) clock.clearTimeout(t);
        leave(bot);
        sendBack({ type: 'CHILD.EXIT', ...event, at: clock.now() });
      },
    };
    bots.push(bot);
    host.bots.add(bot);
    host.placed++;
    timers.push(
      clock.setTimeout(
        () =>
          sendBack({
            type: 'CHILD.READY',
            pid: 5000 + bots.length,
            botUsername: `${input.tenantId}_bot`,
            at: clock.now(),
          }),
        20,
      ),
    );
    receive((command) => {
      bot.commands.push(command.type);
      if (command.type === 'KILL') bot.exit({ code: null, signal: 'SIGKILL' });
      else timers.push(clock.setTimeout(() => bot.exit({ code: 0, signal: null }), 20));
    });
    return () => {
      bot.released = true;
      for (const t of timers) clock.clearTimeout(t);
      leave(bot);
    };
  });

  const hostProcess = fromCallback<HostProcessCommand, HostProcessInput>(({ input, sendBack, receive }) => {
    const host = hostOf(input.hostId, input.kind);
    host.started = true;
    host.sendBack = (event) => sendBack(event);
    const ready = clock.setTimeout(
      () => sendBack({ type: 'HOST.READY', pid: 9000 + hosts.size, at: clock.now() }),
      10,
    );
    receive((command) => {
      host.commands.push(command.type);
      if (command.type === 'KILL') die(host.hostId);
      else if (!host.ignoresStop) clock.setTimeout(() => die(host.hostId, { code: 0, signal: null }), 50);
    });
    return () => {
      clock.clearTimeout(ready);
      host.released = true;
    };
  });

  const machine = supervisorMachine.provide({
    actors: {
      tenant: tenantMachine.provide({
        actors: { botProcess },
        actions: { reportStatus: (_, status) => void statuses.push(status) },
      }),
      host: hostMachine.provide({
        actors: { hostProcess },
        actions: { reportHost: (_, report) => void hostReports.push(report) },
      }),
    },
    actions: { logEvent: (_, params) => void supervisorLogs.push(params) },
  });
  const actor = createActor(machine, {
    input: { policy: options.policy, hostTimers: options.hostTimers },
    clock,
    inspect: (ev) => {
      const id = (ev.actorRef as { id?: string }).id ?? '';
      if (ev.type === '@xstate.event' && id.startsWith('tenant-'))
        tenantEvents.push({ tenantId: id.slice('tenant-'.length), type: ev.event.type, at: clock.now() });
    },
  });
  actor.start();

  return {
    actor,
    clock,
    hosts,
    bots,
    statuses,
    hostReports,
    supervisorLogs,
    tenantEvents,
    openHost,
    die,
    /**
     * Lets `ms` pass one millisecond at a time, so that every timer fires at its own time (one
     * `clock.increment(ms)` would fire every timer due within it at the end time).
     */
    advance(ms: number) {
      for (let i = 0; i < ms; i++) clock.increment(1);
    },
    /** Starts these tenants (one config snapshot) and lets every bot become ready. */
    start(tenantIds: string[]) {
      send({
        type: 'CONFIG.SNAPSHOT',
        configs: tenantIds.map((tenantId) => ({
          tenantId,
          tenantName: `Tenant ${tenantId}`,
          configHash: 'h1',
        })),
        at: clock.now(),
      });
      this.advance(100);
    },
    /** The live bot of a tenant. */
    bot(tenantId: string): FakeBot {
      const bot = bots.filter((b) => b.tenantId === tenantId && !b.released).at(-1);
      if (!bot) throw new Error(`no live bot for tenant ${tenantId}`);
      return bot;
    },
    /** Tenants whose live bot is in this host. */
    tenantsIn(hostId: string): string[] {
      return [...(hosts.get(hostId)?.bots ?? [])].map((b) => b.tenantId).sort();
    },
    tenant(tenantId: string) {
      const ref = actor.getSnapshot().children[`tenant-${tenantId}`];
      return ref?.getSnapshot() as ReturnType<(typeof tenantMachine)['getInitialSnapshot']> | undefined;
    },
    host(hostId: string) {
      const ref = actor.getSnapshot().children[`host-${hostId}`];
      return ref?.getSnapshot() as ReturnType<(typeof hostMachine)['getInitialSnapshot']> | undefined;
    },
    /** States reported by a tenant since `at`. */
    statesOf(tenantId: string, since = 0): string[] {
      return statuses.filter((s) => s.tenantId === tenantId && s.at >= since).map((s) => s.state);
    },
    eventsTo(tenantId: string, since: number) {
      return tenantEvents.filter((e) => e.tenantId === tenantId && e.at >= since);
    },
    /** The host stops a bot for harming its neighbours (quarantine), as src/host does. */
    quarantine(tenantId: string, isolation: ChildFatal['isolation']) {
      this.bot(tenantId).exit({
        code: null,
        signal: null,
        fatal: { kind: 'quarantine', isolation, description: 'blocked the event loop for 1400 ms' },
      });
    },
    /** A heartbeat from every live, started host (they would be killed after silentHostMs otherwise). */
    beatHosts(except: string[] = []) {
      for (const host of hosts.values())
        if (host.alive && host.started && !except.includes(host.hostId))
          host.sendBack?.({ type: 'HOST.HEARTBEAT', at: clock.now() });
    },
  };
}

export type HostedSystem = ReturnType<typeof createHostedSystem>;
