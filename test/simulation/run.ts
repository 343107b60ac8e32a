/**
 * `npm run sim -- --seeds N [--seed S] [--nodes 3|4] [--steps N] [--bug sign-two-headers|skip-persisted-vote] [--verbose]`:
 * runs the cluster simulation over many seeds, or replays one seed exactly.
 */
import { parseArgs } from 'node:util';
import { ClusterSim, type PlantedBug } from './cluster.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    seed: { type: 'string' },
    nodes: { type: 'string' },
    steps: { type: 'string', default: '300' },
    bug: { type: 'string', default: 'none' },
    verbose: { type: 'boolean', default: false },
  },
});

const seeds = values.seed !== undefined ? [Number(values.seed)] : Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
let failed = 0;
let passed = 0;
for (const seed of seeds) {
  const nodes = values.nodes ? (Number(values.nodes) as 3 | 4) : seed % 2 === 0 ? 4 : 3;
  const sim = new ClusterSim({ seed, nodes, faultSteps: Number(values.steps), livenessSteps: 200, plantedBug: values.bug as PlantedBug });
  const r = await sim.run();
  if (r.violations.length > 0) {
    failed++;
    console.log(`seed ${seed} (${nodes} nodes): FAIL ${r.violations.join('; ')}`);
  } else passed++;
  if (values.verbose || values.seed !== undefined) {
    console.log(`seed ${seed}: height ${r.committedHeight}, ${r.committedEvents} events committed of ${r.offered} offered, ${r.steps} steps, rewrote=${r.rewrote}, faults ${JSON.stringify(r.faultsInjected)}`);
    for (const a of r.alarms) console.log(`  alarm ${a.kind} at ${a.height}: ${a.message}`);
    if (values.verbose && r.violations.length > 0) for (const line of sim.trace) console.log(`  ${line}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
