/**
 * @module bench/groups/e2e
 * The whole pipeline on this machine (issues 9 and 19): Kafka, three node processes and a load
 * generator in a process of its own (bench/load-process.ts).
 *  - e2e_committed_events_per_s: the topic is filled first, then the three nodes start and the
 *    clock runs until every node has committed every event (saturation: consumption, signature
 *    checks on every node, rules, state tree, votes over ws, atomic commits);
 *  - node_cpu_us_per_event: the nodes' CPU time (each whole process: main thread, signature
 *    workers, LevelDB) during that phase, per committed event and node;
 *  - e2e_load: for each offered rate (250, 500, 1,000 and 2,000 events/s), committed events per
 *    second and submit-to-commit latency p50 / p99: from an event's due time on the generator's
 *    schedule (before the outbox write) to the moment node 1's live stream (`/v1/stream`) shows
 *    the block that covers its offset, i.e. visible to the API; and the generator's CPU;
 *  - e2e_p99_ms_at_1000 (the goal figure), e2e_latency_p50_ms / e2e_latency_p99_ms: at 1,000/s;
 *  - latency_breakdown: node 1's stage durations during the 1,000/s phase
 *    (consensus/stage-timings.ts): p50, p99, mean and count of each stage.
 * Times are epoch ms with fractions (performance.timeOrigin + performance.now()) in both processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../../stack/package-info.js';
import { fetchStatus, startLocalCluster } from '../../stack/local-cluster.js';
import type { LoadAnswer, LoadOrder, LoadProcessConfig } from '../load-process.js';
import type { BenchFigure, BenchGroup } from '../types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const epochMs = (): number => performance.timeOrigin + performance.now();
/** The generator runs from dist/ like the nodes (also when this module is loaded from source). */
const LOAD_PROCESS = join(PROJECT_ROOT, 'dist', 'bench', 'load-process.js');
/** The offered rates of the latency phases, events per second. */
const OFFERED_RATES = [250, 500, 1000, 2000];

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/** The load generator process and its one order in flight. */
class LoadGenerator {
  private waiting: ((a: LoadAnswer) => void) | undefined;
  private readonly exited: Promise<void>;
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (a: LoadAnswer) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(a);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.waiting?.({ kind: 'error', message: `the load generator exited with code ${code}` });
      resolve();
    }));
  }

  static async start(config: LoadProcessConfig): Promise<LoadGenerator> {
    const g = new LoadGenerator(fork(LOAD_PROCESS, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await g.order(undefined);
    return g;
  }

  /** Sends an order (none: waits for `ready`) and resolves with its answer. */
  order<K extends LoadAnswer['kind']>(o: LoadOrder | undefined, expect?: K): Promise<Extract<LoadAnswer, { kind: K }>> {
    return new Promise((resolve, reject) => {
      this.waiting = (a) => {
        if (a.kind === 'error') reject(new Error(`load generator: ${a.message}`));
        else if (expect !== undefined && a.kind !== expect) reject(new Error(`load generator answered ${a.kind}, not ${expect}`));
        else resolve(a as Extract<LoadAnswer, { kind: K }>);
      };
      if (o !== undefined) this.child.send(o);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) this.child.send({ kind: 'close' } satisfies LoadOrder);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Node 1's live stream: for each committed block as it arrives, when (epoch ms) and the first
 * offset it does not cover. `coveredAt(o)` is when offset o became visible to the API.
 */
class CommitWatch {
  private readonly seen: Array<{ at: number; below: bigint }> = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type?: string; lastOffset?: string };
      if (m.type === 'header' && m.lastOffset !== undefined) this.seen.push({ at: epochMs(), below: BigInt(m.lastOffset) + 1n });
    });
  }

  static async open(nodeUrl: string): Promise<CommitWatch> {
    const ws = new WebSocket(`${nodeUrl.replace(/^http/, 'ws')}/v1/stream`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new CommitWatch(ws);
  }

  get below(): bigint {
    return this.seen[this.seen.length - 1]?.below ?? 0n;
  }

  /** Resolves once offsets below `offset` are covered (polling the recorded messages). */
  async waitFor(offset: bigint, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.below < offset) {
      if (Date.now() > deadline) throw new Error(`node 1's stream did not show offset ${offset - 1n} committed within ${timeoutMs / 1000} s (at ${this.below})`);
      await sleep(20);
    }
  }

  /** When offset `o` was first covered (binary search over the blocks in arrival order). */
  coveredAt(o: bigint): number {
    let lo = 0;
    let hi = this.seen.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seen[mid]!.below > o) hi = mid;
      else lo = mid + 1;
    }
    return this.seen[lo]!.at;
  }

  close(): void {
    this.ws.terminate();
  }
}

