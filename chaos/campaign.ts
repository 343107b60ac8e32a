/**
 * @module chaos/campaign
 * The fault campaign (issue 26): a department publishes `events` events at a steady rate into the
 * production-shaped rig (chaos/rig.ts) while faults are injected one after another, spread over the
 * load. After each fault heals, the campaign waits for recovery (every node back, committing past
 * what the most advanced node had committed when the fault healed) and runs the live invariant
 * check (chaos/invariants.ts). At the end it waits for every acknowledged event to commit, stops the
 * nodes and checks their copies. The figures: events submitted, acknowledged, committed, lost,
 * duplicated; chains identical; recovery time per fault; halts (exit 8) and forks.
 */
import { join } from 'node:path';
import { setTimeout as sleep, setTimeout as sleepMs } from 'node:timers/promises';
import { toHex } from '../ledger/bytes.js';
import { loadKeyFile } from '../ledger/key-file.js';
import { LedgerError } from '../errors/ledger-error.js';
import { createKafka } from '../kafka/client.js';
import { DepartmentClient, type Receipt } from '../producers/department-client.js';
import { loadPayload } from '../producers/load.js';
import { finalCheck, LiveChecker, nodeView, type FinalReport, type Violation } from './invariants.js';
import { nodeLogTail, startRig, wipeNodeData, type Rig } from './rig.js';

/** Every fault the campaign knows, in the order of the issue. */
export const FAULTS = [
  'kill-node', // SIGKILL a node, restart it
  'stop-node', // SIGSTOP a node (a slow node), then SIGCONT
  'wipe-node', // stop a node, delete its data, restart: it rebuilds from its peers
  'kill-leader-broker', // SIGKILL the broker leading the channel's partition, restart it
  'kill-two-brokers', // SIGKILL the leader and a second broker: min ISR refuses writes; restart both
  'isolate-node', // cut a node from every other host, then heal
  'cut-kafka', // cut every node from every broker, then heal
  'clock-skew', // restart a node with its wall clock 10 minutes ahead, later back
  'slow-link', // a node's links throttled to a slow, lossy line, then restored
] as const;
export type Fault = (typeof FAULTS)[number];

export function parseFaults(text: string): Fault[] {
  if (text === 'all') return [...FAULTS];
  const list = text.split(',').map((f) => f.trim()).filter((f) => f !== '');
  for (const f of list) {
    if (!(FAULTS as readonly string[]).includes(f)) throw new LedgerError('BAD_ARGUMENT', `unknown fault "${f}": use all, or a comma-separated list of ${FAULTS.join(', ')}`, { fault: f });
  }
  if (list.length === 0) throw new LedgerError('BAD_ARGUMENT', '--faults is empty');
  return list as Fault[];
}

export interface CampaignOptions {
  dataDir: string;
  events: number;
  faults: Fault[];
  /** Chooses the node each fault hits (default 1). */
  seed?: number;
  /** Events per second the department publishes (default 250). */
  rate?: number;
  /** How long a fault lasts before it heals (default 4 s). */
  holdMs?: number;
  /** Allowance for recovery after each fault (default 180 s). */
  recoveryTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FaultFigure {
  fault: Fault;
  target: string;
  /** Events submitted when it struck. */
  atEvent: number;
  /** From healing until every node runs and has committed past the mark (ms). */
  recoveryMs: number | null;
  violations: Violation[];
}

export interface CampaignResult {
  events: { submitted: number; acknowledged: number; committed: number; lost: number; duplicated: number };
  chainsIdentical: boolean;
  heads: string[];
  faults: FaultFigure[];
  /**
   * Node runs that ended on their own (not by the campaign's signals), with their exit codes: 8 is
   * a halt on divergence (DESIGN.md section 8), which is how a node must refuse rather than fork.
   */
  nodeExits: Array<{ node: number; code: number | null }>;
  forks: number;
  equivocations: number;
  violations: Violation[];
  elapsedMs: number;
  ok: boolean;
}

/** A small deterministic generator (mulberry32) for the fault targets: the same seed, the same plan. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs the campaign end to end (rig up, load with faults, final check, rig down).
 * @throws LedgerError MISSING_PREREQUISITE (not root, no ip/tc, java), TIMEOUT (no recovery)
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? (() => undefined);
  const rig = await startRig({ dataDir: options.dataDir, log });
  try {
    return await campaignOn(rig, options);
  } catch (e) {
    for (const n of rig.nodes) log(`--- node ${n.index} log tail ---\n${nodeLogTail(rig, n.index)}`);
    throw e;
  } finally {
    await rig.stop();
  }
}

/** The publishing department and what it has been acknowledged. */
export class Publisher {
  readonly acked: Array<{ id: string; offset: bigint }> = [];
  submitted = 0;
  /** The publisher stops before this many events until the campaign raises it (faults strike under load). */
  allowedThrough = Infinity;
  private constructor(readonly client: DepartmentClient) {}

