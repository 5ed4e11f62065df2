/**
 * Test harness for the supervisor machine. Two ways to run it:
 * - with fake tenant and host actors (`createSupervisorHarness`) that record what they are sent, for the
 *   model-based tests of the supervisor alone;
 * - with the real tenant machine and fake bot processes (`createSupervisedSystem`), for end-to-end scenarios.
 */
import {
  type AnyStateNode,
  type AnyTransitionDefinition,
  createActor,
  fromCallback,
  SimulatedClock,
} from 'xstate';
import type {
  HostCommand,
  HostInput,
  HostParentEvent,
  HostTimers,
  hostMachine,
} from '../../machines/host.ts';
import type { RestartPolicy } from '../../machines/policy.ts';
import {
  type ReconcileReport,
  type SupervisorEvent,
  type SupervisorLogParams,
  supervisorMachine,
} from '../../machines/supervisor.ts';
import {
  type BotProcessInput,
  type ChildCommand,
  type ChildEvent,
  type StatusReport,
  type TenantCommand,
  type TenantInput,
  type TenantParentEvent,
  tenantMachine,
} from '../../machines/tenant.ts';

/** What a fake tenant actor was given and told. */
export interface FakeTenant {
  id: string;
  systemId: string | undefined;
  input: TenantInput;
  received: TenantCommand[];
  released: boolean;
  /** Reports to the supervisor, as the real tenant does with sendParent. */
  sendBack: (event: TenantParentEvent) => void;
  /** Makes the actor fail (its next event throws), like a tenant machine whose injected effect throws. */
  crash: () => void;
}

/** What a fake host machine was given and told (`at` of each command as received). */
export interface FakeHost {
  id: string;
  systemId: string | undefined;
  input: HostInput;
  received: HostCommand[];
  released: boolean;
  /** Reports to the supervisor, as the real host machine does once its process is gone. */
  sendBack: (event: HostParentEvent) => void;
  /** Makes the actor fail, like a host machine whose injected effect throws. */
  crash: () => void;
}

export function transitionKeyOf(t: AnyTransitionDefinition): string {
  const list = t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? []);
  return `${t.source.id}|${t.eventType || 'always'}|${list.indexOf(t)}`;
}

export interface SupervisorHarnessOptions {
  policy?: RestartPolicy;
  hostTimers?: HostTimers;
  /**
   * Hosts that ignore STOP: after HOST.CLOSE such a fake reports HOST.STOPPED only `hostStopTimeoutMs` later
   * (its machine's stop timeout, SIGKILL, exit), or never if a HOST.KILL came first (then its exit is the
   * test's to send). Other fakes report only when the test says.
   */
  stubbornHosts?: readonly string[];
  coverage?: { nodes: Set<string>; transitions: Set<string> };
}

/** The supervisor with fake tenants (fromCallback actors) and recording actions, on a SimulatedClock. */
export function createSupervisorHarness(options: SupervisorHarnessOptions = {}) {
  const clock = new SimulatedClock();
  const tenants: FakeTenant[] = [];
  const reconciled: ReconcileReport[] = [];
  const logs: SupervisorLogParams[] = [];
  const fakeTenant = fromCallback<TenantCommand | { type: 'FAKE.CRASH' }, TenantInput>(
    ({ input, self, sendBack, receive }) => {
      const tenant: FakeTenant = {
        id: self.id,
        systemId: (self as unknown as { systemId?: string }).systemId,
        input,
        received: [],
        released: false,
        sendBack: (event) => sendBack(event),
        crash: () => self.send({ type: 'FAKE.CRASH' }),
      };
      tenants.push(tenant);
      receive((event) => {
        if (event.type === 'FAKE.CRASH') throw new Error(`tenant ${input.tenantId} failed`);
        tenant.received.push(event);
      });
      return () => {
        tenant.released = true;
      };
    },
  );
  const hosts: FakeHost[] = [];
  const stubborn = new Set(options.stubbornHosts ?? []);
  const fakeHost = fromCallback<HostCommand | { type: 'FAKE.CRASH' }, HostInput>(
    ({ input, self, sendBack, receive }) => {
      const host: FakeHost = {
        id: self.id,
        systemId: (self as unknown as { systemId?: string }).systemId,
        input,
        received: [],
        released: false,
        sendBack: (event) => sendBack(event),
        crash: () => self.send({ type: 'FAKE.CRASH' }),
      };
      hosts.push(host);
      let killTimer: number | undefined;
      receive((event) => {
        if (event.type === 'FAKE.CRASH') throw new Error(`host ${input.hostId} failed`);
        host.received.push(event);
        if (!stubborn.has(input.hostId)) return;
        if (
          event.type === 'HOST.CLOSE' &&
          killTimer === undefined &&
          !host.received.some((e) => e.type === 'HOST.KILL')
        )
          killTimer = clock.setTimeout(
            () => sendBack({ type: 'HOST.STOPPED', hostId: input.hostId, at: clock.now() }),
            input.timers.hostStopTimeoutMs,
          );
        if (event.type === 'HOST.KILL' && killTimer !== undefined) clock.clearTimeout(killTimer);
      });
      return () => {
        if (killTimer !== undefined) clock.clearTimeout(killTimer);
        host.released = true;
      };
    },
  );
  const machine = supervisorMachine.provide({
    actors: {
      tenant: fakeTenant as unknown as typeof tenantMachine,
      host: fakeHost as unknown as typeof hostMachine,
    },
    actions: {
      reconciled: (_, params) => {
        reconciled.push(params);
      },
      logEvent: (_, params) => {
        logs.push(params);
      },
    },
  });
  const coverage = options.coverage;
  const addNodes = (snapshot: unknown) => {
    for (const node of (snapshot as { _nodes?: AnyStateNode[] })._nodes ?? []) coverage?.nodes.add(node.id);
  };
  const actor = createActor(machine, {
    input: {
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.hostTimers ? { hostTimers: options.hostTimers } : {}),
    },
    clock,
    inspect: (ev) => {
      if (!coverage || ev.type !== '@xstate.microstep') return;
      for (const t of ev._transitions) coverage.transitions.add(transitionKeyOf(t));
      addNodes(ev.snapshot);
    },
  });
  actor.start();
  addNodes(actor.getSnapshot());
  return {
    actor,
    clock,
    tenants,
    reconciled,
    logs,
    hosts,
    /** The latest (possibly respawned) fake actor of a tenant. */
    tenant(tenantId: string): FakeTenant | undefined {
      return tenants.filter((t) => t.input.tenantId === tenantId).at(-1);
    },
    /** The latest fake actor of a host. */
    host(hostId: string): FakeHost | undefined {
      return hosts.filter((h) => h.input.hostId === hostId).at(-1);
    },
    send(event: SupervisorEvent) {
      actor.send(event);
    },
  };
}

