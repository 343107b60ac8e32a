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
import { brokerStatus, parsePort, resolveBrokers, startBroker, stopBroker, type BrokerInfo } from '../../kafka/provision.js';
import { checkChannelTopic, createChannelTopic, MODE_NOTE, parseTopicMode, validateChannelName, type TopicCheck, type TopicMode } from '../../kafka/topics.js';

interface DirOption {
  dir?: string;
  json?: boolean;
}

const DIR_HELP = 'broker folder (default <project>/.data/kafka)';

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
function defaultMode(kind: 'external' | 'local'): TopicMode {
  return kind === 'local' ? 'development' : 'production';
}

function parseRetention(text: string): bigint {
  if (!/^(-1|[1-9]\d{0,18})$/.test(text)) throw new LedgerError('BAD_ARGUMENT', `--retention-ms must be -1 (unlimited) or a positive integer, got "${text}"`);
  return BigInt(text);
}

export function registerKafka(program: Command): void {
  const kafka = program
    .command('kafka')
    .description(`the project's local Apache Kafka 3.9 (one broker on 127.0.0.1) and channel topics; ${KAFKA_BROKERS_ENV}=host:port,... uses an existing cluster instead`);

  kafka
    .command('start')
    .description('start the local broker (first use resolves Kafka with Maven into the cache), or reuse the running one')
    .option('--dir <dir>', DIR_HELP)
    .option('--port <port>', 'client port on 127.0.0.1 (default: the last one used, else a free one)', (v) => parsePort(v, '--port'))
    .option('--controller-port <port>', 'KRaft controller port on 127.0.0.1 (default: as --port)', (v) => parsePort(v, '--controller-port'))
    .option('--json', 'print JSON')
    .action(async (opts: DirOption & { port?: number; controllerPort?: number }) => {
      const external = await externalCluster();
      if (external) {
        print(opts.json, { external: true, brokers: external.brokers, liveBrokers: external.live }, `${KAFKA_BROKERS_ENV} is set: using the existing cluster at ${external.brokers.join(',')} (${external.live} live brokers); nothing to start`);
        return;
      }
      const info = await startBroker({ dir: opts.dir, port: opts.port, controllerPort: opts.controllerPort });
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
      const r = await stopBroker({ dir: opts.dir });
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
      const s = await brokerStatus({ dir: opts.dir });
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
      const target = resolveBrokers({ dir: opts.dir });
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
      const target = resolveBrokers({ dir: opts.dir });
      const mode = givenMode ?? defaultMode(target.kind);
      const check = await checkChannelTopic(target.brokers, name, mode);
      print(opts.json, check, `ok: ${check.topic} keeps the invariants (${MODE_NOTE[mode]})\n${describeCheck(check)}`);
    });
}
