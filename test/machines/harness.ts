/**
 * Test harness for the tenant machine: the real machine with a fake `botProcess` that records spawns and the
 * STOP/KILL it receives, spies for `reportStatus`/`logEvent`, a SimulatedClock, and an inspector that records
 * every transition and state node the actor goes through (for the coverage check).
 */
import {
  type AnyStateNode,
  type AnyTransitionDefinition,
  createActor,
  fromCallback,
  SimulatedClock,
} from 'xstate';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../../machines/policy.ts';
import {
  type BotProcessInput,
  type ChildCommand,
  type ChildEvent,
  type StatusReport,
  type TenantCommand,
  type TenantInput,
  type TenantLogParams,
  tenantMachine,
  type Unusable,
} from '../../machines/tenant.ts';

/** A policy without jitter: delays are exactly 1 s, 2 s, 4 s, ... */
export const NO_JITTER: RestartPolicy = { ...DEFAULT_RESTART_POLICY, jitter: 0 };

/** One fake child process: what it was started with, what it was told, and whether its actor is stopped. */
export interface FakeChild {
  id: string;
  input: BotProcessInput;
  commands: ChildCommand['type'][];
  /** True once the machine stopped the actor (stopChild) — its cleanup ran. */
  released: boolean;
  /** Reports an event to the machine, as the real child does over IPC. */
  sendBack: (event: ChildEvent) => void;
}

/** Stable name of a transition: `<source id>|<event>|<index among the source's transitions for that event>`. */
export function transitionKey(t: AnyTransitionDefinition): string {
  const list = t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? []);
  return `${t.source.id}|${t.eventType || 'always'}|${list.indexOf(t)}`;
}

/** Every state node id and every transition key of a machine, read from its definition. */
export function enumerateMachine(root: AnyStateNode): { nodes: Set<string>; transitions: Set<string> } {
  const nodes = new Set<string>();
  const transitions = new Set<string>();
  const walk = (node: AnyStateNode) => {
    nodes.add(node.id);
    for (const t of [...node.transitions.values()].flat()) transitions.add(transitionKey(t));
    for (const t of node.always ?? []) transitions.add(transitionKey(t));
    for (const child of Object.values(node.states)) walk(child as AnyStateNode);
  };
  walk(root);
  return { nodes, transitions };
}

export interface HarnessOptions {
  policy?: RestartPolicy;
  configHash?: string | null;
  jitterSeed?: number;
  /** The restart request already stored at spawn (answered by definition); default none. */
  restartRequestedAt?: number | null;
  /** Spawned for a config that can never start. */
  unusable?: Unusable | null;
  /** Record covered transitions/nodes into these sets. */
  coverage?: { nodes: Set<string>; transitions: Set<string> };
}

/** Where the effects of one actor system go (the provided machine below is shared by every harness). */
interface Sink {
  children: FakeChild[];
  statuses: StatusReport[];
  logs: TenantLogParams[];
  violations: string[];
}
const sinks = new WeakMap<object, Sink>();
const sinkOf = (system: object): Sink => {
  const sink = sinks.get(system);
  if (!sink) throw new Error('tenant harness: actor system without a sink');
  return sink;
};

/** A fake child process: records its input and the commands it receives, and when its actor is released. */
const fakeChild = fromCallback<ChildCommand, BotProcessInput>(
  ({ input, self, system, sendBack, receive }) => {
    const sink = sinkOf(system);
    const alive = sink.children.filter((c) => !c.released);
    if (alive.length > 0)
      sink.violations.push(`spawned ${self.id} while ${alive.map((c) => c.id).join(',')} alive`);
    const child: FakeChild = {
      id: self.id,
      input,
      commands: [],
      released: false,
      sendBack: (event) => sendBack(event),
    };
    sink.children.push(child);
    receive((command) => {
      child.commands.push(command.type);
    });
    return () => {
      child.released = true;
    };
  },
);

/** The real tenant machine with the fake child and recording actions (built once: `.provide()` is costly). */
export const testTenantMachine = tenantMachine.provide({
  actors: { botProcess: fakeChild },
  actions: {
    reportStatus: ({ system }, params) => {
      sinkOf(system).statuses.push(params);
    },
    logEvent: ({ system }, params) => {
      sinkOf(system).logs.push(params);
    },
  },
});

