/**
 * @module cli/commands/kafka
 * `ledger kafka start | stop | status | create-channel | check-channel`: the project's own local
 * Kafka (kafka/provision.ts) and channel topics (kafka/topics.ts). With KAFKA_BROKERS set, every
 * command uses that cluster and start/stop leave it alone.
 */
import type { Command } from 'commander';
import { LedgerError } from '../../errors/ledger-error.js';
import { EXIT } from '../exit-codes.js';
import { brokersFromEnv, KAFKA_BROKERS_ENV, probeMetadata } from '../../kafka/client.js';
import { brokerStatus, defaultBrokerDir, kafkaToolRunner, parsePort, resolveBrokers, startBroker, stopBroker, type BrokerInfo } from '../../kafka/provision.js';
import { defaultClusterDir, isClusterDir, kafkaClusterStatus, MAX_CLUSTER_BROKERS, MIN_CLUSTER_BROKERS, startKafkaCluster, stopKafkaCluster, type ClusterInfo, type ClusterStatus } from '../../kafka/cluster.js';
import { existsSync } from 'node:fs';
import { KAFKA_CREDENTIALS_ENV, readCredentialsFile } from '../../kafka/credentials.js';
import { departmentProducerAcls, grantAcls, nodeAcls } from '../../kafka/acls.js';
import { addScramUser, adminCredentialsPath } from '../../kafka/sasl-broker.js';
import { join } from 'node:path';
import { checkChannelTopic, createChannelTopic, MODE_NOTE, parseTopicMode, validateChannelName, type TopicCheck, type TopicMode } from '../../kafka/topics.js';

interface DirOption {
  dir?: string;
  json?: boolean;
}

const DIR_HELP = 'broker folder (default <project>/.data/kafka, or <project>/.data/kafka-cluster for a cluster of --brokers N)';

/**
 * The folder a command works on: --dir, else the single broker's default folder when it was ever
 * used, else the default cluster folder when a cluster was made there (`start --brokers N`).
 */
function chosenDir(dir: string | undefined): string {
  if (dir !== undefined) return dir;
  const single = defaultBrokerDir();
  if (!existsSync(join(single, 'broker.json')) && isClusterDir(defaultClusterDir())) return defaultClusterDir();
  return single;
}

/**
 * On a broker folder started with --sasl, the CLI's own clients authenticate as its admin
 * principal unless LEDGER_KAFKA_CREDENTIALS names other credentials (issue 22).
 */
function useFolderAdmin(dir: string): void {
  const admin = adminCredentialsPath(dir);
  if (!process.env[KAFKA_CREDENTIALS_ENV] && existsSync(admin)) process.env[KAFKA_CREDENTIALS_ENV] = admin;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, validateChannelName(value)];
}

function parseBrokerCount(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (n === 1) return 1;
  if (!(n >= MIN_CLUSTER_BROKERS && n <= MAX_CLUSTER_BROKERS)) {
    throw new LedgerError('BAD_ARGUMENT', `--brokers must be 1 (the development broker) or ${MIN_CLUSTER_BROKERS}..${MAX_CLUSTER_BROKERS} (a cluster), got "${v}"`, { brokers: v });
  }
  return n;
}

function describeCluster(info: ClusterInfo): string {
  return [
    `Kafka ${info.kafkaVersion} cluster of ${info.members.length} brokers ready at ${info.brokers.join(',')} (cluster id ${info.clusterId})`,
    ...info.members.map((m) => `  broker ${m.id}: ${m.host}:${m.port} (controller ${m.controllerPort}) pid ${m.pid ?? '-'}${m.reused ? ' (already running)' : ''}  log ${join(info.dir, `broker-${m.id}`, 'broker.log')}`),
    `  folder: ${info.dir}`,
    `  ${info.mode}`,
    `  ready in ${seconds(info.elapsedMs)}${info.resolvedNow ? ' (first use: resolved Kafka with Maven into the cache)' : ''}`,
    `  create channels with --mode production (the default here); use it: KAFKA_BROKERS=${info.brokers.join(',')}`,
  ].join('\n');
}

