/**
 * @module cli/commands/report
 * `ledger report (--data DIR [--node N] | --node-dir DIR | --api URL) --from DATE --to DATE
 *  [--department ID] [--format html|json|csv] [--out FILE] [--evidence]`: the sharing performance
 * report (政务信息资源共享绩效评估, issue 25) computed from the committed chain by the one fold
 * of report/report-fold.ts, anchored at the chain's head. Dates are days in China Standard Time
 * (report/report-window.ts). Without --out the report goes to standard output.
 * Exit 0 on success, 2 on bad usage or unreadable input (cli/exit-codes.ts).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HttpChainSource } from '../../api/client.js';
import { LevelDbChainSource } from '../../audit/leveldb-source.js';
import { openNodeDb, resolveNodePaths } from '../../consensus/node-store.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { loadGenesis } from '../../ledger/genesis.js';
import { computeReport } from '../../report/report-chain.js';
import { reportCsv } from '../../report/report-files.js';
import type { SharingReport } from '../../report/report-fold.js';
import { reportHtml } from '../../report/report-html.js';
import { reportWindow } from '../../report/report-window.js';
import type { ChainSource } from '../../verifier/audit-source.js';
import { apiSignerOf } from '../api-signer.js';
import { integerArg, toJsonText } from '../args.js';

export const REPORT_FORMATS = ['html', 'json', 'csv'] as const;

interface ReportCliOptions {
  data?: string;
  node: number;
  nodeDir?: string;
  genesis?: string;
  api?: string;
  key?: string;
  keyid?: string;
  from?: string;
  to?: string;
  department?: string;
  format: string;
  out?: string;
  evidence?: boolean;
}

/** The report in the format asked for. */
export function renderReport(report: SharingReport, format: (typeof REPORT_FORMATS)[number]): string {
  if (format === 'json') return `${toJsonText(report)}\n`;
  if (format === 'csv') return reportCsv(report);
  return reportHtml(report);
}

/**
 * Opens the chain the options name (a node's folder or its API), runs `fn` over it, and closes it.
 * Shared with `ledger audit --report`.
 */
export async function withChainSource<T>(opts: { data?: string; node: number; nodeDir?: string; genesis?: string; api?: string; key?: string; keyid?: string }, fn: (source: ChainSource) => Promise<T>): Promise<T> {
  if (opts.api !== undefined) {
    if (opts.data !== undefined || opts.nodeDir !== undefined) throw new LedgerError('USAGE', 'give --api URL or --data DIR / --node-dir DIR, not both', {});
    return fn(new HttpChainSource(opts.api, apiSignerOf(opts)));
  }
  const { nodeDir, genesisFile } = resolveNodePaths(opts);
  const genesis = loadGenesis(new Uint8Array(readFileSync(genesisFile)));
  const db = await openNodeDb(nodeDir);
  try {
    return await fn(new LevelDbChainSource(db, genesis.bytes));
  } finally {
    await db.close();
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('the sharing performance report (政务信息资源共享绩效评估) from the committed chain: per department, provable figure by figure')
    .option('--data <dir>', 'the stack folder (genesis.bin, nodes/<n>/)')
    .option('--node <n>', 'the node index in --data', integerArg(1, 1000), 1)
    .option('--node-dir <dir>', "a node's own folder (instead of --data)")
    .option('--genesis <file>', 'the genesis file (default: <data>/genesis.bin)')
    .option('--api <url>', "a running node's API instead of a data folder")
    .option('--key <file>', 'with --api on a node in the signed API mode: the auditor department\'s key file (README "Who may read what")')
    .option('--keyid <id>', 'with --key: department/<id>/<key version>')
    .option('--from <date>', 'first day counted (YYYY-MM-DD, China Standard Time)')
    .option('--to <date>', 'last day counted (inclusive)')
    .option('--department <id>', "only this department's figures")
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')}`, 'html')
    .option('--out <file>', 'write the report here (default: standard output)')
    .option('--evidence', 'list the event ids behind every count (json)')
    .action(async (opts: ReportCliOptions) => {
      if (opts.from === undefined || opts.to === undefined) throw new LedgerError('USAGE', 'give the period: --from YYYY-MM-DD --to YYYY-MM-DD', {});
      if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) throw new LedgerError('USAGE', `--format must be one of ${REPORT_FORMATS.join(', ')}, not "${opts.format}"`, { format: opts.format });
      const window = reportWindow(opts.from, opts.to, opts.department);
      const report = await withChainSource(opts, (source) => computeReport(source, window, { evidence: opts.evidence === true }));
      const text = renderReport(report, opts.format as (typeof REPORT_FORMATS)[number]);
      if (opts.out === undefined) {
        process.stdout.write(text);
        return;
      }
      const tmp = `${opts.out}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, opts.out);
      const count = Object.keys(report.figures).length;
      process.stderr.write(`report: ${count} figures for ${report.departments.length} departments at height ${report.anchor.height} written to ${opts.out}\n`);
    });
}
