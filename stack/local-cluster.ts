/**
 * @module stack/local-cluster
 * A local cluster on one machine (`ledger up`, the demo, the end-to-end tests and benchmark):
 * Kafka (provisioned, or KAFKA_BROKERS), on first run the keys and genesis for the nodes in the
 * data folder layout of DESIGN.md section 11, the channel's topic, and one `ledger node` process
 * per node (run from dist/), each logging to its folder. `stop()` ends the nodes (SIGTERM, then
 * SIGKILL) and the broker it started. With `kafkaSecurity: 'sasl'` (`ledger up`, the demo) the
 * stack's broker has SCRAM users and ACLs and the stack provisions its principals itself
 * (stack/kafka-users.ts): nodes get theirs through LEDGER_KAFKA_CREDENTIALS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { brokersFromEnv } from '../kafka/client.js';
import { brokerFiles, readClusterId, startBroker, stopBroker } from '../kafka/provision.js';
import { isClusterDir, startKafkaCluster, stopKafkaCluster } from '../kafka/cluster.js';
import { checkChannelTopic, createChannelTopic } from '../kafka/topics.js';
import { KAFKA_CREDENTIALS_ENV, readCredentialsFile, type KafkaCredentials } from '../kafka/credentials.js';
import { adminCredentialsPath, credentialsDir, userCredentialsPath } from '../kafka/sasl-broker.js';
import { departmentPrincipal, ensureDepartmentUser, ensureNodeUser, provisionedPrincipals, type StackKafkaAdmin } from './kafka-users.js';
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
  /**
   * The stack's own broker, when this run formats its folder (issue 22): `sasl` (SCRAM users and
   * ACLs the stack provisions: `ledger up` and the demo) or `plain` (the development broker without
   * credentials; the default, which the test suite's stacks keep). A formatted folder keeps the mode
   * it was formatted with; a cluster of `brokers` >= 3 and KAFKA_BROKERS are never changed.
   */
  kafkaSecurity?: 'sasl' | 'plain';
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

/** How the stack's clients reach Kafka (issue 22). */
export interface StackKafka {
  /** `sasl`: the stack's broker with SCRAM and ACLs; `plain`: its broker without; `external`: KAFKA_BROKERS, or a cluster. */
  security: 'sasl' | 'plain' | 'external';
  /** Where the principals' credentials files are (`<data>/kafka/credentials/`, 0600), with SASL. */
  credentialsDir?: string;
  /**
   * What a department producing to the channel authenticates with, as kafka/client.ts `createKafka`
   * takes it: with SASL its own principal (provisioned on first use, and made known to the nodes'
   * configuration), `null` on the plain broker, undefined (LEDGER_KAFKA_CREDENTIALS) otherwise.
   */
  departmentCredentials(departmentId: string): Promise<KafkaCredentials | null | undefined>;
  /** The file of a department's credentials once provisioned (SASL only). */
  departmentCredentialsFile(departmentId: string): string | undefined;
}

