/**
 * The panel's pages and who may open them. Pages load on demand (one chunk each). Public pages: sign-in,
 * sign-up and the draw proof; every other page needs a session (else: the sign-in page, then back), and
 * the platform admin's page needs the admin. A request that finds the session ended also lands on sign-in.
 */
import { createRouter, createWebHistory, type RouteLocationNormalized, type Router } from 'vue-router';
import { onUnauthenticated } from './api/http.ts';
import { i18n } from './i18n/index.ts';
import { checkSession, session, setMe } from './session.ts';

declare module 'vue-router' {
  interface RouteMeta {
    /** No session needed. */
    public?: boolean;
    /** Only for people who are not signed in (sign-in, sign-up). */
    guestOnly?: boolean;
    /** Only the platform admin. */
    admin?: boolean;
    /** i18n key of the page title. */
    title?: string;
  }
}

export function createPanelRouter(): Router {
  const router = createRouter({
    history: createWebHistory('/'),
    routes: [
      {
        path: '/login',
        name: 'login',
        component: () => import('./pages/LoginPage.vue'),
        meta: { public: true, guestOnly: true, title: 'auth.login' },
      },
      {
        path: '/register',
        name: 'register',
        component: () => import('./pages/RegisterPage.vue'),
        meta: { public: true, guestOnly: true, title: 'auth.register' },
      },
      {
        path: '/proof/:id(\\d+)',
        name: 'proof',
        component: () => import('./pages/ProofPage.vue'),
        meta: { public: true, title: 'proof.title' },
      },
      {
        path: '/',
        name: 'dashboard',
        component: () => import('./pages/DashboardPage.vue'),
        meta: { title: 'nav.dashboard' },
      },
      {
        path: '/bot',
        name: 'bot',
        component: () => import('./pages/BotPage.vue'),
        meta: { title: 'nav.bot' },
      },
      {
        path: '/lotteries',
        name: 'lotteries',
        component: () => import('./pages/LotteriesPage.vue'),
        meta: { title: 'nav.lotteries' },
      },
      {
        path: '/lotteries/new',
        name: 'lottery-new',
        component: () => import('./pages/LotteryEditPage.vue'),
        meta: { title: 'lottery.new' },
      },
      {
        path: '/lotteries/:id(\\d+)',
        name: 'lottery',
        component: () => import('./pages/LotteryDetailPage.vue'),
        meta: { title: 'nav.lotteries' },
      },
      {
        path: '/lotteries/:id(\\d+)/edit',
        name: 'lottery-edit',
        component: () => import('./pages/LotteryEditPage.vue'),
        meta: { title: 'lottery.edit' },
      },
      {
        path: '/account',
        name: 'account',
        component: () => import('./pages/AccountPage.vue'),
        meta: { title: 'account.title' },
      },
      {
        path: '/admin',
        name: 'admin',
        component: () => import('./pages/AdminPage.vue'),
        meta: { admin: true, title: 'nav.admin' },
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
        component: () => import('./pages/NotFoundPage.vue'),
        meta: { public: true, title: 'errors.notFoundTitle' },
      },
    ],
  });

  router.beforeEach(async (to: RouteLocationNormalized) => {
    try {
      await checkSession();
      session.unreachable = false;
    } catch {
      session.unreachable = true; // the shell shows it; public pages still open
      if (!to.meta.public) return { name: 'login', query: { redirect: to.fullPath } };
      return true;
    }
    if (to.meta.guestOnly && session.me) return { name: 'dashboard' };
    if (!to.meta.public && !session.me) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    }
    if (to.meta.admin && session.me?.role !== 'admin') return { name: 'dashboard' };
    return true;
  });

  router.afterEach((to) => {
    const title = to.meta.title ? i18n.global.t(to.meta.title) : '';
    document.title = title ? `${title} · tg-lottery` : 'tg-lottery';
  });

  onUnauthenticated(() => {
    setMe(null);
    const current = router.currentRoute.value;
    if (!current.meta.public) {
      void router.replace({ name: 'login', query: { redirect: current.fullPath, ended: '1' } });
    }
  });
  return router;
}

/** Where to go after signing in: the page asked for (same-site paths only), else the dashboard. */
export function afterSignIn(redirect: unknown): string {
  return typeof redirect === 'string' && redirect.startsWith('/') && !redirect.startsWith('//')
    ? redirect
    : '/';
}
