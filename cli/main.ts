#!/usr/bin/env node
/** @module cli/main  Entry point of the `ledger` bin (runs from dist/, never from .ts). */
import { buildProgram, reportError } from './program.js';
import { needsReplayHeap, runWithReplayHeap } from './replay-heap.js';

try {
  // the replay commands run with a larger young generation (cli/replay-heap.ts)
  if (needsReplayHeap(process.argv.slice(2), process.execArgv, process.env)) process.exitCode = await runWithReplayHeap();
  else await buildProgram().parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e);
}
