/** Runs a range of simulation seeds and returns the failures (shared by the test files). */
import { ClusterSim, type PlantedBug, type SimResult } from './cluster.js';

export const FAULT_STEPS = 200;
export const LIVENESS_STEPS = 200;

export async function runSeeds(from: number, to: number, bug: PlantedBug = 'none', faults?: ConstructorParameters<typeof ClusterSim>[0]['faults']): Promise<{ failures: SimResult[]; results: SimResult[] }> {
  const results: SimResult[] = [];
  for (let seed = from; seed <= to; seed++) results.push(await simulateSeed(seed, { plantedBug: bug, ...(faults ? { faults } : {}) }));
  return { failures: results.filter((r) => r.violations.length > 0), results };
}

/** One seed as the suite runs it (4 nodes for even seeds, 3 for odd), with `over` changing the defaults. */
export function simulateSeed(seed: number, over: Partial<ConstructorParameters<typeof ClusterSim>[0]> = {}): Promise<SimResult> {
  return new ClusterSim({ seed, nodes: seed % 2 === 0 ? 4 : 3, faultSteps: FAULT_STEPS, livenessSteps: LIVENESS_STEPS, plantedBug: 'none', ...over }).run();
}

export function describeFailures(failures: SimResult[]): string {
  return failures.map((f) => `seed ${f.seed}: ${f.violations.join('; ')} (replay: npm run sim -- --seed ${f.seed} --steps ${FAULT_STEPS} --verbose)`).join('\n');
}
