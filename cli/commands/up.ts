/** @module cli/commands/up  `ledger up`: Kafka, keys and genesis on first run, three nodes, a status view; Ctrl-C stops all. `--demo` seeds the demo of every scenario (stack/demo.ts). */
import type { Command } from 'commander';
import { apiAccessOption, identifierArg, integerArg, kafkaSecurityOption } from '../args.js';
import { runStack } from '../../stack/run-stack.js';
import { LedgerError } from '../../errors/ledger-error.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run a local cluster: Kafka, three consensus nodes (keys and genesis made on first run), and a status view; Ctrl-C stops everything, running it again resumes')
    .option('--data <dir>', 'the stack folder', '.data/stack')
    .option('--channel <name>', 'channel name for a new stack', identifierArg, 'property')
    .option('--nodes <n>', 'nodes in a new stack', integerArg(1, 7), 3)
    .option('--quorum <q>', 'quorum of a new stack (default: a majority)', integerArg(1, 7))
    .option('--brokers <n>', 'Kafka brokers of a new stack: 1 (development, replication 1) or 3..5 (a local KRaft cluster; the channel in production mode)', integerArg(1, 5))
    .option('--status-interval <seconds>', 'print the status this often (0: never; default 5, or 30 with --demo)', integerArg(0, 3600))
    .option('--demo', 'seed the demo of every scenario and write sample bundles and the trust anchor (into DATA/demo/)')
    .addOption(apiAccessOption())
    .addOption(kafkaSecurityOption())
    .action(async (opts: { data: string; channel: string; nodes: number; quorum?: number; brokers?: number; statusInterval?: number; demo?: boolean; api: 'signed' | 'open-loopback'; kafka: 'sasl' | 'plain' }) => {
      if (opts.brokers === 2) throw new LedgerError('BAD_ARGUMENT', '--brokers must be 1 or 3..5: production replication needs 3 brokers');
      await runStack({ ...opts, apiAccess: opts.api, kafkaSecurity: opts.kafka, statusInterval: opts.statusInterval ?? (opts.demo ? 30 : 5) });
    });
}
