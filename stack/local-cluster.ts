/**
 * @module stack/local-cluster
 * A local cluster on one machine (`ledger up`, the demo, the end-to-end tests and benchmark):
 * Kafka (provisioned, or KAFKA_BROKERS), on first run the keys and genesis for the nodes in the
 * data folder layout of DESIGN.md section 11, the channel's topic, and one `ledger node` process
 * per node (run from dist/), each logging to its folder. `stop()` ends the nodes (SIGTERM, then
 * SIGKILL) and the broker it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { brokersFromEnv } from '../kafka/client.js';
import { startBroker, stopBroker } from '../kafka/provision.js';
import { isClusterDir, startKafkaCluster, stopKafkaCluster } from '../kafka/cluster.js';
import { createChannelTopic } from '../kafka/topics.js';
import { PROJECT_ROOT } from './package-info.js';
import { ensureStack, nodeUrl, type StackInit, type StackLayout } from './layout.js';
import { ensureLocalTls } from '../tls/local-authority.js';
import { readCaFile, trustCertificateAuthorities } from '../tls/client-trust.js';

/** The built CLI (processes always run from dist/, also when this module is loaded from source by tests). */
export const CLI_PATH = join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

export interface LocalClusterOptions extends Partial<StackInit> {
  dataDir: string;
  /** Provision the stack's own broker in this folder even when KAFKA_BROKERS is set (tests). */
  brokerDir?: string;
  /**
   * Brokers of the stack's own Kafka (default 1, the development broker); 3 or more start a local
   * cluster (kafka/cluster.ts) with the channel in production mode, which the nodes then require.
   */
  brokers?: number;
  /**
   * Who may call the nodes' APIs (issue 22), chosen explicitly by every caller: `signed` (RFC 9421
   * signatures, roles; what production runs) or `open-loopback` (no authentication, the nodes
   * listen on and answer 127.0.0.1 only: the test suite and local development).
   */
  apiAccess: 'signed' | 'open-loopback';
  /**
   * HTTPS and wss between the nodes (issue 22), under the stack's own CA (`<stack>/tls/`, made on
   * first use, trusted by this process's fetch); false: plain http and ws on 127.0.0.1, said in
   * each node's config as `"tls": "plain-loopback"`. Default: TLS with the signed API mode, plain
   * with the open one.
   */
  tls?: boolean;
  /** Departments the nodes give the auditor role (signed mode). */
  auditors?: string[];
  /** Start the node processes now (default true; the benchmark fills the topic first). */
  startNodes?: boolean;
  log?: (line: string) => void;
}

export interface NodeProcess {
  index: number;
  url: string;
  child: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
}

