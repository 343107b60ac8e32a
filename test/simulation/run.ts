/**
 * `npm run sim -- --seeds N [--seed S] [--nodes 3|4] [--steps N] [--bug <planted bug>] [--window W]
 * [--jobs J] [--verbose]`: runs the cluster simulation over many seeds, or replays one seed exactly.
 *
 * Every seed is an independent deterministic run, so a long campaign is split over J worker threads
 * (default: one per core); the verdict and the failures printed do not depend on J (failures are
 * listed in seed order at the end).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ClusterSim, PLANTED_BUGS, voteWindowOfSeed, type PlantedBug } from './cluster.js';

const USAGE = `usage: npm run sim -- [--seeds N | --seed S] [--nodes 3|4] [--steps N] [--bug <bug>] [--window W] [--jobs J] [--verbose]
  --seeds N    run seeds 1..N (default 100)
  --seed S     replay one seed and print its run
  --nodes      3 or 4 nodes (default: 4 for even seeds, 3 for odd)
  --steps N    fault steps per seed (default 300)
  --bug        plant a bug the simulation must catch: ${PLANTED_BUGS.join(', ')}
  --window W   the cores' window of outstanding heights (default: 4, every fifth seed 1, every fifth 2)
  --jobs J     worker threads (default: one per core, at most the number of seeds)
  --verbose    print every seed's run, and the trace of a failing one`;

interface RunSettings {
  nodes?: 3 | 4;
  window?: number;
  steps: number;
  bug: PlantedBug;
  verbose: boolean;
  single: boolean;
}

interface SeedReport {
  seed: number;
  ok: boolean;
  /** What to print for this seed (failure line, and the run when verbose or replaying one seed). */
  lines: string[];
}

async function runSeed(seed: number, s: RunSettings): Promise<SeedReport> {
  const nodes = s.nodes ?? (seed % 2 === 0 ? 4 : 3);
  const sim = new ClusterSim({ seed, nodes, faultSteps: s.steps, livenessSteps: 200, plantedBug: s.bug, voteWindow: s.window ?? voteWindowOfSeed(seed) });
  const r = await sim.run();
  const lines: string[] = [];
  const ok = r.violations.length === 0;
  if (!ok) lines.push(`seed ${seed} (${nodes} nodes): FAIL ${r.violations.join('; ')}`);
  if (s.verbose || s.single) {
    lines.push(`seed ${seed}: height ${r.committedHeight}, ${r.committedEvents} events committed of ${r.offered} offered, ${r.steps} steps, rewrote=${r.rewrote}, faults ${JSON.stringify(r.faultsInjected)}`);
    for (const a of r.alarms) lines.push(`  alarm ${a.kind} at ${a.height}: ${a.message}`);
    if (s.verbose && !ok) for (const line of sim.trace) lines.push(`  ${line}`);
  }
  return { seed, ok, lines };
}

function fail(message: string): never {
  console.error(`sim: ${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name: string, text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) fail(`${name} must be a positive integer, got '${text}'`);
  return Number(text);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        seeds: { type: 'string', default: '100' },
        seed: { type: 'string' },
        nodes: { type: 'string' },
        window: { type: 'string' },
        steps: { type: 'string', default: '300' },
        bug: { type: 'string', default: 'none' },
        jobs: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!PLANTED_BUGS.includes(values.bug as PlantedBug)) fail(`--bug must be one of ${PLANTED_BUGS.join(', ')}, got '${values.bug}'`);
  if (values.nodes !== undefined && values.nodes !== '3' && values.nodes !== '4') fail(`--nodes must be 3 or 4, got '${values.nodes}'`);
  const settings: RunSettings = {
    ...(values.window !== undefined ? { window: positiveInt('--window', values.window) } : {}),
    nodes: values.nodes === undefined ? undefined : (Number(values.nodes) as 3 | 4),
    steps: positiveInt('--steps', values.steps),
    bug: values.bug as PlantedBug,
    verbose: values.verbose,
    single: values.seed !== undefined,
  };
  const seeds = values.seed !== undefined ? [positiveInt('--seed', values.seed)] : Array.from({ length: positiveInt('--seeds', values.seeds) }, (_, i) => i + 1);
  const jobs = Math.min(seeds.length, values.jobs !== undefined ? positiveInt('--jobs', values.jobs) : availableParallelism());

  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const reports: SeedReport[] = [];
  const progressEvery = Math.max(100, Math.floor(seeds.length / 20));
  const onReport = (r: SeedReport) => {
    reports.push(r);
    // Failures and verbose runs print as they come; the closing list repeats failures in seed order.
    for (const line of r.lines) console.log(line);
    if (seeds.length >= 1000 && reports.length % progressEvery === 0) {
      const failedSoFar = reports.filter((x) => !x.ok).length;
      console.error(`sim: ${reports.length}/${seeds.length} seeds, ${failedSoFar} failed, ${elapsedSeconds(started)} s`);
    }
  };

  if (jobs <= 1) {
    for (const seed of seeds) onReport(await runSeed(seed, settings));
  } else {
    // Seeds are dealt round-robin so each worker gets a mix of 3- and 4-node runs.
    const shares: number[][] = Array.from({ length: jobs }, () => []);
    seeds.forEach((seed, i) => shares[i % jobs]!.push(seed));
    await Promise.all(
      shares.map(
        (share) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(new URL(import.meta.url), { workerData: { seeds: share, settings } });
            worker.on('message', (r: SeedReport) => onReport(r));
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a simulation worker exited with code ${code}`))));
          }),
      ),
    );
  }

  const failures = reports.filter((r) => !r.ok).sort((a, b) => a.seed - b.seed);
  if (failures.length > 0 && seeds.length > 1) {
    console.log(`failing seeds (replay one with --seed S --verbose): ${failures.map((f) => f.seed).join(', ')}`);
  }
  const cpu = process.cpuUsage(cpuStarted);
  console.log(`${reports.length - failures.length} passed, ${failures.length} failed`);
  if (seeds.length > 1) console.error(`sim: ${seeds.length} seeds on ${jobs} thread(s) in ${elapsedSeconds(started)} s wall, ${Math.round((cpu.user + cpu.system) / 1e6)} s CPU`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

function elapsedSeconds(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e9);
}

async function workerMain(): Promise<void> {
  const { seeds, settings } = workerData as { seeds: number[]; settings: RunSettings };
  for (const seed of seeds) parentPort!.postMessage(await runSeed(seed, settings));
}

if (isMainThread) await main();
else await workerMain();
