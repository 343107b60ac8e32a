/**
 * @module cli/commands/demo
 * `ledger demo --data DIR [--once]`: the local cluster of `ledger up` with the demo of every
 * scenario (cli/demo.ts); `--once` seeds, writes the samples, stops everything and exits 0, for
 * scripts. `ledger up --demo` (npm start) is the same without `--once`.
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { identifierArg } from '../args.js';
import { runDemo, type DemoResult } from '../demo.js';
import { startLocalCluster, type LocalCluster } from '../local-cluster.js';
import { runStack } from './up.js';

/** What a new user reads after the demo: the page, the anchor, the samples and what to try. */
export function describeDemo(r: DemoResult, out: (l: string) => void): void {
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r.startsWith('..') ? p : r;
  };
  const samples = rel(r.layout.samplesDir);
  out('');
  out('== 演示 / demo ==');
  if (r.apiUrl) out(`reader page (核验页面): ${r.apiUrl}/   (auditor view: ${r.apiUrl}/#auditor)`);
  else out('reader page: no node serves the API yet, so there is no page (see the notes below)');
  out(`trust anchor (信任锚, the genesis): ${rel(r.anchor.file)}  sha256 ${r.anchor.hash}`);
  out(`holders' salts files: ${rel(r.layout.holdersDir)}   department keys: ${rel(r.layout.keysDir)}`);
  if (r.samples.length > 0) {
    out(`sample bundles in ${samples}/ (binary .bundle.bin, JSON .bundle.json, QR .qr.png):`);
    for (const s of r.samples) out(`  ${s.name.padEnd(24)} expect ${s.expect.padEnd(8)} ${s.description}`);
    out('try:');
    if (r.apiUrl) out(`  open ${r.apiUrl}/ , upload ${samples}/certificate-valid.qr.png or paste ${samples}/certificate-revoked.bundle.json`);
    out(`  npx ledger verify ${samples}/certificate-valid.bundle.bin --anchor ${samples}/trust-anchor.genesis.bin`);
    out(`  npx ledger verify ${samples}/certificate-revoked.bundle.bin --anchor ${samples}/trust-anchor.genesis.bin   (exit 3: REVOKED)`);
  }
  // the auditor: over the API while the stack runs, or the full replay on a stopped node's folder
  if (r.apiUrl) out(`  npx ledger audit --api ${r.apiUrl} --genesis ${samples}/trust-anchor.genesis.bin   (while it runs)`);
  out(`  npx ledger audit --data ${rel(r.stackRoot)}   (once stopped: the full audit, replaying every block)`);
  for (const n of r.notes) out(`note: ${n}`);
}

export async function seedDemo(cluster: LocalCluster, out: (l: string) => void): Promise<DemoResult> {
  out('seeding the demo (departments, catalogue, household check, certificates)...');
  const r = await runDemo(cluster, { log: out });
  describeDemo(r, out);
  return r;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a local cluster with the demo of every scenario (as `ledger up --demo`); --once seeds, writes the sample bundles, stops everything and exits')
    .option('--data <dir>', 'the stack folder', '.data/stack')
    .option('--channel <name>', 'channel name for a new stack', identifierArg, 'property')
    .option('--once', 'seed, write the samples, stop and exit 0')
    .action(async (opts: { data: string; channel: string; once?: boolean }) => {
      const out = (l: string) => process.stdout.write(`${l}\n`);
      if (!opts.once) {
        await runStack({ data: opts.data, channel: opts.channel, nodes: 3, statusInterval: 0, demo: true });
        return;
      }
      const cluster = await startLocalCluster({ dataDir: opts.data, channel: opts.channel, nodes: 3, quorum: 2 });
      out(`${cluster.createdNow ? 'created' : 'resumed'} the stack in ${cluster.layout.root}`);
      try {
        await seedDemo(cluster, out);
      } finally {
        out('stopping...');
        await cluster.stop();
        out('stopped.');
      }
    });
}
