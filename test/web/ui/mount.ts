/** Mounting panel components in tests: English texts (or another locale) and the Element Plus components, no CSS. */
import { mount } from '@vue/test-utils';
import type { Component } from 'vue';
import { installElement } from '../../../src/web/ui/element.ts';
import { createPanelI18n, type Locale } from '../../../src/web/ui/i18n/index.ts';

export function mountPanel(component: Component, props: Record<string, unknown> = {}, locale: Locale = 'en') {
  return mount(component, {
    props: props as never,
    attachTo: document.body,
    global: { plugins: [createPanelI18n(locale), { install: installElement }] },
  });
}
