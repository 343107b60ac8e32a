/**
 * @module kafka/cluster
 * A local Kafka *cluster* of three (or more) brokers, from the same Maven-resolved jars as the
 * single development broker (kafka/provision.ts, DESIGN.md section 11), so that the production
 * topic settings of DESIGN.md section 8 (replication 3, `min.insync.replicas` 2, unclean
 * election off) run on a real cluster (issue 26).
 *
 * Topology: every broker is a combined KRaft broker and controller (`process.roles=broker,
 * controller`), and the three form the static controller quorum. Why not a separate controller
 * quorum beside three brokers: that is six JVMs (3 GiB of heap and six processes on a 2-core
 * machine) for no behaviour the ledger can observe; three voters survive the loss of one,
 * exactly like the brokers. Losing two brokers also loses the controller quorum, which is what a
 * three-machine production cluster of combined nodes does too: the survivor keeps its data but
 * leadership and ISR freeze, so `acks=all` writes wait (min ISR 2) until a broker returns.
 *
 * Folder `<dir>` (default `<project>/.data/kafka-cluster`): `cluster.json` (kafka/cluster-record.ts)
 * and one folder `broker-<id>/` per broker in the single broker's layout (server.properties,
 * logs/, broker.log, java.out, broker.json), so the single broker's process checks and the
 * test harness's leftover-broker net apply to each. Brokers listen on 127.0.0.1 with their own
 * ports, or, for the fault harness (chaos/topology.ts), each on its own host address inside its
 * own network namespace.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireProgram } from '../stack/prerequisites.js';
import { LedgerError } from '../errors/ledger-error.js';
import { probeMetadata } from './client.js';
import { clusterBootstrap, clusterBrokerDir, clusterRecordPath, readClusterRecord, type ClusterBrokerSpec, type ClusterRecord } from './cluster-record.js';
import {
  acquireStartLock, BROKER_HOST, brokerFiles, brokerJavaArgs, formatWithClusterId, freePorts, isBrokerProcess, logTail, newClusterId, projectRoot,
  READY_TIMEOUT_MS, readClusterId, readRecord, resolveKafka, signalGroup, stopProcessGroup, STOP_GRACE_MS, writeRecord, type KafkaRuntime,
} from './provision.js';

/** The cluster size `ledger kafka start --brokers N` accepts: 3 (the production minimum) up to 5. */
export const MIN_CLUSTER_BROKERS = 3;
export const MAX_CLUSTER_BROKERS = 5;
/** Ports a broker in its own network namespace uses (the namespace has the address to itself). */
export const NETNS_BROKER_PORT = 9092;
export const NETNS_CONTROLLER_PORT = 9093;
export const CLUSTER_MODE = 'local multi-broker cluster (KRaft, combined broker+controller nodes): production topic settings apply';

/** `<project>/.data/kafka-cluster` (git-ignored). */
export function defaultClusterDir(): string {
  return join(projectRoot(), '.data', 'kafka-cluster');
}

/**
 * server.properties of broker `self` in a cluster: internal topics replicated 3 ways with min ISR 2
 * (the transaction log) so that a broker loss loses no group or producer state; channel topics set
 * their own production settings (kafka/topics.ts). Few offset partitions: 150 replicas of the
 * default 50 are slow to create on 2 cores and the ledger uses one short-lived group per node start.
 */
