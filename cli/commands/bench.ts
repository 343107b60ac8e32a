/** @module cli/commands/bench  `ledger bench`: the same harness as `npm run bench`. */
import type { Command } from 'commander';
import { formatTable, parseBenchArgs, runBench } from '../../bench/run.js';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks and print their figures (see `npm run bench`)')
    .option('--json', 'one JSON object')
    .option('--quick', 'short runs (the whole suite within 5 minutes)')
    .option('--only <groups>', 'comma-separated groups')
    .action(async (opts: { json?: boolean; quick?: boolean; only?: string }) => {
      const args = [...(opts.json ? ['--json'] : []), ...(opts.quick ? ['--quick'] : []), ...(opts.only ? ['--only', opts.only] : [])];
      const parsed = parseBenchArgs(args);
      const result = await runBench(parsed);
      process.stdout.write(parsed.json ? `${JSON.stringify(result)}\n` : `${formatTable(result)}\n`);
    });
}
