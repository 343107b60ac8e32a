/**
 * @module kafka/topics
 * Channel topics and their invariants (DESIGN.md section 8). Each channel has one topic,
 * `ledger.<channel>`, with one partition (Kafka orders a partition, not a topic), LogAppendTime
 * (the broker's clock is the record time the cut function uses; records with any other timestamp
 * type are dropped) and `cleanup.policy=delete` (compaction would remove records a catching-up node
 * must see in order). Production adds replication factor >= 3, `min.insync.replicas` >= 2 and
 * unclean leader election off, so that an acknowledged record survives a broker loss; a local
 * single-broker development mode is chosen explicitly and says so.
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import kafkajs from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { withAdmin } from './client.js';
import type { KafkaCredentials } from './credentials.js';

const { ConfigResourceTypes } = kafkajs;

export const CHANNEL_TOPIC_PREFIX = 'ledger.';
/** Channel names: the identifier charset, at most 64 bytes (ASCII, so 64 characters). */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * 'development': the provisioned single broker (replication 1; replication, min.insync.replicas and
 * unclean election are reported, not required). 'production': everything of section 8 required.
 */
export type TopicMode = 'development' | 'production';

export const TOPIC_MODES: readonly TopicMode[] = ['development', 'production'];

/** The production settings a channel topic is created with and checked against. */
export const PRODUCTION_TOPIC_SETTINGS = {
  replicationFactor: 3,
  minInsyncReplicas: 2,
  uncleanLeaderElection: false,
} as const;

export const MODE_NOTE: Record<TopicMode, string> = {
  development: 'development mode (single broker, replication 1): not for production',
  production: `production mode (replication >= ${PRODUCTION_TOPIC_SETTINGS.replicationFactor}, min.insync.replicas >= ${PRODUCTION_TOPIC_SETTINGS.minInsyncReplicas}, unclean leader election off)`,
};

/**
 * Validates a channel name.
 * @throws LedgerError BAD_ARGUMENT saying what is allowed
 */
export function validateChannelName(name: string): string {
  if (!CHANNEL_NAME_PATTERN.test(name)) {
    throw new LedgerError('BAD_ARGUMENT', `bad channel name "${name}": use 1 to 64 characters from A-Z a-z 0-9 . _ -`, { channel: name });
  }
  return name;
}

/** `ledger.<channel>`, the channel's topic. @throws LedgerError BAD_ARGUMENT for a bad name */
export function channelTopic(channel: string): string {
  return CHANNEL_TOPIC_PREFIX + validateChannelName(channel);
}

export function parseTopicMode(text: string): TopicMode {
  if ((TOPIC_MODES as readonly string[]).includes(text)) return text as TopicMode;
  throw new LedgerError('BAD_ARGUMENT', `bad mode "${text}": use development or production`, { mode: text });
}

/**
 * The topic to create for a channel: one partition, LogAppendTime, delete. Development keeps
 * everything (retention unlimited by time and size); production uses `retentionMs` (default
 * unlimited too), which must be longer than any outage a node or consumer may have.
 */
export function channelTopicSpec(channel: string, mode: TopicMode, retentionMs: bigint = -1n): ITopicConfig {
  if (retentionMs < -1n || retentionMs === 0n) throw new LedgerError('BAD_ARGUMENT', `retention must be -1 (unlimited) or a positive number of milliseconds, got ${retentionMs}`);
  const configEntries = [
    { name: 'message.timestamp.type', value: 'LogAppendTime' },
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: (mode === 'development' ? -1n : retentionMs).toString() },
    { name: 'retention.bytes', value: '-1' },
  ];
  if (mode === 'production') {
    configEntries.push(
      { name: 'min.insync.replicas', value: String(PRODUCTION_TOPIC_SETTINGS.minInsyncReplicas) },
      { name: 'unclean.leader.election.enable', value: String(PRODUCTION_TOPIC_SETTINGS.uncleanLeaderElection) },
    );
  }
  return {
    topic: channelTopic(channel),
    numPartitions: 1,
    replicationFactor: mode === 'development' ? 1 : PRODUCTION_TOPIC_SETTINGS.replicationFactor,
    configEntries,
  };
}

