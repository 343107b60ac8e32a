/**
 * @module cli/program
 * The `ledger` command tree. Every subcommand throws LedgerError on failure; `reportError` alone
 * turns errors into messages and exit codes (cli/exit-codes.ts holds the one table).
 */
import { Command, CommanderError } from 'commander';
import { isLedgerError } from '../errors/ledger-error.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { registerBench } from './commands/bench.js';
import { registerDisclose } from './commands/disclose.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEvent } from './commands/event.js';
import { registerGenesis } from './commands/genesis.js';
import { registerKeys } from './commands/keys.js';
import { registerNode } from './commands/node.js';
import { registerUp } from './commands/up.js';
import { registerKafka } from './commands/kafka.js';
import { registerRebuild } from './commands/rebuild.js';
import { registerDemo } from './commands/demo.js';
import { registerProof } from './commands/proof.js';
import { registerAudit } from './commands/audit.js';
import { registerWitness } from './commands/witness.js';
import { registerExchange } from './commands/exchange.js';
import { registerTrail } from './commands/trail.js';
import { registerSignRequest } from './commands/sign-request.js';
import { registerReport } from './commands/report.js';
import { packageVersion } from '../stack/package-info.js';
import { CA_FILE_ENV, trustConfiguredAuthorities } from '../tls/client-trust.js';

export function buildProgram(): Command {
  const program = new Command('ledger')
    .description('Shared-records audit ledger: signed events, Kafka order, co-signed hash-chained blocks, offline proofs')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run `ledger --help` for usage)')
    // issue 22: a node's HTTPS certificate from a CA the system does not know (a local stack's
    // <stack>/tls/ca.pem) is trusted when named here or in LEDGER_CA_FILE, for every --api call
    .option('--cacert <file>', `trust this CA certificate (PEM) for HTTPS calls to nodes, beside the system's (or set ${CA_FILE_ENV})`)
    .hook('preAction', (root) => trustConfiguredAuthorities((root.opts() as { cacert?: string }).cacert))
    .exitOverride();
  registerDoctor(program);
  registerKeys(program);
  registerGenesis(program);
  registerNode(program);
  registerUp(program);
  registerBench(program);
  registerKafka(program);
  registerEvent(program);
  registerRebuild(program);
  registerDisclose(program);
  registerDemo(program);
  registerProof(program);
  registerAudit(program);
  registerWitness(program);
  registerExchange(program);
  registerTrail(program);
  registerSignRequest(program);
  registerReport(program);
  return program;
}

/** Prints an error without a stack trace (stack only with LEDGER_DEBUG=1) and returns its exit code. */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // commander already printed the message; --help and --version exit 0
    return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (isLedgerError(e)) {
    process.stderr.write(`error [${e.code}]: ${e.message}\n`);
  } else {
    process.stderr.write(`error [INTERNAL]: ${(e as Error)?.message ?? String(e)}\n`);
  }
  if (process.env.LEDGER_DEBUG === '1' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return exitCodeOf(e);
}
