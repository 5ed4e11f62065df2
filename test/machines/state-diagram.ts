/**
 * A machine's state diagram as a comparable shape, read two ways: from the machine definition (its state
 * nodes, `initial`, final states, and every transition of `on`, `after` and `always`) and from a mermaid
 * `stateDiagram-v2` block of the docs. docs/supervision.md's diagrams are checked against the machines with it.
 *
 * The conventions the docs follow:
 * - a state's diagram id is its key (`halted`), or `<parent key>_<key>` when several states share the key
 *   (`restarting_stopping`, `stopped_stopping`); the machine's root is drawn (as `state <machine id> { … }`)
 *   only when it has transitions of its own;
 * - a compound state's block holds its children and `[*] --> <initial child>`; a final state has `--> [*]`;
 *   a state belongs to the block where it is first named (as mermaid draws it), so a block comes before any
 *   edge outside it that names one of its children;
 * - a transition is an edge from the state that defines it to its target, a targetless one a self-loop;
 * - an edge's label starts with the events that take it, separated by ` / `; each part begins with the
 *   event's type, a timer's delay name (`stopTimeout`) or `always` (eventless), and may go on in words.
 */
import type { AnyStateNode } from 'xstate';

export interface StateDiagram {
  /** Diagram id → id of the enclosing state (null at the top). */
  states: Record<string, string | null>;
  /** Compound state id (or `null` for the top) → id of its initial child. */
  initial: Record<string, string>;
  /** Ids of final states. */
  finals: string[];
  /** `<from> --> <to>` → the sorted event names on its edges. */
  edges: Record<string, string[]>;
}

const edgeKey = (from: string, to: string) => `${from} --> ${to}`;

function finish(
  states: Record<string, string | null>,
  initial: Record<string, string>,
  finals: Set<string>,
  edges: Map<string, Set<string>>,
): StateDiagram {
  return {
    states,
    initial,
    finals: [...finals].sort(),
    edges: Object.fromEntries(
      [...edges.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]),
    ),
  };
}

/** The name of a transition's event in a diagram: its type, its delay's name, or `always`. */
function eventName(t: { eventType: string; delay?: unknown }): string {
  if (t.eventType === '') return 'always';
  if (t.eventType.startsWith('xstate.after.')) return String(t.delay);
  return t.eventType;
}

/** The diagram the definition of a machine (its root state node) calls for. */
export function diagramOfMachine(root: AnyStateNode): StateDiagram {
  const all: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    all.push(node);
    for (const child of Object.values(node.states)) walk(child as AnyStateNode);
  };
  walk(root);
  const keyCount = new Map<string, number>();
  for (const node of all) keyCount.set(node.key, (keyCount.get(node.key) ?? 0) + 1);
  const rootDrawn = root.transitions.size > 0 || (root.always?.length ?? 0) > 0;
  const idOf = (node: AnyStateNode): string | null => {
    if (node === root) return rootDrawn ? root.id : null;
    return (keyCount.get(node.key) ?? 0) > 1 && node.parent ? `${node.parent.key}_${node.key}` : node.key;
  };
  const states: Record<string, string | null> = {};
  const initial: Record<string, string> = {};
  const finals = new Set<string>();
  const edges = new Map<string, Set<string>>();
  for (const node of all) {
    const id = idOf(node);
    if (id !== null) states[id] = node.parent ? idOf(node.parent) : null;
    if (node.type === 'final' && id !== null) finals.add(id);
    const first = node.initial?.target[0];
    if (first && Object.keys(node.states).length > 0) initial[id ?? 'null'] = idOf(first) ?? '';
    for (const t of [...[...node.transitions.values()].flat(), ...(node.always ?? [])]) {
      const from = id ?? '';
      const targets = t.target?.length ? t.target : [node];
      for (const target of targets) {
        const key = edgeKey(from, idOf(target) ?? '');
        const names = edges.get(key) ?? new Set<string>();
        names.add(eventName(t as { eventType: string; delay?: unknown }));
        edges.set(key, names);
      }
    }
  }
  return finish(states, initial, finals, edges);
}

/** The event names of an edge label (see the file comment): the first word of each ` / ` part. */
export function labelEvents(label: string): string[] {
  return label
    .split(' / ')
    .map(
      (part) =>
        part
          .trim()
          .split(/\s+/)[0]
          ?.replace(/[,;:]+$/, '') ?? '',
    )
    .filter((name) => name !== '');
}

/** The diagram a mermaid `stateDiagram-v2` block draws (the subset the docs use). */
export function diagramOfMermaid(source: string): StateDiagram {
  const states: Record<string, string | null> = {};
  const initial: Record<string, string> = {};
  const finals = new Set<string>();
  const edges = new Map<string, Set<string>>();
  const scope: string[] = [];
  const here = () => scope.at(-1) ?? null;
  const declare = (id: string) => {
    if (id !== '[*]' && !Object.hasOwn(states, id)) states[id] = here();
  };
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('%%') || line === 'stateDiagram-v2') continue;
    const composite = /^state\s+(\S+)\s*\{$/.exec(line);
    if (composite?.[1]) {
      declare(composite[1]);
      scope.push(composite[1]);
      continue;
    }
    if (line === '}') {
      if (scope.pop() === undefined) throw new Error('mermaid: a } closes nothing');
      continue;
    }
    const edge = /^(\S+)\s*-->\s*(\S+?)\s*(?::\s*(.*))?$/.exec(line);
    if (edge?.[1] && edge[2]) {
      const [from, to, label = ''] = [edge[1], edge[2], edge[3]];
      declare(from);
      declare(to);
      if (from === '[*]') initial[here() ?? 'null'] = to;
      else if (to === '[*]') finals.add(from);
      else {
        const key = edgeKey(from, to);
        const names = edges.get(key) ?? new Set<string>();
        for (const name of labelEvents(label)) names.add(name);
        edges.set(key, names);
      }
      continue;
    }
    const description = /^(\S+)\s*:/.exec(line);
    if (description?.[1]) {
      declare(description[1]);
      continue;
    }
    throw new Error(`mermaid: a line this reader does not know: ${line}`);
  }
  if (scope.length > 0) throw new Error(`mermaid: state ${scope.join(' > ')} is never closed`);
  return finish(states, initial, finals, edges);
}

/**
 * The mermaid block that follows the heading `heading` in a markdown text (the first ```mermaid fence after
 * it, before the next heading of the same level or higher).
 */
export function mermaidAfterHeading(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const fence: string[] = [];
  let inside = false;
  for (const line of lines.slice(start + 1)) {
    const h = /^(#+)\s/.exec(line);
    if (!inside && h?.[1] && h[1].length <= level) break;
    if (!inside && line.trim() === '```mermaid') inside = true;
    else if (inside && line.trim() === '```') return fence.join('\n');
    else if (inside) fence.push(line);
  }
  throw new Error(`no mermaid block under "${heading}"`);
}