/** What the cluster says about a topic, and what breaks the invariants in the given mode. */
export interface TopicCheck {
  topic: string;
  mode: TopicMode;
  modeNote: string;
  partitions: number;
  /** The smallest replica count over the partitions. */
  replicationFactor: number;
  timestampType: string | null;
  cleanupPolicy: string | null;
  minInsyncReplicas: number | null;
  uncleanLeaderElection: boolean | null;
  /** Milliseconds as a decimal string (-1: unlimited); 64-bit, so never a Number. */
  retentionMs: string | null;
  violations: string[];
}

export type TopicFacts = Omit<TopicCheck, 'violations' | 'mode' | 'modeNote'>;

/** The invariants of DESIGN.md section 8 applied to a topic's facts; empty when it conforms. */
export function topicViolations(facts: TopicFacts, mode: TopicMode): string[] {
  const v: string[] = [];
  if (facts.partitions !== 1) v.push(`it has ${facts.partitions} partitions; a channel topic must have exactly 1 (Kafka orders only within a partition)`);
  if (facts.timestampType !== 'LogAppendTime') v.push(`message.timestamp.type is ${facts.timestampType ?? 'unknown'}; it must be LogAppendTime (the broker's clock gives the record time)`);
  if (facts.cleanupPolicy !== 'delete') v.push(`cleanup.policy is ${facts.cleanupPolicy ?? 'unknown'}; it must be exactly delete (compaction removes records nodes must see)`);
  if (mode === 'production') {
    const p = PRODUCTION_TOPIC_SETTINGS;
    if (facts.replicationFactor < p.replicationFactor) v.push(`replication factor is ${facts.replicationFactor}; production needs at least ${p.replicationFactor}`);
    if (facts.minInsyncReplicas === null || facts.minInsyncReplicas < p.minInsyncReplicas) v.push(`min.insync.replicas is ${facts.minInsyncReplicas ?? 'unknown'}; production needs at least ${p.minInsyncReplicas}`);
    if (facts.uncleanLeaderElection !== false) v.push(`unclean.leader.election.enable is ${facts.uncleanLeaderElection ?? 'unknown'}; production needs false`);
  }
  return v;
}

/**
 * Reads a topic's partitions, replicas and effective configuration (topic overrides, else the
 * broker defaults) and applies the invariants.
 * @throws LedgerError NOT_FOUND when the topic does not exist
 */
export async function inspectTopic(admin: Admin, topic: string, mode: TopicMode): Promise<TopicCheck> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    const channel = topic.startsWith(CHANNEL_TOPIC_PREFIX) ? topic.slice(CHANNEL_TOPIC_PREFIX.length) : topic;
    throw new LedgerError('NOT_FOUND', `topic ${topic} does not exist; create it with \`ledger kafka create-channel ${channel}\``, { topic });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions ?? [];
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['message.timestamp.type', 'cleanup.policy', 'min.insync.replicas', 'unclean.leader.election.enable', 'retention.ms'] }],
  });
  const entries = new Map((described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue] as const));
  const int = (name: string) => (entries.has(name) && /^-?\d+$/.test(entries.get(name) ?? '') ? Number(entries.get(name)) : null);
  const unclean = entries.get('unclean.leader.election.enable');
  const facts: TopicFacts = {
    topic,
    partitions: partitions.length,
    replicationFactor: partitions.length === 0 ? 0 : Math.min(...partitions.map((p) => p.replicas.length)),
    timestampType: entries.get('message.timestamp.type') ?? null,
    cleanupPolicy: entries.get('cleanup.policy') ?? null,
    minInsyncReplicas: int('min.insync.replicas'),
    uncleanLeaderElection: unclean === 'true' ? true : unclean === 'false' ? false : null,
    retentionMs: entries.get('retention.ms') ?? null,
  };
  return { ...facts, mode, modeNote: MODE_NOTE[mode], violations: topicViolations(facts, mode) };
}

/** LedgerError TOPIC_MISCONFIGURED listing every violation. */
function misconfigured(check: TopicCheck): LedgerError {
  return new LedgerError(
    'TOPIC_MISCONFIGURED',
    `topic ${check.topic} breaks the channel topic invariants (DESIGN.md section 8, ${check.mode} mode): ${check.violations.join('; ')}`,
    { topic: check.topic, mode: check.mode, violations: check.violations },
  );
}

/**
 * The check nodes call at start: the channel's topic exists and keeps the invariants in `mode`.
 * @returns the facts (with an empty `violations`)
 * @throws LedgerError TOPIC_MISCONFIGURED, NOT_FOUND, UNAVAILABLE, BAD_ARGUMENT (channel name)
 */
