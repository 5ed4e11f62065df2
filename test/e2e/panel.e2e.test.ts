/**
 * The admin panel in a real browser (headless Chromium through Playwright) against the real server: the
 * built panel and the API on a loopback port, the supervisor running the organiser's bot in the Bot API
 * sandbox, the draw scheduler, a throw-away database. The whole organiser journey, once in English and once
 * in Chinese (switched with the panel's language switch), each with a fresh account:
 *
 * sign up → save the bot token → the dashboard shows the bot running (polled, no reload) → the bot is made
 * administrator of a channel → create a lottery in the form and publish it → sandbox users join → the
 * detail page counts them live → draw now (confirmed) → the winners with their message outcome → the
 * public proof page verifies in the browser → the entries CSV downloads → the platform admin's page.
 *
 * Screenshots of every page go to test-results/screenshots/<lang>-<page>.png.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/lottery/fairness/verify.ts';
import {
  createPanelWorld,
  fill,
  type Lang,
  type PanelWorld,
  shows,
  TEXTS,
  type Texts,
  WAIT,
} from './world.ts';

const PASSWORD = 'correct horse battery staple';
const CSV_HEADER = 'entry_id,user_id,first_name,last_name,username,source,joined_at';

let world: PanelWorld;
beforeAll(async () => {
  world = await createPanelWorld();
}, 180_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

/** Marks the document; `sameDocument` is true as long as the page was not reloaded since. */
async function mark(page: Page): Promise<() => Promise<boolean>> {
  const token = Math.random().toString(36).slice(2);
  await page.evaluate((value) => {
    (globalThis as unknown as { e2eMark: string }).e2eMark = value;
  }, token);
  return async () =>
    (await page.evaluate(() => (globalThis as unknown as { e2eMark?: string }).e2eMark)) === token;
}

/** Opens the navigation entry `label` (client-side routing, no reload). */
async function nav(page: Page, label: string): Promise<void> {
  await page.locator('header').getByRole('menuitem', { name: label, exact: true }).click();
}

