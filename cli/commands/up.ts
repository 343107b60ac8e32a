/** @module cli/commands/up  `ledger up`: Kafka, keys and genesis on first run, three nodes, a status view; Ctrl-C stops all. `--demo` seeds the demo of every scenario (stack/demo.ts). */
import type { Command } from 'commander';
import { identifierArg, integerArg } from '../args.js';
import { runStack } from '../../stack/run-stack.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run a local cluster: Kafka, three consensus nodes (keys and genesis made on first run), and a status view; Ctrl-C stops everything, running it again resumes')
    .option('--data <dir>', 'the stack folder', '.data/stack')
    .option('--channel <name>', 'channel name for a new stack', identifierArg, 'property')
    .option('--nodes <n>', 'nodes in a new stack', integerArg(1, 7), 3)
    .option('--quorum <q>', 'quorum of a new stack (default: a majority)', integerArg(1, 7))
    .option('--status-interval <seconds>', 'print the status this often (0: never; default 5, or 30 with --demo)', integerArg(0, 3600))
    .option('--demo', 'seed the demo of every scenario and write sample bundles and the trust anchor (into DATA/demo/)')
    .action(async (opts: { data: string; channel: string; nodes: number; quorum?: number; statusInterval?: number; demo?: boolean }) => {
      await runStack({ ...opts, statusInterval: opts.statusInterval ?? (opts.demo ? 30 : 5) });
    });
}
