/** @module cli/commands/node  `ledger node --config FILE`: run one consensus node until stopped or halted. */
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { loadNodeConfig } from '../../consensus/node-config.js';
import { runNodeWithApi } from '../../api/node-api.js';

export function registerNode(program: Command): void {
  program
    .command('node')
    .description('run a consensus node: consume the channel, cut and co-sign blocks, talk to its peers')
    .requiredOption('--config <file>', 'the node configuration (JSON: genesis, key, data, node, listen, peers[, brokers, topicMode])')
    .action(async (opts: { config: string }) => {
      const config = loadNodeConfig(opts.config);
      // the node serves its API (api/) on its HTTP server
      const { node } = await runNodeWithApi(config);
      // exit once stopped: kafkajs and ws may keep timers alive, and a profile is written on exit
      const stop = () => void node.stop().then(() => process.exit(process.exitCode ?? 0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const r = await node.done;
      if (r.halted) {
        await node.stop();
        // DESIGN.md section 8: a divergent node stops, with the alarm in its log, status and exit code
        process.exitCode = EXIT.HALTED;
      }
    });
}