  static async open(rig: Rig): Promise<Publisher> {
    const kafka = createKafka({ brokers: rig.brokers, clientId: 'chaos-publisher' });
    const client = await DepartmentClient.open({
      kafka,
      channel: rig.genesis.genesis.channel,
      departmentId: 'authority.city',
      keyVersion: 1,
      key: loadKeyFile(rig.layout.authorityKey),
      stateDir: join(rig.dataDir, 'outbox'),
    });
    return new Publisher(client);
  }

  /** Publishes `count` more events at `rate` per second; resolves when all are acknowledged. */
  async publish(count: number, rate: number, onProgress?: () => void): Promise<void> {
    const began = performance.now();
    const start = this.submitted;
    const receipts: Promise<void>[] = [];
    const chunk = Math.max(1, Math.ceil(rate / 20));
    let paused = 0;
    for (let i = 0; i < count; i += chunk) {
      while (this.submitted >= this.allowedThrough) {
        await sleep(50);
        paused += 50;
      }
      const due = began + paused + (i / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      // back-pressure while Kafka refuses writes (min ISR): producers wait, they never drop
      while (this.client.unacknowledged > 5 * rate) await sleep(50);
      for (let j = i; j < Math.min(count, i + chunk); j++) {
        const q = await this.client.enqueue(loadPayload('authority.city', BigInt(start + j + 1)));
        this.submitted++;
        receipts.push(q.receipt.then((r: Receipt) => void this.acked.push({ id: toHex(r.eventId), offset: r.offset })));
      }
      onProgress?.();
    }
    await Promise.all(receipts);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Every node answers, none halted, and each has committed at or past `mark`. */
async function recovered(rig: Rig, mark: bigint): Promise<boolean> {
  const views = await Promise.all(rig.nodes.map((n) => nodeView(n.url, n.index)));
  return views.every((v) => v !== undefined && v.committedOffset >= mark && v.phase !== 'halted');
}

async function highestAckedOffset(publisher: Publisher): Promise<bigint> {
  return publisher.acked.reduce((m, a) => (a.offset > m ? a.offset : m), -1n);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new LedgerError('TIMEOUT', `timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new LedgerError('TIMEOUT', `timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * Injects one fault, holds it for `holdMs`, heals it; returns a description of the target and the
 * time the healing began (recovery is measured from there).
 */
export async function injectFault(rig: Rig, fault: Fault, node: number, holdMs: number, log: (l: string) => void, onHeal: () => void = () => undefined): Promise<{ target: string; healedAt: number }> {
  let healedAt = 0;
  const sleep = async (ms: number) => {
    await sleepMs(ms);
    healedAt = Date.now();
    onHeal();
  };
  const target = await strike(rig, fault, node, log, sleep, holdMs);
  return { target, healedAt };
}

async function strike(rig: Rig, fault: Fault, node: number, log: (l: string) => void, sleep: (ms: number) => Promise<void>, holdMs: number): Promise<string> {
  const host = rig.nodes[node - 1]!.host;
  switch (fault) {
    case 'kill-node':
      await rig.stopNode(node, 'SIGKILL');
      await sleep(holdMs);
      rig.startNode(node);
      return `node ${node}`;
    case 'stop-node':
      rig.signalNode(node, 'SIGSTOP');
      await sleep(holdMs);
      rig.signalNode(node, 'SIGCONT');
      return `node ${node}`;
    case 'wipe-node':
      await rig.stopNode(node);
      wipeNodeData(rig, node);
      await sleep(0);
      rig.startNode(node);
      return `node ${node}`;
    case 'kill-leader-broker': {
      const leader = (await rig.partitionLeader()) ?? 1;
      rig.killBroker(leader);
      await sleep(holdMs);
      await rig.restartBroker(leader);
      return `broker ${leader} (leader)`;
    }
    case 'kill-two-brokers': {
      const leader = (await rig.partitionLeader()) ?? 1;
      const second = (leader % 3) + 1;
      rig.killBroker(leader);
      rig.killBroker(second);
      log(`  brokers ${leader} and ${second} killed: one in-sync replica left, below min.insync.replicas 2; writes must wait`);
      await sleep(holdMs);
      // both restart together: each needs the other for the controller quorum
      await Promise.all([rig.restartBroker(leader), rig.restartBroker(second)]);
      return `brokers ${leader} (leader) and ${second}`;
    }
    case 'isolate-node':
      rig.topology.isolate(host);
      await sleep(holdMs);
      rig.topology.rejoin(host);
      return `node ${node}`;
    case 'cut-kafka':
      for (const n of rig.nodes) for (const b of ['b1', 'b2', 'b3']) rig.topology.cut(n.host, b);
      await sleep(holdMs);
      for (const n of rig.nodes) for (const b of ['b1', 'b2', 'b3']) rig.topology.heal(n.host, b);
      return 'all nodes from all brokers';
    case 'clock-skew':
      await rig.stopNode(node);
      rig.startNode(node, { clockSkewMs: 10 * 60_000 });
      await sleep(holdMs * 2);
      await rig.stopNode(node);
      rig.startNode(node);
      return `node ${node} (+10 min)`;
    case 'slow-link':
      for (const other of [...rig.topology.hosts.keys()].filter((h) => h !== host)) {
        rig.topology.shape(host, other, { rateKbit: 512, queuePackets: 30 });
        rig.topology.shape(other, host, { rateKbit: 512, queuePackets: 30 });
      }
      await sleep(holdMs * 2);
      rig.topology.healAll();
      return `node ${node} (512 kbit/s, 30-packet queues)`;
  }
}

/** The campaign on a running rig (tests call this to share one rig between cases). */
export async function campaignOn(rig: Rig, options: Omit<CampaignOptions, 'dataDir'>): Promise<CampaignResult> {
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const rate = options.rate ?? 250;
  const holdMs = options.holdMs ?? 4_000;
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 180_000;
  const random = prng(options.seed ?? 1);
  for (const n of rig.nodes) if (n.child === undefined || n.child.exitCode !== null) rig.startNode(n.index);
  await waitUntil(async () => (await Promise.all(rig.nodes.map((n) => nodeView(n.url, n.index)))).every((v) => v?.phase === 'consuming'), 120_000, 'three nodes consuming');

  const publisher = await Publisher.open(rig);
  const checker = new LiveChecker();
  const figures: FaultFigure[] = [];
  try {
    const slot = Math.floor(options.events / (options.faults.length + 1));
    // each fault strikes at its slot and the load runs on through it, up to the next slot
    publisher.allowedThrough = options.faults.length > 0 ? 2 * slot : Infinity;
    const publishing = publisher.publish(options.events, rate);
    let failed: unknown;
    publishing.catch((e) => (failed = e));
    for (const [i, fault] of options.faults.entries()) {
      await waitUntil(async () => failed !== undefined || publisher.submitted >= slot * (i + 1) || publisher.submitted >= options.events, 600_000, `${slot * (i + 1)} events submitted`);
      if (failed) throw failed;
      const node = 1 + Math.floor(random() * rig.nodes.length);
      const atEvent = publisher.submitted;
      log(`fault ${i + 1}/${options.faults.length}: ${fault} at event ${atEvent}`);
      const ackedBefore = publisher.acked.length;
      let ackedAtHeal = 0;
      const { target, healedAt } = await injectFault(rig, fault, node, holdMs, log, () => (ackedAtHeal = publisher.acked.length));
      log(`  healed; ${ackedAtHeal - ackedBefore} events acknowledged while the fault lasted`);
      let recoveryMs: number | null = null;
      try {
        // recovered: the first event acknowledged after healing began (or, when the load is
        // paused at its gate, the last one acknowledged) is committed on every node
        const mark = await waitFor(async () => {
          if (publisher.acked.length > ackedAtHeal) return publisher.acked[ackedAtHeal]!.offset + 1n;
          const idle = publisher.client.unacknowledged === 0 && (publisher.submitted >= publisher.allowedThrough || publisher.submitted >= options.events);
          return idle ? (await highestAckedOffset(publisher)) + 1n : undefined;
        }, recoveryTimeoutMs, `events acknowledged again after ${fault}`);
        await waitUntil(() => recovered(rig, mark), recoveryTimeoutMs, `recovery from ${fault} (${target})`);
        recoveryMs = Date.now() - healedAt;
      } catch (e) {
        log(`  ${(e as Error).message}`);
      }
      const violations = await checker.check(rig, publisher.acked);
      figures.push({ fault, target, atEvent, recoveryMs, violations });
      publisher.allowedThrough = i + 2 < options.faults.length ? slot * (i + 3) : Infinity;
      log(`  ${target}: recovered in ${recoveryMs === null ? 'NO TIME (did not recover)' : `${(recoveryMs / 1000).toFixed(1)} s`}; ${violations.length} violations${violations.length ? `: ${violations.map((v) => v.message).join('; ')}` : ''}`);
    }
    await publishing;
    log(`${publisher.submitted} events submitted, ${publisher.acked.length} acknowledged; waiting for every node to commit them`);
    const lastAcked = publisher.acked.reduce((m, a) => (a.offset > m ? a.offset : m), 0n);
    await waitUntil(() => recovered(rig, lastAcked + 1n), recoveryTimeoutMs, `every node committing past offset ${lastAcked}`);
    await checker.check(rig, publisher.acked);
  } finally {
    await publisher.close().catch(() => undefined);
  }
  for (const n of rig.nodes) await rig.stopNode(n.index);
  const nodeExits = rig.nodes.flatMap((n) => n.exits.map((code) => ({ node: n.index, code })));
  const final: FinalReport = await finalCheck(rig, publisher.acked);
  const violations = [...checker.violations, ...final.violations];
  const result: CampaignResult = {
    events: { submitted: publisher.submitted, acknowledged: publisher.acked.length, committed: final.committedEvents, lost: final.lost, duplicated: final.duplicated },
    chainsIdentical: final.compare.ok && final.compare.odd.length === 0,
    heads: final.heads.map(String),
    faults: figures,
    nodeExits,
    forks: final.forks + checker.violations.filter((v) => v.kind === 'FORK').length,
    equivocations: final.equivocations + checker.violations.filter((v) => v.kind === 'EQUIVOCATION').length,
    violations,
    elapsedMs: Date.now() - began,
    ok: false,
  };
  result.ok = violations.length === 0 && nodeExits.length === 0 && result.chainsIdentical && result.events.lost === 0 && result.events.acknowledged === result.events.submitted && figures.every((f) => f.recoveryMs !== null);
  return result;
}

/** The figures as text (the README quotes this). */
export function describeResult(r: CampaignResult): string {
  const lines = [
    `events: ${r.events.submitted} submitted, ${r.events.acknowledged} acknowledged, ${r.events.committed} committed, ${r.events.lost} lost, ${r.events.duplicated} duplicated`,
    `chains identical (audit --compare): ${r.chainsIdentical ? 'yes' : 'NO'} (heads ${r.heads.join(', ')})`,
    `halts (exit 8) and other exits of nodes on their own: ${r.nodeExits.length === 0 ? 'none' : r.nodeExits.map((e) => `node ${e.node} exit ${e.code}`).join(', ')}; forks: ${r.forks}; equivocations: ${r.equivocations}`,
    'recovery per fault:',
    ...r.faults.map((f) => `  ${f.fault.padEnd(19)} ${f.target.padEnd(34)} at event ${String(f.atEvent).padStart(6)}: ${f.recoveryMs === null ? 'did NOT recover' : `${(f.recoveryMs / 1000).toFixed(1)} s`}${f.violations.length ? `, ${f.violations.length} violations` : ''}`),
    `elapsed ${(r.elapsedMs / 1000).toFixed(0)} s; ${r.ok ? 'OK' : 'FAILED'}`,
  ];
  if (r.violations.length) lines.push('violations:', ...r.violations.slice(0, 30).map((v) => `  ${v.kind}: ${v.message}`));
  return lines.join('\n');
}