function describeClusterStatus(s: ClusterStatus): string {
  return [
    `${s.ready ? 'ready' : 'NOT ready'}: ${s.liveBrokers} of ${s.members.length} brokers live (cluster ${s.clusterId}, Kafka ${s.kafkaVersion})`,
    ...s.members.map((m) => `  broker ${m.id}: ${m.host}:${m.port} ${m.running ? `running (pid ${m.pid})` : 'NOT running'}${m.netns ? ` in netns ${m.netns}` : ''}  log ${m.logFile}`),
    `  folder: ${s.dir}`,
    `  ${s.mode}`,
  ].join('\n');
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An external cluster named by KAFKA_BROKERS: checked for reachability, never started or stopped. */
async function externalCluster(): Promise<{ brokers: string[]; live: number } | undefined> {
  const brokers = brokersFromEnv();
  if (!brokers) return undefined;
  const live = await probeMetadata(brokers, 5_000);
  if (live === undefined) {
    throw new LedgerError('UNAVAILABLE', `${KAFKA_BROKERS_ENV}=${brokers.join(',')} does not answer a metadata request; check the addresses, or unset ${KAFKA_BROKERS_ENV} to use a local broker`, { brokers });
  }
  return { brokers, live };
}

function describeStart(info: BrokerInfo): string {
  const lines = [
    `Kafka ${info.kafkaVersion} ${info.reused ? 'already running (reused)' : 'started'} at ${info.brokers.join(',')} (pid ${info.pid}, controller port ${info.controllerPort})`,
    `  folder: ${info.dir}`,
    `  log:    ${info.logFile}`,
    `  ${info.mode}`,
    `  ready in ${seconds(info.elapsedMs)}${info.resolvedNow ? ' (first use: resolved Kafka with Maven into the cache)' : ''}`,
    `  use it: KAFKA_BROKERS=${info.brokers.join(',')}  (other ledger commands find it by --dir)`,
  ];
  if (info.adminCredentials) {
    lines.push(
      `  SASL/SCRAM-SHA-256 with ACLs: admin credentials ${info.adminCredentials} (0600); clients need ${KAFKA_CREDENTIALS_ENV}=<file>`,
      `  add principals: ledger kafka add-user <department> --channel <channel> --dir ${info.dir}  |  ledger kafka add-user ledger-node-<i> --node <i> --channel <channel> --dir ${info.dir}`,
    );
  }
  return lines.join('\n');
}

function describeCheck(check: TopicCheck): string {
  return [
    `  partitions: ${check.partitions}, replication: ${check.replicationFactor}, message.timestamp.type: ${check.timestampType}, cleanup.policy: ${check.cleanupPolicy}`,
    `  min.insync.replicas: ${check.minInsyncReplicas ?? '-'}, unclean.leader.election.enable: ${check.uncleanLeaderElection ?? '-'}, retention.ms: ${check.retentionMs ?? '-'}`,
    `  ${check.modeNote}`,
  ].join('\n');
}

/**
 * The topic mode when --mode is not given: development on the broker this project provisioned
 * (which is single-broker by construction), production on a cluster named by KAFKA_BROKERS.
 */
function defaultMode(kind: 'external' | 'local' | 'cluster'): TopicMode {
  return kind === 'local' ? 'development' : 'production';
}

function parseRetention(text: string): bigint {
  if (!/^(-1|[1-9]\d{0,18})$/.test(text)) throw new LedgerError('BAD_ARGUMENT', `--retention-ms must be -1 (unlimited) or a positive integer, got "${text}"`);
  return BigInt(text);
}

export function registerKafka(program: Command): void {
  const kafka = program
    .command('kafka')
    .description(`the project's local Apache Kafka 3.9 (one development broker on 127.0.0.1, or a three-broker cluster with start --brokers 3) and channel topics; ${KAFKA_BROKERS_ENV}=host:port,... uses an existing cluster instead`);

  kafka
    .command('start')
    .description('start the local broker (first use resolves Kafka with Maven into the cache), or reuse the running one')
    .option('--dir <dir>', DIR_HELP)
    .option('--port <port>', 'client port on 127.0.0.1 (default: the last one used, else a free one)', (v) => parsePort(v, '--port'))
    .option('--controller-port <port>', 'KRaft controller port on 127.0.0.1 (default: as --port)', (v) => parsePort(v, '--controller-port'))
    .option('--brokers <n>', `1 (default): one development broker; ${MIN_CLUSTER_BROKERS}..${MAX_CLUSTER_BROKERS}: a local KRaft cluster for production topic settings (ports chosen free, one folder per broker)`, parseBrokerCount)
    .option('--sasl', 'SASL/SCRAM-SHA-256 and ACLs (a fresh folder only): creates the admin principal ledger-admin; add department and node principals with `ledger kafka add-user`')
    .option('--json', 'print JSON')
    .action(async (opts: DirOption & { port?: number; controllerPort?: number; brokers?: number; sasl?: boolean }) => {
      const external = await externalCluster();
      if (external) {
        print(opts.json, { external: true, brokers: external.brokers, liveBrokers: external.live }, `${KAFKA_BROKERS_ENV} is set: using the existing cluster at ${external.brokers.join(',')} (${external.live} live brokers); nothing to start`);
        return;
      }
      const clusterDir = opts.dir ?? (opts.brokers !== undefined && opts.brokers > 1 ? defaultClusterDir() : undefined);
      if ((opts.brokers !== undefined && opts.brokers > 1) || (clusterDir !== undefined && isClusterDir(clusterDir))) {
        if (opts.port !== undefined || opts.controllerPort !== undefined) throw new LedgerError('BAD_ARGUMENT', 'a cluster chooses its own free ports: --port and --controller-port are for the single broker');
        const cluster = await startKafkaCluster({ dir: clusterDir, brokers: opts.brokers });
        print(opts.json, cluster, describeCluster(cluster));
        return;
      }
      if (opts.sasl && opts.brokers !== undefined && opts.brokers > 1) throw new LedgerError('BAD_ARGUMENT', '--sasl is for the single broker (not yet for a cluster of --brokers N)');
      const info = await startBroker({ dir: opts.dir, port: opts.port, controllerPort: opts.controllerPort, sasl: opts.sasl === true });
      print(opts.json, info, describeStart(info));
    });

  kafka
    .command('stop')
    .description('stop the local broker (SIGTERM, wait, then SIGKILL); its data is kept')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'print JSON')
    .action(async (opts: DirOption) => {
      if (brokersFromEnv()) {
        print(opts.json, { external: true }, `${KAFKA_BROKERS_ENV} is set: the existing cluster is not managed by ledger; nothing to stop`);
        return;
      }
      const dir = chosenDir(opts.dir);
      if (isClusterDir(dir)) {
        const c = await stopKafkaCluster({ dir });
        print(opts.json, c, c.stopped.length > 0 ? `stopped ${c.stopped.length} brokers (${c.stopped.map((b) => `broker ${b.id} pid ${b.pid}${b.forced ? ' killed' : ''}`).join(', ')}) in ${c.dir} in ${seconds(c.elapsedMs)}; data kept` : `no broker of the cluster in ${c.dir} was running`);
        return;
      }
      const r = await stopBroker({ dir });
      print(opts.json, r, r.wasRunning ? `stopped the broker (pid ${r.pid}) in ${r.dir} in ${seconds(r.elapsedMs)}${r.forced ? ' (it ignored SIGTERM: killed)' : ''}; data kept` : `no broker was running in ${r.dir}`);
    });

  kafka
    .command('status')
    .description('is the local broker running and answering? (exit 0 when ready, 1 otherwise)')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'print JSON')
    .action(async (opts: DirOption) => {
      const external = brokersFromEnv();
      if (external) {
        const live = await probeMetadata(external, 5_000);
        print(opts.json, { external: true, brokers: external, ready: live !== undefined, liveBrokers: live ?? 0 }, `${KAFKA_BROKERS_ENV}=${external.join(',')}: ${live === undefined ? 'NOT answering' : `ready (${live} live brokers)`}`);
        if (live === undefined) process.exitCode = EXIT.FAILED_CHECK;
        return;
      }
      const dir = chosenDir(opts.dir);
      if (isClusterDir(dir)) {
        const c = await kafkaClusterStatus({ dir });
        print(opts.json, c, describeClusterStatus(c));
        if (!c.ready) process.exitCode = EXIT.FAILED_CHECK;
        return;
      }
      useFolderAdmin(dir);
      const s = await brokerStatus({ dir });
      const text = s.running
        ? [
            `running${s.ready ? ' and ready' : ' but NOT answering metadata requests'}: Kafka ${s.kafkaVersion} at ${s.brokers.join(',')} (pid ${s.pid}, controller port ${s.controllerPort}, since ${s.startedAt})`,
            `  folder: ${s.dir}`,
            `  log:    ${s.logFile}`,
            `  cluster id: ${s.clusterId}`,
            `  ${s.mode}`,
          ].join('\n')
        : `not running (folder ${s.dir}${s.clusterId ? `, data of cluster ${s.clusterId} kept` : ''}); start it with \`ledger kafka start${opts.dir ? ` --dir ${opts.dir}` : ''}\``;
      print(opts.json, s, text);
      if (!s.ready) process.exitCode = EXIT.FAILED_CHECK;
    });

  kafka
    .command('create-channel')
    .argument('<name>', 'channel name: 1 to 64 characters from A-Z a-z 0-9 . _ -')
    .description('create the topic ledger.<name>: 1 partition, LogAppendTime, cleanup.policy=delete (an existing conforming topic is accepted)')
    .option('--dir <dir>', DIR_HELP)
    .option('--mode <mode>', `development (replication 1, retention unlimited) or production (replication 3, min.insync.replicas 2, unclean election off); default: development on the local broker, production with ${KAFKA_BROKERS_ENV}`)
    .option('--retention-ms <ms>', 'production retention in milliseconds, longer than any outage (default -1: unlimited)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: DirOption & { mode?: string; retentionMs?: string }) => {
      // usage errors first, before looking for a broker
      validateChannelName(name);
      const givenMode = opts.mode === undefined ? undefined : parseTopicMode(opts.mode);
      const retentionMs = opts.retentionMs === undefined ? undefined : parseRetention(opts.retentionMs);
      useFolderAdmin(chosenDir(opts.dir));
      const target = resolveBrokers({ dir: chosenDir(opts.dir) });
      const mode = givenMode ?? defaultMode(target.kind);
      const r = await createChannelTopic(target.brokers, name, { mode, retentionMs });
      print(opts.json, { ...r, brokers: target.brokers }, `${r.created ? 'created' : 'exists and conforms:'} ${r.topic} on ${target.description}\n${describeCheck(r.check)}`);
    });

  kafka
    .command('check-channel')
    .argument('<name>', 'channel name')
    .description('check that ledger.<name> keeps the topic invariants (DESIGN.md section 8), as nodes do at start')
    .option('--dir <dir>', DIR_HELP)
    .option('--mode <mode>', `development or production; default: development on the local broker, production with ${KAFKA_BROKERS_ENV}`)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: DirOption & { mode?: string }) => {
      validateChannelName(name);
      const givenMode = opts.mode === undefined ? undefined : parseTopicMode(opts.mode);
      useFolderAdmin(chosenDir(opts.dir));
      const target = resolveBrokers({ dir: chosenDir(opts.dir) });
      const mode = givenMode ?? defaultMode(target.kind);
      const check = await checkChannelTopic(target.brokers, name, mode);
      print(opts.json, check, `ok: ${check.topic} keeps the invariants (${MODE_NOTE[mode]})\n${describeCheck(check)}`);
    });

  kafka
    .command('add-user')
    .argument('<name>', 'Kafka principal name: 1 to 128 characters from A-Z a-z 0-9 . _ -')
    .description('on a broker started with --sasl: create a SCRAM-SHA-256 principal and its ACLs, a department (--channel, repeatable: may write only those channels) or node <i> of a channel (--node <i> --channel c: reads and writes ledger.c, its consumer groups ledger-node-<i>-); writes <dir>/credentials/<name>.json (0600) for LEDGER_KAFKA_CREDENTIALS')
    .option('--dir <dir>', DIR_HELP)
    .option('--channel <channel>', 'a channel the department may write (repeat for several); a node\'s one channel', collect)
    .option('--node <index>', 'a consensus node of that index (1..1000): consumes the channel in its groups, posts its markers and API events there', (v) => {
      if (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > 1000) throw new LedgerError('BAD_ARGUMENT', `--node must be a node index 1..1000, got "${v}"`);
      return Number(v);
    })
    .option('--json', 'print JSON')
    .action(async (name: string, opts: DirOption & { channel?: string[]; node?: number }) => {
      const channels = opts.channel ?? [];
      if (channels.length === 0) throw new LedgerError('BAD_ARGUMENT', 'give --channel <channel>: the channel a department may write (repeatable), or the one channel of a --node <i>');
      if (opts.node !== undefined && channels.length !== 1) throw new LedgerError('BAD_ARGUMENT', 'a --node serves exactly one --channel');
      const dir = chosenDir(opts.dir);
      const adminPath = adminCredentialsPath(dir);
      if (!existsSync(adminPath)) throw new LedgerError('BAD_ARGUMENT', `the broker in ${dir} has no SASL (no ${adminPath}): start a fresh folder with \`ledger kafka start --sasl --dir <dir>\``, { dir });
      const admin = readCredentialsFile(adminPath);
      const acl = opts.node !== undefined ? nodeAcls(name, { channel: channels[0]!, nodeIndex: opts.node }) : departmentProducerAcls(name, channels);
      const target = resolveBrokers({ dir });
      const path = await addScramUser({ brokerDir: dir, brokers: target.brokers, admin, username: name, runTool: await kafkaToolRunner({ dir }) });
      await grantAcls(target.brokers, admin, acl);
      const role = opts.node !== undefined ? `node ${opts.node} (consumes ledger.${channels[0]} in groups ledger-node-${opts.node}-*, posts its markers there)` : `department (writes ${channels.map((c) => `ledger.${c}`).join(', ')})`;
      print(opts.json, { username: name, credentials: path, role: opts.node !== undefined ? 'node' : 'department', channels }, `created Kafka user ${name}: ${role}\n  credentials: ${path} (0600; use with ${KAFKA_CREDENTIALS_ENV}=${path})`);
    });
}
