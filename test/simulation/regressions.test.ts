/**
 * Seeds that once failed in `npm run sim -- --seeds 10000` (its default of 300 fault steps), kept
 * as regression tests with the settings of that run.
 */
import { describe, expect, it } from 'vitest';
import { describeFailures, simulateSeed } from './seeds.js';

const FOUND: Array<{ seed: number; why: string }> = [
  // A wiped node caught up one block per round trip: catch-up dropped the window's answers that
  // arrived ahead of its head, so the chain grew faster than it fetched (liveness, 2026-12-04).
  { seed: 321, why: 'catch-up dropped blocks that arrived ahead of the head (3 nodes)' },
  { seed: 1014, why: 'catch-up dropped blocks that arrived ahead of the head (4 nodes)' },
];

describe('cluster simulation, seeds the long run once failed', () => {
  for (const { seed, why } of FOUND) {
    it(`seed ${seed}: ${why}`, async () => {
      const r = await simulateSeed(seed, { faultSteps: 300 });
      expect(r.violations, describeFailures([r])).toEqual([]);
      // the run did exercise what failed: a wipe, then every offered event committed
      expect(r.faultsInjected.wipe ?? 0).toBeGreaterThan(0);
      expect(r.committedEvents).toBeGreaterThanOrEqual(r.offered);
    });
  }
});