/** One fake bot process of the end-to-end system. */
export interface FakeBot {
  tenantId: string;
  input: BotProcessInput;
  commands: ChildCommand['type'][];
  released: boolean;
  sendBack: (event: ChildEvent) => void;
}

/**
 * The supervisor with the real tenant machine; bot processes are fakes that become ready at once and exit
 * on STOP after `exitDelayMs` (simulated), or never if `exitDelayMs` is null (then the tenant kills them).
 */
export function createSupervisedSystem(
  options: {
    policy?: RestartPolicy;
    exitDelayMs?: (tenantId: string) => number | null;
    failStatusFor?: string;
  } = {},
) {
  const clock = new SimulatedClock();
  const bots: FakeBot[] = [];
  const statuses: StatusReport[] = [];
  const reconciled: ReconcileReport[] = [];
  const logs: SupervisorLogParams[] = [];
  const exitDelay = options.exitDelayMs ?? (() => 1_000);
  const botProcess = fromCallback<ChildCommand, BotProcessInput>(({ input, sendBack, receive }) => {
    const bot: FakeBot = {
      tenantId: input.tenantId,
      input,
      commands: [],
      released: false,
      sendBack: (e) => sendBack(e),
    };
    bots.push(bot);
    const exit = (killed: boolean) =>
      sendBack({
        type: 'CHILD.EXIT',
        code: killed ? null : 0,
        signal: killed ? 'SIGKILL' : null,
        at: clock.now(),
      });
    receive((command) => {
      bot.commands.push(command.type);
      if (command.type === 'KILL') {
        exit(true);
        return;
      }
      const delay = exitDelay(input.tenantId);
      if (delay !== null) clock.setTimeout(() => exit(false), delay);
    });
    clock.setTimeout(
      () =>
        sendBack({
          type: 'CHILD.READY',
          pid: 1000 + bots.length,
          botUsername: `${input.tenantId}_bot`,
          at: clock.now(),
        }),
      10,
    );
    return () => {
      bot.released = true;
    };
  });
  const tenant = tenantMachine.provide({
    actors: { botProcess },
    actions: {
      reportStatus: (_, status) => {
        if (status.tenantId === options.failStatusFor && status.state === 'running') {
          throw new Error('status store unavailable');
        }
        statuses.push(status);
      },
    },
  });
  const machine = supervisorMachine.provide({
    actors: { tenant },
    actions: {
      reconciled: (_, params) => {
        reconciled.push(params);
      },
      logEvent: (_, params) => {
        logs.push(params);
      },
    },
  });
  const actor = createActor(machine, {
    input: options.policy ? { policy: options.policy } : undefined,
    clock,
  });
  actor.start();
  return {
    actor,
    clock,
    bots,
    statuses,
    reconciled,
    logs,
    snapshot(configs: Array<[tenantId: string, configHash: string]>) {
      actor.send({
        type: 'CONFIG.SNAPSHOT',
        configs: configs.map(([tenantId, configHash]) => ({
          tenantId,
          tenantName: `Tenant ${tenantId}`,
          configHash,
        })),
        at: clock.now(),
      });
    },
    liveBots(tenantId?: string): FakeBot[] {
      return bots.filter((b) => !b.released && (tenantId === undefined || b.tenantId === tenantId));
    },
    lastStatus(tenantId: string): StatusReport | undefined {
      return statuses.filter((s) => s.tenantId === tenantId).at(-1);
    },
  };
}
