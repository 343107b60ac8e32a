/**
 * @module cli/commands/exchange
 * `ledger exchange --config FILE`: run a source department's exchange point (共享交换,
 * exchange/exchange-server.ts): every read it serves or refuses is on chain, signed by the source,
 * before any data leaves.
 */
import type { Command } from 'commander';
import { loadExchangeConfig, startExchange } from '../../exchange/exchange-server.js';

export function registerExchange(program: Command): void {
  program
    .command('exchange')
    .description('run an exchange point in front of a department\'s data: checks each signed read request against the grant on the committed chain, records the read (or the refusal) signed by this department, and only then returns the data with its SHA-256')
    .requiredOption('--config <file>', 'the exchange point config (JSON: channel, departmentId, keyFile, api, brokers, outbox, listen, tables)')
    .action(async (opts: { config: string }) => {
      const config = loadExchangeConfig(opts.config);
      const running = await startExchange(config, { log: (l) => process.stdout.write(`${l}\n`) });
      process.stdout.write(`exchange point of ${config.departmentId} on channel ${config.channel} listening on ${running.url} (POST /v1/exchange/reads)\n`);
      // exit once stopped: kafkajs and ws may keep timers alive, and a profile (--cpu-prof) is written on exit
      const stop = () => void running.stop().then(() => process.exit(process.exitCode ?? 0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
