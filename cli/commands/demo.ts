/**
 * @module cli/commands/demo
 * `ledger demo --data DIR [--once]`: the local cluster of `ledger up` with the demo of every
 * scenario (stack/demo.ts); `--once` seeds, writes the samples, stops everything and exits 0, for
 * scripts. `ledger up --demo` (npm start) is the same without `--once`.
 */
import type { Command } from 'commander';
import { apiAccessOption, identifierArg, kafkaSecurityOption } from '../args.js';
import { seedDemo } from '../../stack/demo.js';
import { startLocalCluster } from '../../stack/local-cluster.js';
import { runStack } from '../../stack/run-stack.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a local cluster with the demo of every scenario (as `ledger up --demo`); --once seeds, writes the sample bundles, stops everything and exits')
    .option('--data <dir>', 'the stack folder', '.data/stack')
    .option('--channel <name>', 'channel name for a new stack', identifierArg, 'property')
    .option('--once', 'seed, write the samples, stop and exit 0')
    .addOption(apiAccessOption())
    .addOption(kafkaSecurityOption())
    .action(async (opts: { data: string; channel: string; once?: boolean; api: 'signed' | 'open-loopback'; kafka: 'sasl' | 'plain' }) => {
      const out = (l: string) => {
        try {
          process.stdout.write(`${l}\n`);
        } catch {
          /* nobody reads: carry on */
        }
      };
      if (!opts.once) {
        await runStack({ data: opts.data, channel: opts.channel, nodes: 3, statusInterval: 0, demo: true, apiAccess: opts.api, kafkaSecurity: opts.kafka });
        return;
      }
      // as `ledger up` (stack/run-stack.ts): output never decides the stack's lifetime, and Ctrl-C
      // stops the nodes and the broker instead of leaving them running (issue 17)
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
      const cluster = await startLocalCluster({ dataDir: opts.data, channel: opts.channel, nodes: 3, quorum: 2, apiAccess: opts.api, kafkaSecurity: opts.kafka });
      let stopped: Promise<void> | undefined;
      const stop = () => (stopped ??= (async () => {
        out('stopping...');
        await cluster.stop();
        out('stopped.');
      })());
      const interrupted = () => void stop().finally(() => process.exit(130));
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      out(`${cluster.createdNow ? 'created' : 'resumed'} the stack in ${cluster.layout.root}`);
      try {
        await seedDemo(cluster, out);
      } finally {
        await stop();
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }
    });
}
