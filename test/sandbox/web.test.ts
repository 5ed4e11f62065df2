import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { PAGE_SCRIPT } from '../../src/sandbox/web/script.ts';

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox?.close();
});

describe('web page', () => {
  it('is served at / as HTML with the stable test ids browser tests rely on', async () => {
    sandbox = await createSandbox();
    const res = await fetch(`${sandbox.url}/`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    for (const id of [
      'user-select',
      'chat-list',
      'messages',
      'composer-input',
      'composer-send',
      'toast',
      'alert',
      'setup',
    ]) {
      expect(html).toContain(`data-testid="${id}"`);
    }
    for (const id of [
      'chat-item',
      'message',
      'inline-button',
      'start-button',
      'start-payload',
      'block-toggle',
    ]) {
      expect(PAGE_SCRIPT).toContain(`'data-testid': '${id}'`);
    }
  });

  it('ships a script that compiles and never assigns innerHTML (text is always escaped)', () => {
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
    expect(PAGE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('the changes endpoint wakes the page when the state changes', async () => {
    sandbox = await createSandbox();
    const { version } = await sandbox.client.waitForChange(-1, 0);
    const waiting = sandbox.client.waitForChange(version, 10_000);
    await sandbox.client.createUser({ first_name: 'Alice' });
    expect((await waiting).version).toBeGreaterThan(version);
  });
});

interface FakeNode {
  tag?: string;
  text?: string;
  attrs: Record<string, string>;
  children: FakeNode[];
}

/** Load the page script against a minimal fake DOM and return its entity renderer. */
function loadRenderer(): (text: string, entities: unknown[]) => FakeNode[] {
  const node = (tag: string): FakeNode & Record<string, unknown> => {
    const n: FakeNode & Record<string, unknown> = {
      tag,
      attrs: {},
      children: [],
      setAttribute(k: string, v: string) {
        n.attrs[k] = v;
      },
      appendChild(c: FakeNode) {
        n.children.push(c);
        return c;
      },
      addEventListener() {},
    };
    Object.defineProperty(n, 'textContent', {
      set(v: string) {
        n.children = [{ text: v, attrs: {}, children: [] }];
      },
    });
    return n;
  };
  const document = {
    createElement: node,
    createTextNode: (text: string): FakeNode => ({ text, attrs: {}, children: [] }),
    getElementById: () => null,
    addEventListener() {},
  };
  const factory = new Function('document', `${PAGE_SCRIPT}; return renderEntities;`);
  return factory(document);
}

/** Serialise fake nodes as markup, escaping text, so assertions read like HTML. */
function markup(nodes: FakeNode[]): string {
  return nodes
    .map((n) => {
      if (n.tag === undefined) return (n.text ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;');
      const href = n.attrs.href ? ` href="${n.attrs.href}"` : '';
      const cls = (n as unknown as { className?: string }).className
        ? ` class="${(n as unknown as { className: string }).className}"`
        : '';
      return `<${n.tag}${href}${cls}>${markup(n.children)}</${n.tag}>`;
    })
    .join('');
}

describe('web page entity rendering', () => {
  it('renders nested entities by UTF-16 offsets and keeps markup-like text as text', () => {
    const render = loadRenderer();
    const text = '🎁 Win <b>x</b> now';
    const entities = [
      { type: 'bold', offset: 3, length: 12 },
      { type: 'italic', offset: 7, length: 8 },
    ];
    expect(markup(render(text, entities))).toBe('🎁 <b>Win <i>&lt;b>x&lt;/b></i></b> now');
  });

  it('links only http(s) and tg URLs', () => {
    const render = loadRenderer();
    expect(
      markup(
        render('ok bad', [
          { type: 'text_link', offset: 0, length: 2, url: 'https://t.me/x' },
          { type: 'text_link', offset: 3, length: 3, url: 'javascript:alert(1)' },
        ]),
      ),
    ).toBe('<a href="https://t.me/x">ok</a> <span>bad</span>');
  });
});
