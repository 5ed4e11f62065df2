/**
 * Wiring of the panel that a typo would break silently: every `<el-…>` tag resolves to a registered Element
 * Plus component, every text key the sources use exists in both languages, every text compiles, and the
 * first language follows the browser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from 'vue';
import { installElement } from '../../../src/web/ui/element.ts';
import { en } from '../../../src/web/ui/i18n/en.ts';
import { createPanelI18n, initialLocale } from '../../../src/web/ui/i18n/index.ts';
import { zhCN } from '../../../src/web/ui/i18n/zh-CN.ts';

const UI = fileURLToPath(new URL('../../../src/web/ui/', import.meta.url));

function sources(dir = UI): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(vue|ts)$/.test(entry.name)
      ? [{ path: relative(UI, path), text: readFileSync(path, 'utf8') }]
      : [];
  });
}

function leaves(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null ? leaves(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

const pascal = (tag: string) => tag.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());

describe('the panel wiring', () => {
  it('registers every Element Plus component a template uses', () => {
    const app = createApp({});
    installElement(app);
    const tags = new Set(
      sources().flatMap(({ text }) => [...text.matchAll(/<(el-[a-z-]+)/g)].map((m) => m[1]!)),
    );
    expect(tags.size).toBeGreaterThan(20);
    const missing = [...tags].filter((tag) => !app.component(pascal(tag)));
    expect(missing).toEqual([]);
    expect(app._context.directives.loading).toBeDefined();
  });

  it('has both languages with the same keys, and every key a source names', () => {
    expect(leaves(zhCN).sort()).toEqual(leaves(en).sort());
    const known = new Set(leaves(en));
    const used = sources().flatMap(({ path, text }) =>
      [...text.matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g), ...text.matchAll(/title: '([a-z]+\.[a-zA-Z.]+)'/g)].map(
        (m) => `${path}: ${m[1]}`,
      ),
    );
    expect(used.length).toBeGreaterThan(100);
    expect(used.filter((entry) => !known.has(entry.split(': ')[1]!))).toEqual([]);
  });

  it('compiles every text in both languages (a literal @ written as {"{\'@\'}"})', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const i18n = createPanelI18n(locale);
      for (const key of leaves(en)) {
        const text = i18n.global.t(key, { n: 1, max: 2, min: 1, status: 500, name: 'x', time: 't' });
        expect(text, `${locale} ${key}`).not.toBe(key);
        expect(text, `${locale} ${key}`).not.toMatch(/\{'@'\}/);
      }
    }
    expect(createPanelI18n('en').global.t('bot.howTo')).toContain('@BotFather');
  });

  it('starts in the remembered language, else the browser’s', () => {
    expect(initialLocale('en', ['zh-CN'])).toBe('en');
    expect(initialLocale(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(initialLocale(null, ['fr', 'en-GB'])).toBe('en');
    expect(initialLocale(null, ['fr'])).toBe('en');
    expect(initialLocale('de', [])).toBe('en');
  });
});
