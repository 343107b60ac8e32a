/**
 * @module chaos/rig
 * A production-shaped ledger on one machine for the fault campaign (issue 26): three Kafka brokers
 * (kafka/cluster.ts) and three consensus nodes, each in its own network namespace
 * (chaos/topology.ts) with its own address, nodes talking to each other and to the brokers only
 * across the bridge, the channel topic in production mode (replication 3, min ISR 2, unclean
 * election off) and every node checking those invariants at start (`topicMode: production`).
 * Faults come from outside the node processes: signals, namespaces' routes, the clock-skew preload.
 * `stop()` ends nodes and brokers and deletes the namespaces, also after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { KEY_FILE_EXTENSION, loadKeyFile } from '../ledger/key-file.js';
import type { RequestSigner } from '../producers/signed-fetch.js';
import { startKafkaCluster, stopKafkaCluster, signalClusterBroker, restartClusterBroker, type ClusterInfo } from '../kafka/cluster.js';
import { createChannelTopic } from '../kafka/topics.js';
import { withAdmin } from '../kafka/client.js';
import { ensureStack, type StackLayout } from '../stack/layout.js';
import { CLI_PATH } from '../stack/local-cluster.js';
import { createTopology, type Topology } from './topology.js';
import { ensureLocalTls } from '../tls/local-authority.js';
import { readCaFile, trustCertificateAuthorities } from '../tls/client-trust.js';

/** The port every node listens on inside its own namespace. */
export const NODE_PORT = 7000;
export const NODE_NAMES = ['n1', 'n2', 'n3'] as const;
export const BROKER_NAMES = ['b1', 'b2', 'b3'] as const;

/** dist/chaos/clock-skew.js (processes always run from dist/, also when tests load this from source). */
const CLOCK_SKEW_MODULE = join(dirname(CLI_PATH), '..', 'chaos', 'clock-skew.js');

export interface RigNode {
  index: number;
  host: string;
  url: string;
  child: ChildProcess | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  /** Exit codes of earlier runs of this node that ended on their own (8 = halted). */
  exits: Array<number | null>;
  /** The rig is stopping this run (its exit is not the node's own). */
  stopping: boolean;
}

