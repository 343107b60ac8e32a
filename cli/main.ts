#!/usr/bin/env node
/** @module cli/main  Entry point of the `ledger` bin (runs from dist/, never from .ts). */
import { buildProgram, reportError } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e);
}
