/**
 * The projections under the cluster simulation's faults (crashes and restarts, wipes, lost and
 * reordered votes, peer catch-up): written in each commit batch through the core's hook, so on
 * every node they stand at its chain head, and nodes at the same head hold the same bytes
 * (checked by ClusterSim.checkProjections at the end of each run).
 */
import { describe, expect, it } from 'vitest';
import { ClusterSim } from './cluster.js';

describe('projections in the cluster simulation', () => {
  it('stand at every node\'s head and agree across nodes, over 12 seeds', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = await new ClusterSim({ seed, nodes: seed % 2 === 0 ? 4 : 3, faultSteps: 300, livenessSteps: 200 }).run();
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(r.committedHeight, `seed ${seed}`).toBeGreaterThan(0n);
    }
  });
});
