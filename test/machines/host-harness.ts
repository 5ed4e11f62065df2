/**
 * Test harness for the host machine: the real machine invoked by a small parent that records what it is sent
 * (HOST.STOPPED), a fake `hostProcess` that records STOP/KILL and whether its actor was released, spies for
 * `reportHost`/`logEvent`, a SimulatedClock, and an inspector that records the host's transitions and state
 * nodes (for the coverage check).
 */
import { type AnyStateNode, createActor, fromCallback, SimulatedClock, setup } from 'xstate';
import {
  type HostEvent,
  type HostInput,
  type HostLogParams,
  type HostParentEvent,
  type HostProcessCommand,
  type HostProcessEvent,
  type HostProcessInput,
  type HostReport,
  type HostTimers,
  hostMachine,
} from '../../machines/host.ts';
import type { HostKind } from '../../machines/placement.ts';
import { transitionKey } from './harness.ts';

/** One fake host process: its input, the commands it got, whether its actor was stopped. */
export interface FakeHostProcess {
  input: HostProcessInput;
  commands: HostProcessCommand['type'][];
  released: boolean;
  /** Reports to the host machine, as the real process does over IPC (or the runtime on its exit). */
  sendBack: (event: HostProcessEvent) => void;
}

interface Sink {
  processes: FakeHostProcess[];
  reports: HostReport[];
  logs: HostLogParams[];
  parentEvents: HostParentEvent[];
}
const sinks = new WeakMap<object, Sink>();
const sinkOf = (system: object): Sink => {
  const sink = sinks.get(system);
  if (!sink) throw new Error('host harness: actor system without a sink');
  return sink;
};

const fakeHostProcess = fromCallback<HostProcessCommand, HostProcessInput>(
  ({ input, system, sendBack, receive }) => {
    const process: FakeHostProcess = { input, commands: [], released: false, sendBack: (e) => sendBack(e) };
    sinkOf(system).processes.push(process);
    receive((command) => {
      process.commands.push(command.type);
    });
    return () => {
      process.released = true;
    };
  },
);

/** The real host machine with the fake process and recording actions (built once). */
export const testHostMachine = hostMachine.provide({
  actors: { hostProcess: fakeHostProcess },
  actions: {
    reportHost: ({ system }, params) => {
      sinkOf(system).reports.push(params);
    },
    logEvent: ({ system }, params) => {
      sinkOf(system).logs.push(params);
    },
  },
});

/** A parent for the host machine, so that its HOST.STOPPED has somewhere to go. */
const parentMachine = setup({
  types: { input: {} as HostInput, context: {} as { input: HostInput }, events: {} as HostParentEvent },
  actors: { host: testHostMachine },
}).createMachine({
  context: ({ input }) => ({ input }),
  invoke: { id: 'host', src: 'host', input: ({ context }) => context.input },
  on: {
    'HOST.STOPPED': {
      actions: ({ event, system }) => {
        sinkOf(system).parentEvents.push(event);
      },
    },
  },
});

export const HOST_ID = 'h1';

export interface HostHarnessOptions {
  timers: HostTimers;
  kind?: HostKind;
  coverage?: { nodes: Set<string>; transitions: Set<string> };
}

/** Starts a host machine (under the recording parent) at time 0 on a SimulatedClock. */
export function createHostHarness(options: HostHarnessOptions) {
  const clock = new SimulatedClock();
  const sink: Sink = { processes: [], reports: [], logs: [], parentEvents: [] };
  const input: HostInput = { hostId: HOST_ID, kind: options.kind ?? 'shared', timers: options.timers, at: 0 };
  const coverage = options.coverage;
  const addNodes = (snapshot: unknown) => {
    for (const node of (snapshot as { _nodes?: AnyStateNode[] })._nodes ?? []) coverage?.nodes.add(node.id);
  };
  const parent = createActor(parentMachine, {
    input,
    clock,
    inspect: (ev) => {
      // only the host's own microsteps (the parent has none worth counting)
      if (!coverage || ev.type !== '@xstate.microstep' || (ev.actorRef as { id?: string }).id !== 'host')
        return;
      for (const t of ev._transitions) coverage.transitions.add(transitionKey(t));
      addNodes(ev.snapshot);
    },
  });
  sinks.set(parent.system, sink);
  parent.start();
  const host = parent.getSnapshot().children.host;
  if (!host) throw new Error('host harness: the host machine did not start');
  addNodes(host.getSnapshot());
  return {
    clock,
    parent,
    host,
    ...sink,
    get snapshot() {
      return host.getSnapshot();
    },
    /** The (only) process of this host. */
    get process(): FakeHostProcess {
      const process = sink.processes[0];
      if (!process) throw new Error('host harness: no process');
      return process;
    },
    /** A command from the supervisor or the runtime, as given (stamp it yourself). */
    send(event: HostEvent) {
      host.send(event);
    },
    advance(ms: number) {
      clock.increment(ms);
    },
  };
}

export type HostHarness = ReturnType<typeof createHostHarness>;