/** Confirms Element Plus's message box with its `label` button. */
async function confirmDialog(page: Page, message: string, label: string): Promise<void> {
  const dialog = page.getByRole('dialog').filter({ hasText: message });
  await dialog.getByRole('button', { name: label, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

async function signUp(page: Page, T: Texts, lang: Lang, username: string): Promise<void> {
  await page.goto('/register');
  if (lang === 'zh-CN') {
    await shows(page.getByText(TEXTS.en.auth.registerTitle));
    await page.getByRole('button', { name: TEXTS.en.nav.language }).click();
    await page.getByRole('menuitem', { name: '中文' }).click();
  }
  await expect.poll(() => page.locator('html').getAttribute('lang'), WAIT).toBe(lang);
  await page.getByText(T.auth.registerTitle).waitFor();
  await page.getByLabel(T.auth.username).fill(username);
  await page.getByLabel(T.auth.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: T.auth.register, exact: true }).click();
  await page.getByRole('heading', { name: T.nav.dashboard, level: 1 }).waitFor();
  await page.getByText(T.dashboard.noBot).waitFor();
}

describe('the admin panel in a browser', () => {
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`runs a giveaway from sign-up to the proof (${lang})`, async () => {
      const T = TEXTS[lang];
      const tag = lang === 'en' ? 'en' : 'zh';
      const context = await world.newContext('en-US');
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (err) => pageErrors.push(err.message));
      try {
        // --- Sign up (the first account of the installation becomes the platform admin).
        const username = `organiser_${tag}_${Date.now() % 100_000}`;
        await signUp(page, T, lang, username);
        const isAdmin = world.admin === null;
        world.admin ??= { username, password: PASSWORD };

        // --- Bot settings: paste the token of a sandbox bot.
        const bot = await world.sandbox.client.createBot({
          username: `e2e_${tag}_${Date.now() % 100_000}_bot`,
        });
        await nav(page, T.nav.bot);
        await page.getByRole('heading', { name: T.nav.bot, level: 1 }).waitFor();
        await page.locator('input[name="bot-token"]').fill(bot.token);
        await page.getByRole('button', { name: T.bot.saveToken }).click();
        await page.getByText(T.bot.saved).waitFor();

        // --- The dashboard shows the bot running once the supervisor has started it, without a reload.
        await nav(page, T.nav.dashboard);
        const sameDocument = await mark(page);
        const botCard = page.locator('.el-card').filter({ hasText: T.dashboard.bot });
        await shows(botCard.locator('.el-tag'), T.botState.running);
        await shows(botCard.getByText(`@${bot.username}`));
        expect(await sameDocument()).toBe(true);

        await nav(page, T.nav.bot);
        await page.locator('.el-card .el-tag', { hasText: T.botState.running }).waitFor();
        await shows(page.getByText(fill(T.bot.tokenHidden, { hint: `…${bot.token.slice(-4)}` })));
        await world.screenshot(page, lang, 'bot-settings');

        // --- The bot becomes administrator of a channel; the form offers it.
        const channelTitle = lang === 'en' ? 'E2E Deals Channel' : '端到端 抽奖频道';
        const channel = await world.adminChannel(bot.id, channelTitle);
        await nav(page, T.nav.dashboard);
        await page.getByRole('button', { name: T.lottery.new }).click();
        await page.getByRole('heading', { name: T.lottery.new, level: 1 }).waitFor();
        const title = lang === 'en' ? 'Spring giveaway' : '春季抽奖';
        await page.getByLabel(T.lottery.title).fill(title);
        await page.getByLabel(T.lottery.description).fill(lang === 'en' ? 'Two prizes!' : '两种奖品！');
        await page.getByRole('button', { name: T.form.addPrize }).click();
        const prizes = lang === 'en' ? ['Mug', 'Sticker pack'] : ['马克杯', '贴纸'];
        const names = page.getByRole('textbox', { name: T.form.prizeName });
        await names.nth(0).fill(prizes[0]!);
        await names.nth(1).fill(prizes[1]!);
        await page.getByRole('spinbutton', { name: T.form.quantity }).nth(1).fill('2');
        await shows(page.getByText(T.trigger.manualHint));
        await page.locator('[data-test="targets"]').click();
        const option = page.getByRole('option', { name: new RegExp(channelTitle) });
        await option.click();
        await page.keyboard.press('Escape');
        await option.waitFor({ state: 'hidden' });
        const preview = page.locator('[data-test="post-preview"]');
        await shows(preview, title);
        await shows(preview, `${prizes[1]} × 2`);
        await world.screenshot(page, lang, 'lottery-form');
        await page.getByRole('button', { name: T.form.createDraft }).click();

        // --- The draft's page: publish after the confirmation.
        await page.waitForURL(/\/lotteries\/\d+$/);
        const lotteryId = Number(/\/lotteries\/(\d+)$/.exec(page.url())![1]);
        const header = page.locator('.page-header h1');
        await shows(header, T.status.draft);
        await page.getByRole('button', { name: T.actions.publish, exact: true }).click();
        await confirmDialog(page, T.actions.publishConfirm, T.actions.publish);
        await shows(header, T.status.open);
        const summary = page.locator('.el-descriptions').first();
        await summary.getByText(T.lottery.posted).waitFor();
        await shows(summary, `${prizes[0]} × 1`);
        await shows(summary, `${prizes[1]} × 2`);

        // --- Sandbox users join; the page counts them as they come (polling, no reload).
        const detailDocument = await mark(page);
        const users = await world.members(channel, bot.id, 5, 3);
        const answers = await world.join(channel, lotteryId, users);
        // Those who started the bot are told they joined; the others are sent to the bot (to be reachable).
        expect(answers.slice(0, 3).every((a) => a.answered && a.text && !a.url)).toBe(true);
        const deepLink = `https://t.me/${bot.username}?start=join_${lotteryId}`;
        expect(answers.slice(3).every((a) => a.answered && a.url === deepLink)).toBe(true);
        await shows(page.locator('[data-test="entry-count"]'), /^5$/);
        await shows(page.getByText(fill(T.entries.total, { n: 5, page: 1 })));
        expect(await detailDocument()).toBe(true);
        const commitment = (await summary.locator('.mono').textContent())?.trim() ?? '';
        expect(commitment).toMatch(/^[0-9a-f]{64}$/);
        await world.screenshot(page, lang, 'lottery-detail');

        // --- Draw now, confirmed; the winners appear with the outcome of their messages.
        await page.getByRole('button', { name: T.actions.draw, exact: true }).click();
        await confirmDialog(page, T.actions.drawConfirm, T.actions.draw);
        await shows(header, T.status.drawn);
        const winnersCard = page.locator('.el-card').filter({ hasText: T.winners.delivery });
        const rows = winnersCard.locator('.el-table__body tr');
        await expect.poll(() => rows.count(), WAIT).toBe(3);
        const winnerIds = (await rows.allTextContents()).map((text) => {
          const id = users.find((u) => text.includes(String(u)));
          expect(id, `a joined user in "${text}"`).toBeDefined();
          return id!;
        });
        expect(new Set(winnerIds).size).toBe(3);
        // The outcome follows without a reload: delivered to those who started the bot, else "never started".
        for (const [i, id] of winnerIds.entries()) {
          const outcome = users.indexOf(id) < 3 ? T.delivery.delivered : T.delivery['never-started'];
          await shows(rows.nth(i).locator('.el-tag'), new RegExp(`^${outcome}$`));
        }
        expect(await detailDocument()).toBe(true);
        await world.screenshot(page, lang, 'winners');

        // --- The entries as CSV: a download with a BOM, the header and one row per entry.
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: T.entries.csv }).click(),
        ]);
        expect(download.suggestedFilename()).toBe(`lottery-${lotteryId}-entries.csv`);
        const csv = await readFile(await download.path());
        expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
        const lines = csv.subarray(3).toString('utf8').trim().split(/\r?\n/);
        expect(lines[0]).toBe(CSV_HEADER);
        expect(lines).toHaveLength(1 + users.length);
        for (const id of users) expect(lines.some((line) => line.includes(`,${id},`))).toBe(true);

        // --- The public proof: linked from the announcement in the channel (the app's public URL) and
        // from the lottery page (a new tab); it verifies in the browser.
        const proofUrl = `${world.url}/proof/${lotteryId}`;
        await world.messageWith(channel, `"${proofUrl}"`);
        const [proof] = await Promise.all([
          context.waitForEvent('page'),
          page.getByRole('button', { name: T.proof.link }).click(),
        ]);
        proof.on('pageerror', (err) => pageErrors.push(err.message));
        await proof.waitForURL(proofUrl);
        await proof.getByRole('heading', { name: fill(T.proof.heading, { id: lotteryId }) }).waitFor();
        await shows(proof.locator('.el-descriptions'), commitment);
        const proofRows = proof.locator('.el-table__body tr');
        await expect.poll(() => proofRows.count(), WAIT).toBe(3);
        for (const id of winnerIds) await shows(proof.locator('.el-table__body'), String(id));
        await proof.getByRole('button', { name: T.proof.verify }).click();
        await shows(proof.locator('[data-test="verify-result"]'), T.proof.match);
        // Every check of the shared verifier ran and passed.
        expect(await proof.locator('[data-test="verify-check"].ok').count()).toBe(Object.keys(CHECKS).length);
        expect(await proof.locator('[data-test="verify-check"].bad').count()).toBe(0);
        await proof.getByPlaceholder(T.proof.lookupPlaceholder).fill(String(users[0]));
        await proof.getByText(T.proof.found).waitFor();
        await world.screenshot(proof, lang, 'proof');
        await proof.close();

        // --- The dashboard: the bot still running, the lottery among the recent draws.
        await nav(page, T.nav.dashboard);
        const draws = page.locator('.el-card').filter({ hasText: T.dashboard.recentDraws });
        await shows(draws.locator('li').filter({ hasText: title }), fill(T.lottery.winnerCount, { n: 3 }));
        await shows(botCard.locator('.el-tag'), T.botState.running);
        await shows(
          page.locator('.el-card').filter({ hasText: T.dashboard.open }).getByText(T.dashboard.noOpen),
        );
        await world.screenshot(page, lang, 'dashboard');

        // --- The platform admin's page lists the organisers with their bots.
        if (!isAdmin) {
          expect(await page.locator('header').getByRole('menuitem', { name: T.nav.admin }).count()).toBe(0);
          await page.locator('header').getByRole('button', { name: username }).click();
          await page.getByRole('menuitem', { name: T.nav.logout }).click();
          await page.getByLabel(T.auth.username).fill(world.admin.username);
          await page.getByLabel(T.auth.password, { exact: true }).fill(world.admin.password);
          await page.getByRole('button', { name: T.auth.login, exact: true }).click();
          await page.getByRole('heading', { name: T.nav.dashboard, level: 1 }).waitFor();
        }
        await nav(page, T.nav.admin);
        const tenantRow = page.locator('.el-table__body tr').filter({ hasText: username });
        await tenantRow.locator('.el-tag', { hasText: T.botState.running }).waitFor();
        await shows(tenantRow, `@${bot.username}`);
        await shows(
          page
            .locator('.el-table__body tr')
            .filter({ hasText: world.admin.username })
            .getByText(T.admin.adminRole),
        );
        await world.screenshot(page, lang, 'admin-tenants');

        expect(pageErrors).toEqual([]);
      } catch (err) {
        await world.screenshot(page, lang, 'failure').catch(() => {});
        throw err;
      } finally {
        await context.close();
      }
    }, 240_000);
  }
});
