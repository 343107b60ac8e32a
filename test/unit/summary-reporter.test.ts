/**
 * The closing line of `npm test` (test/summary-reporter.ts): a failed file is a failure in it,
 * always, even when its beforeAll threw and its tests show as skipped (issue 17).
 */
import { describe, expect, it } from 'vitest';
import SummaryReporter from '../summary-reporter.js';

type ModuleLike = Parameters<SummaryReporter['closingLine']>[0][number];

/** A test file with these test states and this file state, shaped as vitest reports it. */
function file(state: 'passed' | 'failed', tests: Array<'passed' | 'failed' | 'skipped'>): ModuleLike {
  return {
    state: () => state,
    children: { allTests: () => tests.map((s) => ({ result: () => ({ state: s }) }))[Symbol.iterator]() },
  } as unknown as ModuleLike;
}

describe('summary reporter closing line', () => {
  const line = (files: ModuleLike[]): string => new SummaryReporter().closingLine(files);

  it('counts passed, failed and skipped tests', () => {
    expect(line([file('passed', ['passed', 'passed', 'skipped']), file('failed', ['passed', 'failed'])])).toBe('Tests: 3 passed, 1 failed, 1 skipped');
  });

  it('a file whose beforeAll failed (its tests skipped) is a failure', () => {
    expect(line([file('passed', ['passed']), file('failed', ['skipped', 'skipped', 'skipped'])])).toBe('Tests: 1 passed, 1 failed, 3 skipped');
  });

  it('a file that failed to load (no tests) is a failure', () => {
    expect(line([file('failed', [])])).toBe('Tests: 0 passed, 1 failed, 0 skipped');
  });
});
