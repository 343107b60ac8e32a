/**
 * A vitest reporter that ends the run with one plain line, `Tests: N passed, N failed, N skipped`,
 * which CI reads to know how many tests ran.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  /** The closing line for these files: every test counted once, and every failed file counted as a failure. */
  closingLine(testModules: ReadonlyArray<Pick<TestModule, 'state' | 'children'>>): string {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A failed file is a failure even when none of its tests failed: a file that failed to load
      // has no tests, and one whose beforeAll threw shows its tests as skipped (issue 17).
      if (m.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    return `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    process.stdout.write(`\n${this.closingLine(testModules)}\n`);
  }
}
