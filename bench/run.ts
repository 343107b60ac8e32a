/**
 * @module bench/run
 * `npm run bench -- [--json] [--quick] [--only GROUP]` (= `ledger bench`, cli/commands/bench.ts): runs the benchmark groups and prints one
 * flat JSON object (`schema`, `machine`, `quick`, then one key per figure, then
 * `load_average_1m` at the start and the end of the run), or a table.
 * `--quick` keeps the whole run within 5 minutes.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { LedgerError } from '../errors/ledger-error.js';
import { apiGroup } from './groups/api.js';
import { cryptoGroup } from './groups/crypto.js';
import { e2eGroup } from './groups/e2e.js';
import { merkleGroup } from './groups/merkle.js';
import { producerGroup } from './groups/producer.js';
import { rebuildGroup } from './groups/rebuild.js';
import { stateGroup } from './groups/state.js';
import { bundleGroup } from './groups/bundle.js';
import { auditGroup } from './groups/audit.js';
import { reportGroup } from './groups/report.js';
import { exchangeGroup } from './groups/exchange.js';
import type { BenchGroup } from './types.js';

export const BENCH_SCHEMA = 1;
export const GROUPS: BenchGroup[] = [cryptoGroup, merkleGroup, stateGroup, rebuildGroup, producerGroup, e2eGroup, bundleGroup, auditGroup, reportGroup, apiGroup, exchangeGroup];

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  only: string[];
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new LedgerError('USAGE', `bench: ${(e as Error).message}`);
  }
  const only = (parsed.values.only ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  for (const name of only) {
    if (!GROUPS.some((g) => g.name === name)) {
      throw new LedgerError('USAGE', `bench: unknown group "${name}"; groups are ${GROUPS.map((g) => g.name).join(', ')}`, { group: name });
    }
  }
  return { json: parsed.values.json ?? false, quick: parsed.values.quick ?? false, only };
}

export async function runBench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const groups = opts.only.length > 0 ? GROUPS.filter((g) => opts.only.includes(g.name)) : GROUPS;
  const cpu = cpus();
  const result: Record<string, unknown> = {
    schema: BENCH_SCHEMA,
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, node: process.version, nodeOptions: process.execArgv },
    quick: opts.quick,
  };
  // the figures of a loaded machine are not an idle machine's: say how loaded it was
  const loadAtStart = loadavg()[0]!;
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  for (const g of groups) {
    log(`${g.name}: ${g.description}`);
    const t = performance.now();
    const figures = await g.run({ quick: opts.quick, log });
    Object.assign(result, figures);
    log(`${g.name}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  result.load_average_1m = { start: Number(loadAtStart.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) };
  return result;
}

export function formatTable(result: Record<string, unknown>): string {
  return Object.entries(result)
    .map(([k, v]) => `${k.padEnd(34)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}