export function renderClusterServerProperties(record: ClusterRecord, self: ClusterBrokerSpec, logDirs: string): string {
  const replication = Math.min(3, record.brokers.length);
  return [
    '# Written by `ledger kafka start --brokers N` on every start (kafka/cluster.ts); edits are overwritten.',
    'process.roles=broker,controller',
    `node.id=${self.id}`,
    `controller.quorum.voters=${record.brokers.map((b) => `${b.id}@${b.host}:${b.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://${self.host}:${self.port},CONTROLLER://${self.host}:${self.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${self.host}:${self.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${logDirs}`,
    `offsets.topic.replication.factor=${replication}`,
    'offsets.topic.num.partitions=5',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${Math.min(2, replication)}`,
    `default.replication.factor=${replication}`,
    'unclean.leader.election.enable=false',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.io.threads=2',
    'num.network.threads=2',
    '',
  ].join('\n');
}

export interface ClusterStartOptions {
  dir?: string;
  cacheDir?: string;
  /** Brokers in a new cluster (default 3); an existing folder keeps its own count. */
  brokers?: number;
  /** Per broker: its host address (default 127.0.0.1 with free ports). */
  hosts?: string[];
  /** Per broker: the network namespace to run it in (the harness's; needs root). */
  netns?: string[];
  readyTimeoutMs?: number;
}

export interface ClusterInfo {
  dir: string;
  clusterId: string;
  kafkaVersion: string;
  brokers: string[];
  members: Array<ClusterBrokerSpec & { pid: number | null; reused: boolean }>;
  resolvedNow: boolean;
  elapsedMs: number;
  mode: string;
}

/**
 * Starts every broker of the folder's cluster that is not running (creating the cluster on first
 * use), and waits until a metadata request reports all of them.
 * @throws LedgerError BAD_ARGUMENT (size, hosts), CONFLICT (another start; a different size
 *   asked of an existing cluster), MISSING_PREREQUISITE, UNAVAILABLE, TIMEOUT
 */
export async function startKafkaCluster(options: ClusterStartOptions = {}): Promise<ClusterInfo> {
  const began = Date.now();
  const dir = resolve(options.dir ?? defaultClusterDir());
  mkdirSync(dir, { recursive: true });
  const java = requireProgram('java');
  const runtime = await resolveKafka({ cacheDir: options.cacheDir });
  const lockFiles = brokerFiles(dir);
  const releaseLock = acquireStartLock(lockFiles);
  try {
    const record = await ensureRecord(dir, java, runtime, options);
    const members: ClusterInfo['members'] = [];
    for (const b of record.brokers) members.push({ ...b, ...(await launchBroker(dir, record, b, java, runtime)) });
    const info = { dir, clusterId: record.clusterId, kafkaVersion: record.kafkaVersion, brokers: clusterBootstrap(record), members, resolvedNow: runtime.resolvedNow, elapsedMs: 0, mode: CLUSTER_MODE };
    await waitForBrokers(dir, record, record.brokers.length, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    return { ...info, members: members.map((m) => ({ ...m, pid: runningPid(dir, m.id) })), elapsedMs: Date.now() - began };
  } finally {
    releaseLock();
  }
}

async function ensureRecord(dir: string, java: string, runtime: KafkaRuntime, options: ClusterStartOptions): Promise<ClusterRecord> {
  const existing = readClusterRecord(dir);
  if (existing) {
    if (options.brokers !== undefined && options.brokers !== existing.brokers.length) {
      throw new LedgerError('CONFLICT', `the cluster in ${dir} has ${existing.brokers.length} brokers, not ${options.brokers}; use another --dir for a different size`, { dir });
    }
    return existing;
  }
  const count = options.brokers ?? MIN_CLUSTER_BROKERS;
  if (!Number.isInteger(count) || count < MIN_CLUSTER_BROKERS || count > MAX_CLUSTER_BROKERS) {
    throw new LedgerError('BAD_ARGUMENT', `--brokers must be ${MIN_CLUSTER_BROKERS}..${MAX_CLUSTER_BROKERS} for a cluster (production needs replication ${MIN_CLUSTER_BROKERS}); without --brokers, one development broker starts`, { brokers: count });
  }
  if ((options.hosts && options.hosts.length !== count) || (options.netns && options.netns.length !== count)) {
    throw new LedgerError('BAD_ARGUMENT', `give one host and one namespace per broker (${count})`, {});
  }
  const ports = options.hosts ? [] : await freePorts(2 * count);
  const brokers: ClusterBrokerSpec[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    host: options.hosts?.[i] ?? BROKER_HOST,
    port: options.hosts ? NETNS_BROKER_PORT : ports[2 * i]!,
    controllerPort: options.hosts ? NETNS_CONTROLLER_PORT : ports[2 * i + 1]!,
    ...(options.netns ? { netns: options.netns[i]! } : {}),
  }));
  const clusterId = await newClusterId(java, runtime, brokerFiles(dir));
  const record: ClusterRecord = { clusterId, kafkaVersion: runtime.kafkaVersion, brokers };
  // every broker's storage formatted with the one cluster id (a static quorum: no --standalone)
  await Promise.all(brokers.map(async (b) => {
    const files = brokerFiles(clusterBrokerDir(dir, b.id));
    mkdirSync(files.dir, { recursive: true });
    writeFileSync(files.serverProperties, renderClusterServerProperties(record, b, files.logDirs));
    await formatWithClusterId(java, runtime, files, clusterId);
  }));
  // the record last: its presence marks a complete, formatted cluster
  writeFileSync(clusterRecordPath(dir), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

function runningPid(dir: string, id: number): number | null {
  const files = brokerFiles(clusterBrokerDir(dir, id));
  const pid = readRecord(files)?.pid;
  return pid && isBrokerProcess(pid, files.serverProperties) ? pid : null;
}

/** Starts one broker's JVM (detached, its own process group) unless it runs; returns its pid. */
async function launchBroker(dir: string, record: ClusterRecord, b: ClusterBrokerSpec, java: string, runtime: KafkaRuntime): Promise<{ pid: number; reused: boolean }> {
  const running = runningPid(dir, b.id);
  if (running !== null) return { pid: running, reused: true };
  const files = brokerFiles(clusterBrokerDir(dir, b.id));
  if (readClusterId(files) !== record.clusterId) throw new LedgerError('STORE_FORMAT', `${files.logDirs} is not formatted for cluster ${record.clusterId}`, { dir: files.dir });
  writeFileSync(files.serverProperties, renderClusterServerProperties(record, b, files.logDirs));
  const javaArgs = brokerJavaArgs(runtime, files, 'kafka.Kafka', [files.serverProperties], ['-Xmx512m']);
  // `ip netns exec` execs java in place: the pid is the broker's
  const [command, args] = b.netns ? [requireProgram('ip'), ['netns', 'exec', b.netns, java, ...javaArgs]] : [java, javaArgs];
  const out = openSync(files.javaOut, 'a');
  let pid: number;
  try {
    const child = spawn(command, args, { cwd: files.dir, detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new LedgerError('UNAVAILABLE', `cannot start ${command}`);
    pid = child.pid;
    child.unref();
  } finally {
    closeSync(out);
  }
  writeRecord(files, { pid, port: b.port, controllerPort: b.controllerPort, kafkaVersion: record.kafkaVersion, startedAt: new Date().toISOString() });
  return { pid, reused: false };
}

/** Polls metadata until `count` brokers are live, failing early when a broker process died. */
async function waitForBrokers(dir: string, record: ClusterRecord, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const bootstrap = clusterBootstrap(record);
  for (;;) {
    const dead = record.brokers.filter((b) => !processLives(readRecord(brokerFiles(clusterBrokerDir(dir, b.id)))?.pid ?? null));
    if (dead.length > 0 && dead.length > record.brokers.length - count) {
      const b = dead[0]!;
      throw new LedgerError('UNAVAILABLE', `broker ${b.id} of the cluster in ${dir} exited while starting; last lines of its logs:\n${logTail(brokerFiles(clusterBrokerDir(dir, b.id)))}`, { broker: b.id });
    }
    // each broker asked itself: the cluster's own count keeps a killed broker until its session expires
    const answering = await Promise.all(bootstrap.map((b) => probeMetadata([b], 2_000)));
    const live = answering.filter((a) => a !== undefined).length;
    if (live >= count && (await probeMetadata(bootstrap, 2_000) ?? 0) >= count) return;
    if (Date.now() >= deadline) {
      throw new LedgerError('TIMEOUT', `the cluster at ${bootstrap.join(',')} did not report ${count} live brokers within ${timeoutMs / 1000} s (${live} answer); see ${dir}/broker-*/broker.log`, { dir });
    }
    await sleep(300);
  }
}

/** Whether a pid is in the process table and not a zombie (whatever its command line yet). */
function processLives(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to one broker's process group: SIGKILL for a crash, SIGSTOP/SIGCONT for a hung
 * broker. Returns the pid signalled, or null when that broker was not running.
 */
export function signalClusterBroker(dir: string, id: number, signal: NodeJS.Signals): number | null {
  const pid = runningPid(resolve(dir), id);
  if (pid !== null) signalGroup(pid, signal);
  return pid;
}

/** Restarts one stopped or killed broker and waits until the cluster reports all brokers live. */
export async function restartClusterBroker(dir: string, id: number, options: { cacheDir?: string; readyTimeoutMs?: number } = {}): Promise<void> {
  const record = requireRecord(dir);
  const b = record.brokers.find((x) => x.id === id);
  if (!b) throw new LedgerError('BAD_ARGUMENT', `the cluster in ${dir} has no broker ${id}`, { id });
  const runtime = await resolveKafka({ cacheDir: options.cacheDir });
  // a killed JVM may take a moment to leave the process table
  const files = brokerFiles(clusterBrokerDir(dir, id));
  const pid = readRecord(files)?.pid;
  for (let i = 0; i < 100 && pid && isBrokerProcess(pid, files.serverProperties); i++) await sleep(100);
  await launchBroker(resolve(dir), record, b, requireProgram('java'), runtime);
  await waitForBrokers(resolve(dir), record, record.brokers.length, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
}

function requireRecord(dir: string): ClusterRecord {
  const record = readClusterRecord(dir);
  if (!record) throw new LedgerError('NOT_FOUND', `${resolve(dir)} holds no Kafka cluster (start one with \`ledger kafka start --brokers 3 --dir ${dir}\`)`, { dir });
  return record;
}

export interface ClusterStopResult {
  dir: string;
  stopped: Array<{ id: number; pid: number; forced: boolean }>;
  elapsedMs: number;
}

/** Stops every running broker of the cluster (SIGTERM to all, wait, then SIGKILL); data is kept. */
export async function stopKafkaCluster(options: { dir?: string; graceMs?: number } = {}): Promise<ClusterStopResult> {
  const began = Date.now();
  const dir = resolve(options.dir ?? defaultClusterDir());
  const record = readClusterRecord(dir);
  if (!record) return { dir, stopped: [], elapsedMs: Date.now() - began };
  const stopped = await Promise.all(record.brokers.map(async (b) => {
    const files = brokerFiles(clusterBrokerDir(dir, b.id));
    const r = readRecord(files);
    const pid = runningPid(dir, b.id);
    if (pid === null) return undefined;
    const forced = await stopProcessGroup(pid, files, options.graceMs ?? STOP_GRACE_MS);
    if (r) writeRecord(files, { ...r, pid: null, startedAt: null });
    return { id: b.id, pid, forced };
  }));
  return { dir, stopped: stopped.filter((s): s is NonNullable<typeof s> => s !== undefined), elapsedMs: Date.now() - began };
}

export interface ClusterStatus {
  dir: string;
  exists: boolean;
  clusterId: string | null;
  kafkaVersion: string | null;
  brokers: string[];
  /** Live brokers a metadata request reports (0 when none answers). */
  liveBrokers: number;
  /** Every broker runs and the cluster reports all of them. */
  ready: boolean;
  members: Array<ClusterBrokerSpec & { running: boolean; pid: number | null; logFile: string }>;
  mode: string;
}

/** Per broker: running or not; and how many brokers the cluster itself reports live. */
export async function kafkaClusterStatus(options: { dir?: string } = {}): Promise<ClusterStatus> {
  const dir = resolve(options.dir ?? defaultClusterDir());
  const record = readClusterRecord(dir);
  if (!record) return { dir, exists: false, clusterId: null, kafkaVersion: null, brokers: [], liveBrokers: 0, ready: false, members: [], mode: CLUSTER_MODE };
  const members = record.brokers.map((b) => {
    const pid = runningPid(dir, b.id);
    return { ...b, running: pid !== null, pid, logFile: brokerFiles(clusterBrokerDir(dir, b.id)).brokerLog };
  });
  const running = members.filter((m) => m.running);
  const live = running.length === 0 ? 0 : ((await probeMetadata(running.map((m) => `${m.host}:${m.port}`), 3_000)) ?? 0);
  return {
    dir, exists: true, clusterId: record.clusterId, kafkaVersion: record.kafkaVersion, brokers: clusterBootstrap(record),
    liveBrokers: live, ready: live === record.brokers.length && running.length === record.brokers.length, members, mode: CLUSTER_MODE,
  };
}

/** Whether `dir` holds a multi-broker cluster (rather than a single development broker). */
export function isClusterDir(dir: string): boolean {
  return readClusterRecord(dir) !== undefined;
}
