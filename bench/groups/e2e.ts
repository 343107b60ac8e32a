/**
 * @module bench/groups/e2e
 * The whole pipeline on this machine (issue 9): Kafka and three node processes.
 *  - e2e_committed_events_per_s: the topic is filled first, then the three nodes start and the
 *    clock runs until every node has committed every event (saturation: consumption, signature
 *    checks on every node, rules, state tree, votes over ws, atomic commits);
 *  - e2e_latency_p50_ms / p99_ms: events offered at 1,000 per second, from submit (before the
 *    outbox write) to the first status poll that shows them committed on node 1;
 *  - latency_breakdown: node 1's stage durations during that phase (consensus/stage-timings.ts):
 *    Kafka to consumer, consumer to vote, signatures, fold, finish, vote fsync, vote to commit,
 *    commit write, consumer to commit, broker time to commit; p50, p99, mean and count of each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchStatus, startLocalCluster } from '../../stack/local-cluster.js';
import { createKafka } from '../../kafka/client.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import { DepartmentClient, type Payload } from '../../producers/department-client.js';
import type { BenchGroup } from '../types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

export const e2eGroup: BenchGroup = {
  name: 'e2e',
  description: 'Kafka and three node processes: committed events per second at saturation, submit-to-commit latency at 1,000/s',
  pure: false,
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-e2e-'));
    const cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir: join(dir, 'stack'), brokerDir: join(dir, 'kafka'), startNodes: false, log });
    try {
      const kafka = createKafka({ brokers: cluster.brokers });
      const client = await DepartmentClient.open({ kafka, channel: cluster.genesis.genesis.channel, departmentId: 'authority.city', keyVersion: 1, key: loadKeyFile(cluster.layout.authorityKey), stateDir: join(dir, 'outbox') });
      const pk = SigningKey.generate().publicKey;
      let n = 0;
      const next = (): Payload => ({ departmentRegistered: { departmentId: `dept.bench.${n++}`, name: '基准部门', publicKey: pk, rights: { certificateTypeIds: [], resourceIds: [], govern: false } } });
      // 1. saturation: fill the topic, then time the three nodes through it
      const total = quick ? 10_000 : 40_000;
      const queued = [];
      for (let i = 0; i < total; i++) queued.push((await client.enqueue(next())).receipt);
      const last = (await Promise.all(queued)).reduce((m, r) => (r.offset > m ? r.offset : m), 0n);
      log(`e2e: ${total} events in the topic; starting the nodes`);
      const started = performance.now();
      for (const node of cluster.nodes) cluster.startNode(node.index);
      for (;;) {
        const s = await Promise.all(cluster.nodes.map((x) => fetchStatus(x.url)));
        if (s.every((x) => x !== undefined && BigInt(x.committedOffset as string) > last)) break;
        await sleep(50);
      }
      const perSecond = Math.round(total / ((performance.now() - started) / 1000));
      log(`e2e: ${perSecond} committed events/s`);
      // 2. latency at an offered 1,000 events/s
      const seconds = quick ? 5 : 15;
      const latencyPhaseStarted = Date.now();
      const submitted: Array<{ at: number; offset: Promise<bigint> }> = [];
      const t0 = performance.now();
      for (let tick = 0; tick < seconds * 100; tick++) {
        const due = t0 + tick * 10;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        for (let j = 0; j < 10; j++) {
          const at = performance.now();
          const q = await client.enqueue(next());
          submitted.push({ at, offset: q.receipt.then((r) => r.offset) });
        }
      }
      const offsets = await Promise.all(submitted.map((s) => s.offset));
      const lastOffset = offsets.reduce((m, o) => (o > m ? o : m), 0n);
      const committedAt: Array<{ at: number; below: bigint }> = [];
      // poll node 1 until everything is committed; each poll stamps the offsets it newly covers
      for (;;) {
        const s = await fetchStatus(cluster.nodes[0]!.url, 500);
        if (s) committedAt.push({ at: performance.now(), below: BigInt(s.committedOffset as string) });
        if (s && BigInt(s.committedOffset as string) > lastOffset) break;
        await sleep(5);
      }
      const latencies = submitted.map((s, i) => {
        const o = offsets[i]!;
        const c = committedAt.find((x) => x.below > o)!;
        return c.at - s.at;
      });
      latencies.sort((a, b) => a - b);
      await client.close();
      // where the time went on node 1 during the latency phase (consensus/stage-timings.ts)
      const breakdown = (await fetchJson(`${cluster.nodes[0]!.url}/status?since=${latencyPhaseStarted}`)) as { stages?: Record<string, { p50_ms: number; p99_ms: number; mean_ms: number; count: number }> };
      return {
        e2e_committed_events_per_s: perSecond,
        e2e_latency_p50_ms: Math.round(latencies[Math.floor(latencies.length * 0.5)]!),
        e2e_latency_p99_ms: Math.round(latencies[Math.floor(latencies.length * 0.99)]!),
        latency_breakdown: breakdown.stages ?? {},
      };
    } finally {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
