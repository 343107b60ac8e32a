/**
 * `npm run chaos -- --events N --faults LIST [--seed S] [--rate R] [--hold-ms MS] [--data DIR] [--json FILE]`:
 * the fault campaign of issue 26 (chaos/campaign.ts; this is its command line) on a production-shaped rig of three brokers
 * and three nodes in their own network namespaces. Needs root, iproute2 and Java. Prints the
 * figures; exit 0 when nothing that must never happen happened, 1 otherwise.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LedgerError } from '../errors/ledger-error.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { describeResult, FAULTS, parseFaults, runCampaign } from '../chaos/campaign.js';
import { removeStaleTopologies } from '../chaos/topology.js';

function positive(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new LedgerError('BAD_ARGUMENT', `${what} must be a positive integer, got "${text}"`);
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '2000' },
      faults: { type: 'string', default: 'all' },
      seed: { type: 'string', default: '1' },
      rate: { type: 'string', default: '250' },
      'hold-ms': { type: 'string', default: '4000' },
      data: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const faults = parseFaults(values.faults);
  const events = positive(values.events, '--events');
  const seed = positive(values.seed, '--seed');
  const rate = positive(values.rate, '--rate');
  const holdMs = positive(values['hold-ms'], '--hold-ms');
  const dataDir = values.data ? resolve(values.data) : mkdtempSync(join(tmpdir(), 'ledger-chaos-'));
  const stale = removeStaleTopologies();
  if (stale.length) console.log(`removed namespaces a killed run left: ${stale.join(', ')}`);
  console.log(`chaos: ${events} events at ${rate}/s, faults ${faults.join(',')} (of ${FAULTS.length}), seed ${seed}, data ${dataDir}`);
  const result = await runCampaign({ dataDir, events, faults, seed, rate, holdMs, log: (l) => console.log(`${new Date().toISOString()} ${l}`) });
  console.log(describeResult(result));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  process.exitCode = result.ok ? EXIT.OK : EXIT.FAILED_CHECK;
}

main().catch((e) => {
  const code = e instanceof LedgerError ? e.code : 'INTERNAL';
  console.error(`error [${code}]: ${(e as Error).message}`);
  process.exitCode = exitCodeOf(e);
});
