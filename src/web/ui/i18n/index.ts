/**
 * The panel's two languages, zh-CN and en. The first visit follows the browser's languages; a choice made
 * with the language switch is remembered in localStorage. Element Plus's own texts (date picker, pager,
 * dialogs) follow through `elementLocale`.
 */
import elementEn from 'element-plus/es/locale/lang/en.mjs';
import elementZhCn from 'element-plus/es/locale/lang/zh-cn.mjs';
import { createI18n } from 'vue-i18n';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** localStorage key of the chosen language. */
export const LOCALE_KEY = 'tg-lottery.locale';

/** The language to start with: the remembered choice, else the browser's first zh or en, else en. */
export function initialLocale(
  stored: string | null = safeStorage()?.getItem(LOCALE_KEY) ?? null,
  languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages,
): Locale {
  if (stored === 'zh-CN' || stored === 'en') return stored;
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy settings)
  }
}

/** A new i18n instance (the app makes one; tests make their own). */
export function createPanelI18n(locale: Locale = initialLocale()) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'zh-CN': zhCN },
  });
}

export type PanelI18n = ReturnType<typeof createPanelI18n>;

export const i18n = createPanelI18n();

/** Switch the language, remember it and tell the page (`<html lang>`). */
export function setLocale(locale: Locale, instance: PanelI18n = i18n): void {
  instance.global.locale.value = locale;
  safeStorage()?.setItem(LOCALE_KEY, locale);
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

/** Element Plus's locale for a language. */
export function elementLocale(locale: string) {
  return locale === 'zh-CN' ? elementZhCn : elementEn;
}