export interface Rig {
  dataDir: string;
  topology: Topology;
  kafka: ClusterInfo;
  kafkaDir: string;
  layout: StackLayout;
  genesis: LoadedGenesis;
  brokers: string[];
  nodes: RigNode[];
  /** Node 1's key, signing the checker's API reads as the operator (the nodes run the signed API). */
  operator: RequestSigner;
  startNode(index: number, options?: { clockSkewMs?: number }): void;
  /** Signals a node and waits for it to exit (SIGKILL after 15 s). */
  stopNode(index: number, signal?: NodeJS.Signals): Promise<void>;
  signalNode(index: number, signal: NodeJS.Signals): void;
  /** The broker id leading the channel topic's partition, or undefined when none does. */
  partitionLeader(): Promise<number | undefined>;
  killBroker(id: number): void;
  restartBroker(id: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RigOptions {
  dataDir: string;
  log?: (line: string) => void;
  batchTimeoutMs?: bigint;
  heartbeatIntervalMs?: bigint;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const log = options.log ?? (() => undefined);
  mkdirSync(options.dataDir, { recursive: true });
  const topology = createTopology([...NODE_NAMES, ...BROKER_NAMES]);
  const kafkaDir = join(options.dataDir, 'kafka');
  let kafka: ClusterInfo | undefined;
  const nodes: RigNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => stopNodeOf(n, 'SIGTERM')));
    await stopKafkaCluster({ dir: kafkaDir, graceMs: 10_000 }).catch(() => undefined);
    topology.destroy();
  };
  try {
    kafka = await startKafkaCluster({
      dir: kafkaDir,
      brokers: BROKER_NAMES.length,
      hosts: BROKER_NAMES.map((b) => topology.host(b).ip),
      netns: BROKER_NAMES.map((b) => topology.host(b).ns),
      readyTimeoutMs: 120_000,
    });
    log(`Kafka ${kafka.kafkaVersion}: ${kafka.brokers.join(',')} in ${(kafka.elapsedMs / 1000).toFixed(1)} s`);
    const { layout, genesis } = await ensureStack(join(options.dataDir, 'stack'), {
      channel: 'property',
      nodes: 3,
      quorum: 2,
      authorityId: 'authority.city',
      authorityName: '市政务服务数据管理局',
      batchTimeoutMs: options.batchTimeoutMs ?? 100n,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 2_000n,
    });
    // what a node's configuration looks like on its own host (README: "Nodes on separate hosts"):
    // the links cross a network, so HTTPS and wss (issue 22), under a CA made for the rig
    const tls = await ensureLocalTls(layout.root, NODE_NAMES.length, { ips: NODE_NAMES.map((p) => topology.host(p).ip), dns: [] });
    trustCertificateAuthorities(readCaFile(tls.ca, 'the rig CA'));
    NODE_NAMES.forEach((name, i) => {
      const n = i + 1;
      const peers = Object.fromEntries(NODE_NAMES.map((p, j) => [String(j + 1), `wss://${topology.host(p).ip}:${NODE_PORT}/peer`]).filter(([k]) => k !== String(n)));
      const config = {
        genesis: '../../genesis.bin',
        key: `../../keys/node-${n}${KEY_FILE_EXTENSION}`,
        data: '.',
        node: n,
        listen: `${topology.host(name).ip}:${NODE_PORT}`,
        peers,
        tls: { cert: `../../tls/node-${n}.pem`, key: `../../tls/node-${n}-key.pem` },
        brokers: kafka!.brokers,
        topicMode: 'production',
      };
      writeFileSync(layout.nodeConfig(n), `${JSON.stringify(config, null, 2)}\n`);
      nodes.push({ index: n, host: name, url: `https://${topology.host(name).ip}:${NODE_PORT}`, child: undefined, exited: undefined, exits: [], stopping: false });
    });
    await createChannelTopic(kafka.brokers, genesis.genesis.channel, { mode: 'production' });

    const rig: Rig = {
      dataDir: options.dataDir,
      topology,
      kafka,
      kafkaDir,
      layout,
      genesis,
      brokers: kafka.brokers,
      nodes,
      operator: (() => {
        const key = loadKeyFile(layout.nodeKey(1));
        return { keyid: 'node/1', sign: (m: Uint8Array) => key.sign(m) };
      })(),
      startNode(index, startOptions = {}) {
        const n = nodes[index - 1]!;
        const logFd = openSync(join(layout.nodeDir(index), 'node.log'), 'a');
        const skew = startOptions.clockSkewMs ?? 0;
        const nodeArgs = skew !== 0 ? [`--import=${pathToFileURL(CLOCK_SKEW_MODULE).href}`] : [];
        const argv = topology.exec(n.host, [process.execPath, ...nodeArgs, CLI_PATH, 'node', '--config', layout.nodeConfig(index)]);
        const child = spawn(argv[0]!, argv.slice(1), {
          env: { ...process.env, KAFKA_BROKERS: kafka!.brokers.join(','), LEDGER_CLOCK_SKEW_MS: String(skew) },
          stdio: ['ignore', logFd, logFd],
        });
        closeSync(logFd);
        n.child = child;
        n.stopping = false;
        n.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
        void n.exited.then(({ code }) => {
          if (!n.stopping) n.exits.push(code);
        });
      },
      stopNode: (index, signal = 'SIGTERM') => stopNodeOf(nodes[index - 1]!, signal),
      signalNode(index, signal) {
        nodes[index - 1]!.child?.kill(signal);
      },
      async partitionLeader() {
        return withAdmin(kafka!.brokers, async (admin) => {
          const m = await admin.fetchTopicMetadata({ topics: [`ledger.${genesis.genesis.channel}`] });
          const leader = m.topics[0]?.partitions[0]?.leader;
          return leader !== undefined && leader >= 0 ? leader : undefined;
        }, { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, retries: 1 }).catch(() => undefined);
      },
      killBroker(id) {
        signalClusterBroker(kafkaDir, id, 'SIGKILL');
      },
      async restartBroker(id) {
        await restartClusterBroker(kafkaDir, id, { readyTimeoutMs: 180_000 });
      },
      stop,
    };
    return rig;
  } catch (e) {
    await stop();
    throw e;
  }
}

async function stopNodeOf(n: RigNode, signal: NodeJS.Signals): Promise<void> {
  const child = n.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  n.stopping = true;
  // a stopped (SIGSTOP) process does not act on SIGTERM until continued
  child.kill('SIGCONT');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await n.exited;
  clearTimeout(timer);
}

/** Deletes a node's data (its LevelDB) for the wipe-and-rebuild fault. */
export function wipeNodeData(rig: Rig, index: number): void {
  rmSync(join(rig.layout.nodeDir(index), 'db'), { recursive: true, force: true });
}

/** The last lines of a node's log, for failure messages. */
export function nodeLogTail(rig: Rig, index: number, lines = 20): string {
  try {
    return readFileSync(join(rig.layout.nodeDir(index), 'node.log'), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