export async function checkChannelTopic(brokers: string[], channel: string, mode: TopicMode, credentials?: KafkaCredentials | null): Promise<TopicCheck> {
  const topic = channelTopic(channel);
  const check = await withAdmin(brokers, (admin) => inspectTopic(admin, topic, mode), credentials === undefined ? {} : { credentials });
  if (check.violations.length > 0) throw misconfigured(check);
  return check;
}

/**
 * Creates the channel's topic (or accepts an existing one that keeps the invariants).
 * @throws LedgerError TOPIC_MISCONFIGURED for an existing topic that breaks them; CONFLICT when the
 *   cluster cannot hold the topic (e.g. production replication on fewer brokers); BAD_ARGUMENT
 */
export async function createChannelTopic(
  brokers: string[],
  channel: string,
  options: { mode: TopicMode; retentionMs?: bigint; /** Default LEDGER_KAFKA_CREDENTIALS (kafka/client.ts). */ credentials?: KafkaCredentials | null },
): Promise<{ topic: string; created: boolean; check: TopicCheck }> {
  const spec = channelTopicSpec(channel, options.mode, options.retentionMs);
  return withAdmin(brokers, async (admin) => {
    let created: boolean;
    try {
      created = await admin.createTopics({ topics: [spec], waitForLeaders: true, timeout: 30_000 });
    } catch (e) {
      const error = creationError(spec, brokers, e);
      // On a multi-broker cluster kafkajs's wait for leaders can ask a broker that has not yet
      // learnt of the new topic ("does not host this topic-partition"): the topic is there, so
      // wait until its partition has a leader and go on to the invariant check.
      if (error.code !== 'UNAVAILABLE' || !(await hasLeader(admin, spec.topic, 30_000))) throw error;
      created = true;
    }
    // a new topic reaches every broker's metadata a moment after the controller made it
    if (created) await hasLeader(admin, spec.topic, 30_000);
    const check = await inspectTopicSettled(admin, spec.topic, options.mode);
    if (check.violations.length > 0) throw misconfigured(check);
    return { topic: spec.topic, created, check };
  }, options.credentials === undefined ? {} : { credentials: options.credentials });
}

function creationError(spec: ITopicConfig, brokers: string[], e: unknown): LedgerError {
  // kafkajs puts per-topic errors in `errors[].type` of a KafkaJSAggregateError
  const nested = (e as { errors?: Array<{ type?: string; message?: string }> }).errors ?? [];
  const types = [(e as { type?: string }).type, ...nested.map((n) => n.type)].filter((t): t is string => !!t);
  const message = [(e as Error).message, ...nested.map((n) => n.message)].filter(Boolean).join(': ');
  if (types.includes('INVALID_REPLICATION_FACTOR')) {
    return new LedgerError(
      'CONFLICT',
      `cannot create ${spec.topic} with replication factor ${spec.replicationFactor}: the cluster at ${brokers.join(',')} has fewer brokers (use --mode development on a single-broker cluster)`,
      { topic: spec.topic, replicationFactor: spec.replicationFactor },
      { cause: e },
    );
  }
  if (types.includes('INVALID_TOPIC_EXCEPTION')) {
    return new LedgerError('BAD_ARGUMENT', `Kafka refuses the topic name ${spec.topic}: ${message}`, { topic: spec.topic }, { cause: e });
  }
  return new LedgerError('UNAVAILABLE', `cannot create ${spec.topic} on ${brokers.join(',')}: ${message}`, { topic: spec.topic, types }, { cause: e });
}

/**
 * inspectTopic, asked again while a broker answers that it does not know or host the topic yet
 * (a topic just created on a multi-broker cluster, whose metadata reaches each broker a moment
 * apart), for up to 30 s.
 */
async function inspectTopicSettled(admin: Admin, topic: string, mode: TopicMode): Promise<TopicCheck> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await inspectTopic(admin, topic, mode);
    } catch (e) {
      const type = (e as { type?: string }).type;
      const notYet = e instanceof LedgerError ? e.code === 'NOT_FOUND' : type === 'UNKNOWN_TOPIC_OR_PARTITION';
      if (!notYet || Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Polls the topic's metadata until its partition 0 has a leader, up to `timeoutMs`. */
async function hasLeader(admin: Admin, topic: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const leader = metadata.topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
      if (leader !== undefined && leader >= 0) return true;
    } catch {
      /* not known yet */
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}