export interface LocalCluster {
  layout: StackLayout;
  genesis: LoadedGenesis;
  brokers: string[];
  createdNow: boolean;
  /** The stack's CA certificate when its nodes serve HTTPS (what callers give --cacert). */
  caFile: string | undefined;
  nodes: NodeProcess[];
  startNode(index: number): void;
  stopNode(index: number, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_STACK: StackInit = {
  channel: 'property',
  nodes: 3,
  quorum: 2,
  authorityId: 'authority.city',
  authorityName: '市政务服务数据管理局',
};

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const init: StackInit = { ...DEFAULT_STACK };
  for (const k of ['channel', 'nodes', 'quorum', 'authorityId', 'authorityName', 'batchTimeoutMs', 'heartbeatIntervalMs', 'maxBlockEvents', 'witnesses', 'witnessQuorum'] as const) {
    if (options[k] !== undefined) (init as unknown as Record<string, unknown>)[k] = options[k];
  }
  const external = options.brokerDir === undefined ? brokersFromEnv() : undefined;
  const { layout, genesis, created } = await ensureStack(options.dataDir, init);
  const clustered = !external && ((options.brokers ?? 1) > 1 || isClusterDir(options.brokerDir ?? layout.kafkaDir));
  let startedBroker = false;
  let brokers: string[];
  if (external) {
    brokers = external;
    log(`Kafka: ${brokers.join(',')} (KAFKA_BROKERS)`);
  } else if (clustered) {
    const c = await startKafkaCluster({ dir: options.brokerDir ?? layout.kafkaDir, brokers: options.brokers });
    brokers = c.brokers;
    startedBroker = true;
    log(`Kafka ${c.kafkaVersion}: ${c.members.length}-broker cluster ${brokers.join(',')} (ready in ${(c.elapsedMs / 1000).toFixed(1)} s, ${c.dir})`);
  } else {
    const b = await startBroker({ dir: options.brokerDir ?? layout.kafkaDir });
    brokers = b.brokers;
    startedBroker = !b.reused;
    // a broker left running in this folder (a previous run that did not stop it) is said so, with
    // its pid: it is this stack's and stops with it (issue 17)
    log(
      b.reused
        ? `Kafka ${b.kafkaVersion}: ${brokers.join(',')} (reusing a broker left running in ${layout.kafkaDir}, pid ${b.pid}, started by an earlier run; it stops with this stack)`
        : `Kafka ${b.kafkaVersion}: ${brokers.join(',')} (started in ${(b.elapsedMs / 1000).toFixed(1)} s, ${layout.kafkaDir})`,
    );
  }
  const topicMode = external || clustered ? 'production' : 'development';
  await createChannelTopic(brokers, genesis.genesis.channel, { mode: topicMode });
  // every start says how the nodes admit API callers; a clustered stack's nodes check the
  // production topic invariants at start (DESIGN.md section 8)
  const api = options.apiAccess === 'signed' ? { access: 'signed', auditors: options.auditors ?? [] } : { access: 'open-loopback' };
  const useTls = options.tls ?? options.apiAccess === 'signed';
  const tlsFiles = useTls ? await ensureLocalTls(layout.root, genesis.genesis.nodes.length, { ips: ['127.0.0.1', '::1'], dns: ['localhost'] }) : undefined;
  if (tlsFiles) trustCertificateAuthorities(readCaFile(tlsFiles.ca, 'the stack CA'));
  for (const n of genesis.genesis.nodes) {
    const file = layout.nodeConfig(n.index);
    const config = JSON.parse(readFileSync(file, 'utf8')) as { peers: Record<string, string> };
    // the transport is said in every config, each start (a stack may switch between them)
    const tls = tlsFiles ? { cert: `../../tls/node-${n.index}.pem`, key: `../../tls/node-${n.index}-key.pem` } : 'plain-loopback';
    const peers = Object.fromEntries(Object.entries(config.peers).map(([k, url]) => [k, url.replace(/^wss?:/, tlsFiles ? 'wss:' : 'ws:')]));
    writeFileSync(file, `${JSON.stringify({ ...config, peers, api, tls, ...(clustered ? { topicMode } : {}) }, null, 2)}\n`);
  }

  const nodes: NodeProcess[] = genesis.genesis.nodes.map((n) => ({ index: n.index, url: nodeUrl(layout, n.index), child: undefined, exited: undefined }));

  function startNode(index: number): void {
    const n = nodes[index - 1]!;
    const logFd = openSync(join(layout.nodeDir(index), 'node.log'), 'a');
    // LEDGER_NODE_ARGS: extra Node options for the node processes (e.g. --cpu-prof for a profile)
    const nodeArgs = (process.env.LEDGER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const child = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'node', '--config', layout.nodeConfig(index)], {
      env: { ...process.env, KAFKA_BROKERS: brokers.join(','), LEDGER_SIGNATURE_WORKERS: process.env.LEDGER_SIGNATURE_WORKERS ?? '' },
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    n.child = child;
    n.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async function stopNode(index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const n = nodes[index - 1]!;
    const child = n.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await n.exited;
    clearTimeout(timer);
  }

  if (options.startNodes !== false) for (const n of nodes) startNode(n.index);

  return {
    layout,
    genesis,
    brokers,
    createdNow: created,
    caFile: tlsFiles?.ca,
    nodes,
    startNode,
    stopNode,
    async stop() {
      try {
        await Promise.allSettled(nodes.map((n) => stopNode(n.index)));
      } finally {
        // the broker's lifetime does not depend on every node stopping cleanly (issue 17)
        if (startedBroker || !external) {
          // a broker this stack runs is stopped with it (a reused one too: it lives in the stack's folder)
          if (clustered) await stopKafkaCluster({ dir: options.brokerDir ?? layout.kafkaDir }).catch(() => undefined);
          else await stopBroker({ dir: options.brokerDir ?? layout.kafkaDir }).catch(() => undefined);
        }
      }
    },
  };
}

/** Fetches a node's /status (undefined when it does not answer). */
export async function fetchStatus(url: string, timeoutMs = 1000): Promise<Record<string, unknown> | undefined> {
  try {
    const r = await fetch(`${url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return r.ok ? ((await r.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
