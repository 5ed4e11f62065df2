/** Mounting panel components in tests: English texts and the Element Plus components, no CSS. */
import { mount } from '@vue/test-utils';
import type { Component } from 'vue';
import { installElement } from '../../../src/web/ui/element.ts';
import { createPanelI18n } from '../../../src/web/ui/i18n/index.ts';

export function mountPanel(component: Component, props: Record<string, unknown> = {}) {
  return mount(component, {
    props: props as never,
    attachTo: document.body,
    global: { plugins: [createPanelI18n('en'), { install: installElement }] },
  });
}
