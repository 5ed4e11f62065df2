/**
 * `npm run bench`: runs every benchmark in bench/ one after the other and prints their figures.
 * Figures are printed, never asserted; targets are stated beside each figure.
 */
const benches: Array<{ name: string; load: () => Promise<{ main: () => Promise<unknown> }> }> = [
  { name: 'sandbox', load: () => import('./sandbox.ts') },
  { name: 'sandbox-polls', load: () => import('./sandbox-polls.ts') },
  { name: 'supervisor', load: () => import('./supervisor.ts') },
  { name: 'draw', load: () => import('./draw.ts') },
  { name: 'lottery', load: () => import('./lottery.ts') },
  { name: 'budgets', load: () => import('./budgets.ts') },
  { name: 'hosts', load: () => import('./hosts.ts') },
  { name: 'failover', load: () => import('./failover.ts') },
  { name: 'webhook', load: () => import('./webhook.ts') },
];

async function run(): Promise<void> {
  const only = process.argv[2];
  for (const bench of benches) {
    if (only && bench.name !== only) continue;
    console.log(`\n=== bench: ${bench.name}`);
    const mod = await bench.load();
    await mod.main();
  }
}

await run();
