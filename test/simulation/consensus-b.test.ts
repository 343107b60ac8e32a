import { describe, expect, it } from 'vitest';
import { describeFailures, runSeeds } from './seeds.js';

describe('cluster simulation, seeds 111-220 (all faults)', () => {
  it('no invariant breaks and every offered valid event commits after healing', async () => {
    const { failures, results } = await runSeeds(111, 220);
    expect(failures, describeFailures(failures)).toEqual([]);
    expect(results.filter((r) => r.rewrote).length).toBeGreaterThan(10);
    expect(results.filter((r) => (r.faultsInjected.wipe ?? 0) > 0).length).toBeGreaterThan(10);
  });
});