const percentile = (sorted: number[], q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!);

export const e2eGroup: BenchGroup = {
  name: 'e2e',
  description: 'Kafka, three node processes and a load generator process: committed events per second at saturation, submit-to-commit latency at 250 to 2,000 events/s offered',
  pure: false,
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-e2e-'));
    const cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir: join(dir, 'stack'), brokerDir: join(dir, 'kafka'), startNodes: false, log });
    let load: LoadGenerator | undefined;
    let watch: CommitWatch | undefined;
    try {
      load = await LoadGenerator.start({
        brokers: cluster.brokers,
        channel: cluster.genesis.genesis.channel,
        departmentId: 'authority.city',
        keyFile: cluster.layout.authorityKey,
        outboxDir: join(dir, 'outbox'),
      });
      // 1. saturation: fill the topic, then time the three nodes through it
      const total = quick ? 10_000 : 40_000;
      const filled = await load.order({ kind: 'fill', count: total }, 'filled');
      const last = BigInt(filled.lastOffset);
      log(`e2e: ${total} events in the topic (the generator: ${Math.round(total / (filled.wallMs / 1000))} events/s, ${Math.round(filled.cpuMicros / total)} CPU-µs per event); starting the nodes`);
      const started = performance.now();
      for (const node of cluster.nodes) cluster.startNode(node.index);
      let cpuAtStart: number[] | undefined;
      let nodeCpuUsPerEvent = 0;
      for (;;) {
        const s = await Promise.all(cluster.nodes.map((x) => fetchStatus(x.url)));
        // the first status of every node: CPU spent starting (before consuming) is left out
        if (cpuAtStart === undefined && s.every((x) => x !== undefined)) cpuAtStart = s.map((x) => x!.cpuMicros as number);
        if (s.every((x) => x !== undefined && BigInt(x.committedOffset as string) > last)) {
          const cpu = s.map((x, i) => (x!.cpuMicros as number) - (cpuAtStart?.[i] ?? 0));
          nodeCpuUsPerEvent = Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length / total);
          break;
        }
        await sleep(50);
      }
      const perSecond = Math.round(total / ((performance.now() - started) / 1000));
      log(`e2e: ${perSecond} committed events/s, ${nodeCpuUsPerEvent} CPU-µs per event and node`);
      // 2. latency against load, from node 1's live stream
      watch = await CommitWatch.open(cluster.nodes[0]!.url);
      const seconds = quick ? 2 : 12;
      const byRate: Record<string, BenchFigure> = {};
      let at1000: { p50: number; p99: number; stages: Record<string, BenchFigure> } | undefined;
      for (const rate of OFFERED_RATES) {
        const phaseStarted = Date.now();
        const offered = await load.order({ kind: 'offer', rate, seconds }, 'offered');
        const offsets = offered.offsets.map((o) => BigInt(o));
        const lastOffset = offsets.reduce((m, o) => (o > m ? o : m), 0n);
        await watch.waitFor(lastOffset + 1n, 120_000);
        const committedAt = offsets.map((o) => watch!.coveredAt(o));
        const latencies = committedAt.map((c, i) => c - offered.submittedAtMs[i]!).sort((a, b) => a - b);
        const span = (Math.max(...committedAt) - offered.submittedAtMs[0]!) / 1000;
        const figures = {
          offered_events_per_s: rate,
          committed_events_per_s: Math.round(offsets.length / span),
          p50_ms: percentile(latencies, 0.5),
          p99_ms: percentile(latencies, 0.99),
          load_generator_cpu_percent: Math.round((offered.cpuMicros / 1000 / offered.wallMs) * 100),
        };
        byRate[String(rate)] = figures;
        log(`e2e: offered ${rate}/s: committed ${figures.committed_events_per_s}/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms (generator CPU ${figures.load_generator_cpu_percent} %)`);
        if (rate === 1000) {
          // where the time went on node 1 during this phase (consensus/stage-timings.ts)
          const breakdown = (await fetchJson(`${cluster.nodes[0]!.url}/status?since=${phaseStarted}`)) as { stages?: Record<string, BenchFigure> };
          at1000 = { p50: figures.p50_ms, p99: figures.p99_ms, stages: breakdown.stages ?? {} };
        }
      }
      return {
        e2e_committed_events_per_s: perSecond,
        node_cpu_us_per_event: nodeCpuUsPerEvent,
        e2e_p99_ms_at_1000: at1000!.p99,
        e2e_latency_p50_ms: at1000!.p50,
        e2e_latency_p99_ms: at1000!.p99,
        e2e_load: byRate,
        latency_breakdown: at1000!.stages,
      };
    } finally {
      watch?.close();
      await load?.close().catch(() => undefined);
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