/** Starts a tenant actor with fake effects; `send` and `child*` stamp `at` with the simulated clock. */
export function createTenantHarness(options: HarnessOptions = {}) {
  const clock = new SimulatedClock();
  const sink: Sink = { children: [], statuses: [], logs: [], violations: [] };
  const { children, statuses, logs, violations } = sink;
  const input: TenantInput = {
    tenantId: 't1',
    tenantName: 'Tenant One',
    configHash: options.configHash === undefined ? 'A' : options.configHash,
    policy: options.policy ?? NO_JITTER,
    at: 0,
    ...(options.jitterSeed === undefined ? {} : { jitterSeed: options.jitterSeed }),
    ...(options.restartRequestedAt === undefined ? {} : { restartRequestedAt: options.restartRequestedAt }),
    ...(options.unusable === undefined ? {} : { unusable: options.unusable }),
  };
  const coverage = options.coverage;
  const addNodes = (snapshot: unknown) => {
    for (const node of (snapshot as { _nodes?: AnyStateNode[] })._nodes ?? []) coverage?.nodes.add(node.id);
  };
  const actor = createActor(testTenantMachine, {
    input,
    clock,
    inspect: (ev) => {
      // the tenant machine is the only machine in this system: every microstep is its own
      if (!coverage || ev.type !== '@xstate.microstep') return;
      for (const t of ev._transitions) coverage.transitions.add(transitionKey(t));
      addNodes(ev.snapshot);
    },
  });
  sinks.set(actor.system, sink);
  actor.start();
  addNodes(actor.getSnapshot());

  /** The child whose actor is still running (at most one, F1). */
  const liveChild = (): FakeChild | undefined => children.find((c) => !c.released);
  const requireChild = (): FakeChild => {
    const child = liveChild();
    if (!child) throw new Error(`no live child in state ${JSON.stringify(actor.getSnapshot().value)}`);
    return child;
  };

  type Unstamped<E> = E extends unknown ? Omit<E, 'at'> : never;

  return {
    actor,
    clock,
    children,
    statuses,
    logs,
    violations,
    liveChild,
    get snapshot() {
      return actor.getSnapshot();
    },
    get context() {
      return actor.getSnapshot().context;
    },
    /** Sends a supervisor command stamped with the current simulated time. */
    send(event: Unstamped<TenantCommand>) {
      actor.send({ ...event, at: clock.now() } as TenantCommand);
    },
    /** The live child reports an event, stamped with the current simulated time. */
    childSays(event: Unstamped<ChildEvent>) {
      requireChild().sendBack({ ...event, at: clock.now() } as ChildEvent);
    },
    ready(pid = 100 + children.length) {
      requireChild().sendBack({ type: 'CHILD.READY', pid, botUsername: 'lottery_bot', at: clock.now() });
    },
    heartbeat() {
      requireChild().sendBack({ type: 'CHILD.HEARTBEAT', lastPollAt: clock.now(), at: clock.now() });
    },
    exit(fatal?: ChildEvent & { type: 'CHILD.EXIT' } extends { fatal?: infer F } ? F : never) {
      requireChild().sendBack({
        type: 'CHILD.EXIT',
        code: fatal ? 2 : 1,
        signal: null,
        ...(fatal ? { fatal } : {}),
        at: clock.now(),
      });
    },
    /** The child exits after a STOP/KILL (code 0 / SIGKILL). */
    exitClean() {
      const child = requireChild();
      const killed = child.commands.includes('KILL');
      child.sendBack({
        type: 'CHILD.EXIT',
        code: killed ? null : 0,
        signal: killed ? 'SIGKILL' : null,
        at: clock.now(),
      });
    },
    advance(ms: number) {
      clock.increment(ms);
    },
    /** Top-level state name. */
    top(): string {
      const value = actor.getSnapshot().value;
      return typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
    },
    logCodes(): string[] {
      return logs.map((l) => l.event);
    },
  };
}

export type TenantHarness = ReturnType<typeof createTenantHarness>;
