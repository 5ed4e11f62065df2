/**
 * Route budgets under one tenant's heavy load (figures printed, not asserted): tenant A has a lottery of
 * BENCH_BUDGET_ENTRIES entries (default 1,000,000) and sends BENCH_BUDGET_SEARCHES (default 20) entry
 * searches and BENCH_BUDGET_EXPORTS (default 5) full CSV exports at once, over HTTP to one admin web
 * (pool of 10 connections); meanwhile tenant B's pages (its lottery list, one lottery, a page of its
 * entries) are timed one after the other. Target: B's page time p99 under 100 ms while A's load runs.
 * Also printed: B's times before the load, how A's requests ended (200, 429 from the heavy limiter, 503
 * from the statement timeout) and how long they took.
 * Run: `npm run bench -- budgets` or `npx tsx bench/budgets.ts`; small: `BENCH_BUDGET_ENTRIES=20000`.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { sqlFromOrm } from '../src/db/sql.ts';
import { buildApp, listenAddress } from '../src/web/app.ts';
import { freshDatabase, logger, percentile, withServer } from './common.ts';

interface Session {
  cookie: string;
}

async function signUp(base: string, username: string): Promise<Session> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'benchmark password 1' }),
  });
  if (res.status !== 201) throw new Error(`sign-up of ${username}: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie };
}

/** GET `path` as `session`, reading the whole body; resolves with the status and the time in ms. */
async function timed(base: string, session: Session, path: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { cookie: session.cookie } });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms (${sorted.length} requests)`;
}

interface HeavyResult {
  kind: 'search' | 'export';
  status: number;
  ms: number;
}

/** The load generator's source: plain JavaScript run by `node -e`, all requests at once, results as JSON. */
const LOAD_SCRIPT = `
const { base, cookie, lotteryId, entries, searches, exports } = JSON.parse(process.env.BENCH_LOAD);
const one = async (kind, path) => {
  const t0 = performance.now();
  const res = await fetch(base + path, { headers: { cookie } });
  const reader = res.body.getReader();
  while (!(await reader.read()).done) {}
  return { kind, status: res.status, ms: performance.now() - t0 };
};
const all = [
  ...Array.from({ length: searches }, (_, i) =>
    one('search', '/api/lotteries/' + lotteryId + '/entries?query=' + encodeURIComponent('Name' + ((i * 7919) % entries)))),
  ...Array.from({ length: exports }, () => one('export', '/api/lotteries/' + lotteryId + '/entries.csv')),
];
Promise.all(all).then((r) => process.stdout.write(JSON.stringify(r)));
`;

/** Run tenant A's searches and exports at once from a child process; resolves with each request's outcome. */
function runLoad(load: {
  base: string;
  cookie: string;
  lotteryId: number;
  entries: number;
  searches: number;
  exports: number;
}): Promise<HeavyResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOAD_SCRIPT], {
      env: { ...process.env, BENCH_LOAD: JSON.stringify(load) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as HeavyResult[]);
      else reject(new Error(`the load generator exited with code ${code}`));
    });
  });
}

export async function main(): Promise<void> {
  const entries = Number(process.env.BENCH_BUDGET_ENTRIES ?? 1_000_000);
  const searches = Number(process.env.BENCH_BUDGET_SEARCHES ?? 20);
  const exports = Number(process.env.BENCH_BUDGET_EXPORTS ?? 5);
  await withServer(async (adminUrl) => {
    const db = await freshDatabase(adminUrl, 'tgl_bench_budgets');
    const sql = sqlFromOrm(db.orm);
    const app = await buildApp({
      logger,
      checkDatabase: async () => {},
      trustProxy: false,
      processMetrics: false,
      rateLimits: { perMinute: 1_000_000, registerPerHour: 1000 },
      api: {
        orm: db.orm,
        appSecret: 'benchmark-app-secret',
        telegramApiRoot: 'http://127.0.0.1:9',
        registration: 'open',
      },
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const base = listenAddress(app, '127.0.0.1');
      const a = await signUp(base, 'tenant_a');
      const b = await signUp(base, 'tenant_b');
      const [ta] = await sql.query<{ id: number }>("select id from tenants where username = 'tenant_a'");
      const [tb] = await sql.query<{ id: number }>("select id from tenants where username = 'tenant_b'");
      const lottery = async (tenantId: number, count: number) => {
        const [row] = await sql.query<{ id: number }>(
          "insert into lotteries (tenant_id, title) values (?, 'Budget bench') returning id",
          [tenantId],
        );
        await sql.query(
          `insert into entries (lottery_id, tg_user_id, first_name, last_name, username)
           select ?, 5000000000 + g * 7, 'Name' || g, case when g % 3 = 0 then 'Family' || (g % 1000) end,
                  case when g % 2 = 0 then 'user_' || g end
             from generate_series(1, ?) g`,
          [row!.id, count],
        );
        return row!.id;
      };
      const filled = performance.now();
      const bigId = await lottery(ta!.id, entries);
      const smallId = await lottery(tb!.id, 1000);
      await sql.query('vacuum analyze entries');
      const fillS = (performance.now() - filled) / 1000;

      const [version] = await sql.query<{ server_version: string }>('show server_version');
      const [fsync] = await sql.query<{ fsync: string }>('show fsync');
      console.log(
        `conditions: PostgreSQL ${version?.server_version} (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}, ` +
          `fsync ${fsync?.fsync}), pool 10, ${cpus().length} CPUs, load ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}; tenant A's lottery ${entries} entries (filled and indexed in ${fillS.toFixed(1)} s)`,
      );

      const pages = [
        '/api/lotteries',
        `/api/lotteries/${smallId}`,
        `/api/lotteries/${smallId}/entries?limit=50`,
      ];
      const bPages = async (until: () => boolean, min: number) => {
        const times: number[] = [];
        let failed = 0;
        for (let i = 0; until() || i < min; i++) {
          const r = await timed(base, b, pages[i % pages.length]!);
          if (r.status !== 200) failed++;
          times.push(r.ms);
        }
        return { times, failed };
      };

      const quiet = await bPages(() => false, 60);
      console.log(`tenant B's pages, no load: ${summary(quiet.times)}`);

      // Tenant A's load runs in a process of its own, so reading its exports does not take turns with
      // B's timer on one event loop: B's figures are the server's, not the benchmark client's.
      let running = true;
      const load = runLoad({ base, cookie: a.cookie, lotteryId: bigId, entries, searches, exports }).finally(
        () => {
          running = false;
        },
      );
      const loaded = await bPages(() => running, 20);
      const heavy = await load;
      const outcomes = new Map<string, number>();
      for (const h of heavy)
        outcomes.set(`${h.kind} ${h.status}`, (outcomes.get(`${h.kind} ${h.status}`) ?? 0) + 1);
      const took = (kind: string) => summary(heavy.filter((h) => h.kind === kind).map((h) => h.ms));
      console.log(
        `tenant B's pages while tenant A runs ${searches} searches and ${exports} exports: ${summary(loaded.times)} ` +
          `(target p99 < 100 ms); B's failures ${loaded.failed}`,
      );
      console.log(
        `tenant A: ${[...outcomes].map(([k, n]) => `${k}: ${n}`).join(', ')}; searches ${took('search')}; exports ${took('export')}`,
      );
    } finally {
      await app.close();
      await db.close();
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
