/**
 * The state diagrams of docs/supervision.md against the machines they draw: each diagram lists exactly the
 * machine's states (nested as in the machine), initial and final states, and on each edge exactly the events
 * of the machine's transitions between those two states (state-diagram.ts states the conventions). A change
 * to a machine that the doc does not show, or a diagram that shows what the machine does not do, fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { hostMachine } from '../../machines/host.ts';
import { supervisorMachine } from '../../machines/supervisor.ts';
import { tenantMachine } from '../../machines/tenant.ts';
import { diagramOfMachine, diagramOfMermaid, labelEvents, mermaidAfterHeading } from './state-diagram.ts';

const DOC = readFileSync(new URL('../../docs/supervision.md', import.meta.url), 'utf8');

const DIAGRAMS: Array<[heading: string, root: AnyStateNode]> = [
  ['## The tenant machine', tenantMachine.root as AnyStateNode],
  ['## The host machine', hostMachine.root as AnyStateNode],
  ['## The supervisor machine', supervisorMachine.root as AnyStateNode],
];

describe('docs/supervision.md state diagrams', () => {
  for (const [heading, root] of DIAGRAMS) {
    it(`${heading.slice(3)}: the diagram shows the machine's states and transitions, no more, no less`, () => {
      expect(diagramOfMermaid(mermaidAfterHeading(DOC, heading))).toEqual(diagramOfMachine(root));
    });
  }
});

describe('reading a diagram', () => {
  it('an edge label names its events: the first word of each " / " part', () => {
    expect(labelEvents('CONFIG.CHANGED (new hash) / TENANT.RESTART (clears the isolation)')).toEqual([
      'CONFIG.CHANGED',
      'TENANT.RESTART',
    ]);
    expect(labelEvents('always (stopped for the shutdown) / stopTimeout, 5 s')).toEqual([
      'always',
      'stopTimeout',
    ]);
  });

  it('a mermaid block: nesting, initial and final states, edges; a missing edge shows', () => {
    const source = [
      'stateDiagram-v2',
      '  [*] --> a',
      '  state a {',
      '    [*] --> a_one',
      '    a_one : one (entry GO)',
      '    a_one --> a_two: NEXT / tick (a timer)',
      '  }',
      '  a --> done: STOP',
      '  done --> [*]',
    ].join('\n');
    expect(diagramOfMermaid(source)).toEqual({
      states: { a: null, a_one: 'a', a_two: 'a', done: null },
      initial: { null: 'a', a: 'a_one' },
      finals: ['done'],
      edges: { 'a --> done': ['STOP'], 'a_one --> a_two': ['NEXT', 'tick'] },
    });
    const doc = DOC.replace('    running --> halted: CHILD.EXIT (the same rules)\n', '');
    expect(diagramOfMermaid(mermaidAfterHeading(doc, '## The tenant machine')).edges).not.toHaveProperty(
      'running --> halted',
    );
  });

  it('refuses a line it does not know and an unclosed state', () => {
    expect(() => diagramOfMermaid('stateDiagram-v2\n  a -> b')).toThrow(/does not know/);
    expect(() => diagramOfMermaid('stateDiagram-v2\n  state a {\n    b --> c')).toThrow(/never closed/);
  });
});