export interface LocalCluster {
  layout: StackLayout;
  genesis: LoadedGenesis;
  brokers: string[];
  kafka: StackKafka;
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
  const brokerDir = options.brokerDir ?? layout.kafkaDir;
  // a folder keeps the mode it was formatted with (kafka/provision.ts); a new one gets the option's
  const sasl = !external && !clustered && (existsSync(adminCredentialsPath(brokerDir)) || (options.kafkaSecurity === 'sasl' && readClusterId(brokerFiles(brokerDir)) === undefined));
  if (external) {
    brokers = external;
    log(`Kafka: ${brokers.join(',')} (KAFKA_BROKERS)`);
  } else if (clustered) {
    const c = await startKafkaCluster({ dir: options.brokerDir ?? layout.kafkaDir, brokers: options.brokers });
    brokers = c.brokers;
    startedBroker = true;
    log(`Kafka ${c.kafkaVersion}: ${c.members.length}-broker cluster ${brokers.join(',')} (ready in ${(c.elapsedMs / 1000).toFixed(1)} s, ${c.dir})`);
  } else {
    const b = await startBroker({ dir: brokerDir, sasl });
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
  const channel = genesis.genesis.channel;
  const saslAdmin: StackKafkaAdmin | undefined = sasl ? { brokerDir, brokers, admin: readCredentialsFile(adminCredentialsPath(brokerDir)) } : undefined;
  await createChannelTopic(brokers, channel, { mode: topicMode, ...(saslAdmin ? { credentials: saslAdmin.admin } : {}) });
  // issue 22: one principal per node and per genesis authority; more departments on first use
  const nodeCredentials = new Map<number, string>();
  if (saslAdmin) {
    const began = Date.now();
    for (const n of genesis.genesis.nodes) nodeCredentials.set(n.index, (await ensureNodeUser(saslAdmin, channel, n.index)).path);
    for (const a of genesis.genesis.authorities) await ensureDepartmentUser(saslAdmin, channel, a.departmentId);
    // a node exits on a topic it cannot see: wait until its new user and ACLs are in effect
    const first = readCredentialsFile(nodeCredentials.get(1)!);
    await waitForAccess(() => checkChannelTopic(brokers, channel, topicMode, first), 60_000);
    log(`Kafka: SASL/SCRAM-SHA-256 with ACLs; principals ${provisionedPrincipals(brokerDir).join(', ')} (credentials 0600 in ${credentialsDir(brokerDir)}; ready in ${((Date.now() - began) / 1000).toFixed(1)} s)`);
  } else if (!external) {
    const why = clustered ? 'SASL is not built for a local cluster yet' : options.kafkaSecurity === 'sasl' ? `${brokerDir} was formatted without SASL; a new --data folder gets it` : 'the development broker';
    log(`Kafka: NO authentication (${why})`);
  }
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
  if (sasl) writeKafkaWriters(layout, genesis, provisionedPrincipals(brokerDir));

  const nodes: NodeProcess[] = genesis.genesis.nodes.map((n) => ({ index: n.index, url: nodeUrl(layout, n.index), child: undefined, exited: undefined }));

  function startNode(index: number): void {
    const n = nodes[index - 1]!;
    const logFd = openSync(join(layout.nodeDir(index), 'node.log'), 'a');
    // LEDGER_NODE_ARGS: extra Node options for the node processes (e.g. --cpu-prof for a profile)
    const nodeArgs = (process.env.LEDGER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const child = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'node', '--config', layout.nodeConfig(index)], {
      // the node's own Kafka principal with SASL; none on the plain broker (issue 22)
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        LEDGER_SIGNATURE_WORKERS: process.env.LEDGER_SIGNATURE_WORKERS ?? '',
        ...(external || clustered ? {} : { [KAFKA_CREDENTIALS_ENV]: nodeCredentials.get(index) ?? '' }),
      },
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

  const kafka: StackKafka = {
    security: sasl ? 'sasl' : external || clustered ? 'external' : 'plain',
    ...(sasl ? { credentialsDir: credentialsDir(brokerDir) } : {}),
    async departmentCredentials(departmentId) {
      if (!saslAdmin) return external || clustered ? undefined : null;
      const user = await ensureDepartmentUser(saslAdmin, channel, departmentId);
      if (user.createdNow) writeKafkaWriters(layout, genesis, provisionedPrincipals(brokerDir));
      return user.credentials;
    },
    departmentCredentialsFile(departmentId) {
      const path = userCredentialsPath(brokerDir, departmentPrincipal(departmentId));
      return sasl && existsSync(path) ? path : undefined;
    },
  };

  return {
    layout,
    genesis,
    brokers,
    kafka,
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

/**
 * Names the principals that may write the channel in every node's configuration (`kafkaWriters`,
 * kafka/channel-acls.ts): a node refuses to start when the topic's ACLs let any other write.
 */
function writeKafkaWriters(layout: StackLayout, genesis: LoadedGenesis, writers: string[]): void {
  for (const n of genesis.genesis.nodes) {
    const file = layout.nodeConfig(n.index);
    writeFileSync(file, `${JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), kafkaWriters: writers }, null, 2)}\n`);
  }
}

/** Retries `attempt` while Kafka refuses it (a new user's credentials and ACLs take a moment to apply). */
async function waitForAccess(attempt: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
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
