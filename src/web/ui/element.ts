/**
 * The Element Plus components the panel uses, registered globally (so templates write `<el-button>`), and
 * nothing else: the bundle carries only these. A parent's install also registers its parts (ElForm:
 * form-item, ElSelect: option, ElTable: table-column, ElRadio: radio-group and radio-button, ElMenu:
 * menu-item, ElDropdown: its menu and items, ElDescriptions: its items); the parts' own `install` does
 * nothing. Styles are imported in element-styles.ts, kept apart so component tests need no CSS.
 */
import {
  ElAlert,
  ElButton,
  ElCard,
  ElConfigProvider,
  ElDatePicker,
  ElDescriptions,
  ElDialog,
  ElDrawer,
  ElDropdown,
  ElEmpty,
  ElForm,
  ElInput,
  ElInputNumber,
  ElLoading,
  ElMenu,
  ElPagination,
  ElRadio,
  ElResult,
  ElSelect,
  ElSkeleton,
  ElSwitch,
  ElTable,
  ElTag,
} from 'element-plus';
import type { App, Plugin } from 'vue';

const plugins: Plugin[] = [
  ElAlert,
  ElButton,
  ElCard,
  ElConfigProvider,
  ElDatePicker,
  ElDescriptions,
  ElDialog,
  ElDrawer,
  ElDropdown,
  ElEmpty,
  ElForm,
  ElInput,
  ElInputNumber,
  ElLoading,
  ElMenu,
  ElPagination,
  ElRadio,
  ElResult,
  ElSelect,
  ElSkeleton,
  ElSwitch,
  ElTable,
  ElTag,
];

/** Register the components (and the `v-loading` directive). */
export function installElement(app: App): void {
  for (const plugin of plugins) app.use(plugin);
}
