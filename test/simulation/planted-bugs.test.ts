import { describe, expect, it } from 'vitest';
import { runSeeds } from './seeds.js';

// A node that ignores its persisted vote, or never persists it, signs a second header for a height
// once the records under that height change (a rewrite of the log's uncommitted tail): the
// simulation must catch both within the seeds the suite runs.
describe('planted bugs are caught', () => {
  for (const bug of ['sign-two-headers', 'skip-persisted-vote'] as const) {
    it(`${bug}: some seed of 1-40 reports two votes for one height`, async () => {
      const { failures } = await runSeeds(1, 40, bug, { wipe: false });
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.some((f) => f.violations.some((v) => /sent votes for two headers/.test(v)))).toBe(true);
    });
  }
  it('the same seeds pass without the bug', async () => {
    const { failures } = await runSeeds(1, 40, 'none', { wipe: false });
    expect(failures).toEqual([]);
  });
});
