/** Entry point of the admin panel: Vue, the router, the two languages and Element Plus. */
import { createApp } from 'vue';
import App from './App.vue';
import { installElement } from './element.ts';
import './element-styles.ts';
import { i18n } from './i18n/index.ts';
import { createPanelRouter } from './router.ts';
import './styles.css';

document.documentElement.lang = i18n.global.locale.value;
const app = createApp(App);
app.use(i18n);
app.use(createPanelRouter());
installElement(app);
app.mount('#app');
