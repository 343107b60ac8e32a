/**
 * @module cli/commands/rebuild
 * `ledger rebuild --data DIR [--node N] | --node-dir DIR [--genesis FILE] [--apply] [--json]`:
 * replays a stopped node's chain from block 1 into a fresh state and projection area, checks every
 * header's state root, compares the rebuilt state and projections with the stored ones, and with
 * `--apply` (only when every state root matched) writes the differences in one atomic batch
 * (replay/rebuild.ts; DESIGN.md sections 9 and 11). Exit 0 when everything matched (or was
 * repaired with --apply), 1 on a state-root or result mismatch or a difference left unrepaired.
 * A progress bar is shown on stderr when it is a terminal; `--json` prints the report for scripts.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { rebuild, type RebuildProgress, type RebuildReport } from '../../replay/rebuild.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { EXIT } from '../exit-codes.js';
import { loadGenesis } from '../../ledger/genesis.js';
import { openNodeDb, resolveNodePaths } from '../../consensus/node-store.js';
import { integerArg, toJsonText } from '../args.js';
import { replayProgressBar } from '../replay-progress.js';
import { openScratchArea } from '../../replay/scratch-area.js';

interface RebuildCliOptions {
  data?: string;
  node: number;
  nodeDir?: string;
  genesis?: string;
  apply?: boolean;
  json?: boolean;
}

function summary(r: RebuildReport): string {
  const lines = [
    `replayed ${r.blocks} of ${r.head} blocks, ${r.events} events in ${r.seconds.toFixed(1)} s (${r.eventsPerSecond} events/s); ${r.cpuSeconds.process.toFixed(1)} CPU s; ${r.writes.written} LevelDB writes (${r.writes.perEvent} per event) in ${r.writes.flushes} batches`,
  ];
  if (r.firstMismatch !== null) {
    const m = r.firstMismatch;
    lines.push(`MISMATCH at height ${m.height}: ${m.what} (header/block says ${m.expected}, the replay gives ${m.found}); the replay stopped there`);
    return lines.join('\n');
  }
  lines.push('every header state_root reproduced');
  if (r.differences === 0) lines.push('the stored state and projections are identical to the rebuilt ones');
  else {
    lines.push(`${r.differences} difference(s) between the stored and the rebuilt data: ${Object.entries(r.byTable).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    const d = r.firstDifference!;
    lines.push(`first: ${d.table} key ${d.key}`);
    lines.push(`  expected ${d.expected ?? '(absent)'}`);
    lines.push(`  found    ${d.found ?? '(absent)'}`);
    if (d.changedBy !== null) lines.push(`  last changed by event ${d.changedBy.eventId ?? '?'} at height ${d.changedBy.height}, index ${d.changedBy.index}`);
    lines.push(r.applied ? 'applied: the stored data now equals the rebuilt data' : 'run again with --apply to replace them with the rebuilt ones');
  }
  return lines.join('\n');
}

export function registerRebuild(program: Command): void {
  program
    .command('rebuild')
    .description("replay a stopped node's chain from block 1: check every state root, compare the state and projections, repair with --apply")
    .option('--data <dir>', 'the stack folder (genesis.bin, nodes/<n>/)')
    .option('--node <n>', 'the node index in --data', integerArg(1, 1000), 1)
    .option('--node-dir <dir>', "a node's own folder (instead of --data)")
    .option('--genesis <file>', 'the genesis file (default: <data>/genesis.bin, or two folders above --node-dir)')
    .option('--apply', 'write the rebuilt state and projections (one atomic batch) when every state root matched')
    .option('--json', 'print the report as JSON')
    .action(async (opts: RebuildCliOptions) => {
      const { nodeDir, genesisFile } = resolveNodePaths(opts);
      let genesisBytes: Uint8Array;
      try {
        genesisBytes = new Uint8Array(readFileSync(genesisFile));
      } catch (e) {
        throw new LedgerError('FILE_UNREADABLE', `cannot read ${genesisFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: genesisFile });
      }
      const genesis = loadGenesis(genesisBytes);
      const db = await openNodeDb(nodeDir, { multithreading: true }); // the comparison's reader threads share it
      // beside the node's folder; where none can be made, the node database's own `rebuild` sublevel
      const scratch = await openScratchArea(nodeDir).catch(() => undefined);
      // The bar only on a terminal: scripts and logs get the report alone.
      const bar = replayProgressBar('rebuild', process.stderr.isTTY && !opts.json);
      const onProgress = (p: RebuildProgress) => bar.update(p);
      let report: RebuildReport;
      try {
        report = await rebuild({ db, genesis, ...(scratch !== undefined ? { area: scratch.db } : {}), apply: opts.apply === true, onProgress });
      } finally {
        bar.stop();
        await scratch?.remove();
        await db.close();
      }
      process.stdout.write(opts.json ? `${toJsonText(report)}\n` : `${summary(report)}\n`);
      if (!report.ok) process.exitCode = EXIT.FAILED_CHECK;
    });
}
