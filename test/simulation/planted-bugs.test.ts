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
  // The window of outstanding heights (issue 19). A vote store that keeps only the latest vote
  // forgets the lower ones of a window: a node restarting with several outstanding signs a second
  // header at one of them once the log changed under it. A node that commits the highest cut with
  // a quorum first, not in height order, writes a block that does not follow its head. Neither can
  // happen with a window of 1, so these are caught only because the cores run with wider windows.
  it('forget-outstanding-votes: some seed of 1-40 reports two votes for one height', async () => {
    const { failures } = await runSeeds(1, 40, 'forget-outstanding-votes', { wipe: false });
    expect(failures.some((f) => f.violations.some((v) => /sent votes for two headers/.test(v)))).toBe(true);
  });
  it('commit-out-of-order: some seed of 1-20 reports a block committed before the one under it', async () => {
    const { failures } = await runSeeds(1, 20, 'commit-out-of-order');
    expect(failures.some((f) => f.violations.some((v) => /does not follow the head/.test(v)))).toBe(true);
  });
  it('the same seeds pass without the bug', async () => {
    const { failures } = await runSeeds(1, 40, 'none', { wipe: false });
    expect(failures).toEqual([]);
  });
});
