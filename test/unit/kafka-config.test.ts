/** The pure parts of the Kafka work (issue 4): broker lists, channel names, topic specs and invariants, server.properties. */
import { describe, expect, it } from 'vitest';
import { brokersFromEnv, parseBrokerList } from '../../kafka/client.js';
import { parsePort, renderServerProperties } from '../../kafka/provision.js';
import { channelTopic, channelTopicSpec, topicViolations, validateChannelName, type TopicFacts } from '../../kafka/topics.js';
import { ERROR_CODES, LedgerError } from '../../errors/ledger-error.js';
import { EXIT_BY_CODE } from '../../cli/exit-codes.js';
import { HTTP_STATUS_BY_CODE } from '../../api/http-status.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LedgerError ? e.code : 'not a LedgerError';
  }
  return undefined;
}

const conforming: TopicFacts = {
  topic: 'ledger.x',
  partitions: 1,
  replicationFactor: 3,
  timestampType: 'LogAppendTime',
  cleanupPolicy: 'delete',
  minInsyncReplicas: 2,
  uncleanLeaderElection: false,
  retentionMs: '-1',
};

describe('KAFKA_BROKERS', () => {
  it('parses host:port lists and ignores blanks around entries', () => {
    expect(parseBrokerList('127.0.0.1:9092, kafka-1.example:19092 ,[::1]:9093')).toEqual(['127.0.0.1:9092', 'kafka-1.example:19092', '[::1]:9093']);
    expect(brokersFromEnv({})).toBeUndefined();
    expect(brokersFromEnv({ KAFKA_BROKERS: '  ' })).toBeUndefined();
    expect(brokersFromEnv({ KAFKA_BROKERS: 'a:1' })).toEqual(['a:1']);
  });
  it('refuses entries without a valid port, naming the entry', () => {
    for (const bad of ['localhost', 'host:0', 'host:65536', 'host:x', ':9092', 'a b:1', ',']) {
      expect(codeOf(() => parseBrokerList(bad)), bad).toBe('BAD_ARGUMENT');
    }
    expect(() => parseBrokerList('ok:1,nope')).toThrow(/"nope"/);
  });
});

describe('channel names and topics (DESIGN.md section 8)', () => {
  it('accepts the identifier charset up to 64 bytes and prefixes ledger.', () => {
    expect(channelTopic('certs-2025_v1.0')).toBe('ledger.certs-2025_v1.0');
    expect(validateChannelName('a'.repeat(64))).toHaveLength(64);
  });
  it('refuses empty, too long, and characters outside [A-Za-z0-9._-]', () => {
    for (const bad of ['', 'a'.repeat(65), 'a b', 'a/b', 'a:b', '证照', 'a\n']) {
      expect(codeOf(() => validateChannelName(bad)), JSON.stringify(bad)).toBe('BAD_ARGUMENT');
    }
  });
  it('development spec: 1 partition, replication 1, LogAppendTime, delete, unlimited retention', () => {
    const spec = channelTopicSpec('c', 'development');
    expect(spec).toMatchObject({ topic: 'ledger.c', numPartitions: 1, replicationFactor: 1 });
    expect(Object.fromEntries(spec.configEntries!.map((e) => [e.name, e.value]))).toEqual({
      'message.timestamp.type': 'LogAppendTime',
      'cleanup.policy': 'delete',
      'retention.ms': '-1',
      'retention.bytes': '-1',
    });
  });
  it('production spec: replication 3, min.insync.replicas 2, unclean election off, the given retention (64-bit)', () => {
    const spec = channelTopicSpec('c', 'production', 9_007_199_254_740_993n);
    expect(spec.replicationFactor).toBe(3);
    expect(Object.fromEntries(spec.configEntries!.map((e) => [e.name, e.value]))).toMatchObject({
      'min.insync.replicas': '2',
      'unclean.leader.election.enable': 'false',
      'retention.ms': '9007199254740993',
    });
    expect(codeOf(() => channelTopicSpec('c', 'production', 0n))).toBe('BAD_ARGUMENT');
  });
});

describe('topic invariants (DESIGN.md section 8)', () => {
  it('a conforming topic has no violations in either mode', () => {
    expect(topicViolations(conforming, 'production')).toEqual([]);
    expect(topicViolations({ ...conforming, replicationFactor: 1, minInsyncReplicas: 1 }, 'development')).toEqual([]);
  });
  it('each broken invariant is named', () => {
    const cases: Array<[Partial<TopicFacts>, RegExp]> = [
      [{ partitions: 2 }, /2 partitions/],
      [{ timestampType: 'CreateTime' }, /message\.timestamp\.type is CreateTime/],
      [{ cleanupPolicy: 'compact,delete' }, /cleanup\.policy is compact,delete/],
    ];
    for (const [change, message] of cases) {
      for (const mode of ['development', 'production'] as const) {
        const v = topicViolations({ ...conforming, ...change }, mode);
        expect(v, `${JSON.stringify(change)} ${mode}`).toHaveLength(1);
        expect(v[0]).toMatch(message);
      }
    }
    const prod: Array<[Partial<TopicFacts>, RegExp]> = [
      [{ replicationFactor: 2 }, /replication factor is 2/],
      [{ minInsyncReplicas: 1 }, /min\.insync\.replicas is 1/],
      [{ uncleanLeaderElection: true }, /unclean\.leader\.election\.enable is true/],
    ];
    for (const [change, message] of prod) {
      expect(topicViolations({ ...conforming, ...change }, 'development')).toEqual([]);
      const v = topicViolations({ ...conforming, ...change }, 'production');
      expect(v).toHaveLength(1);
      expect(v[0]).toMatch(message);
    }
  });
  it('has its own error code: exit 1, HTTP 503', () => {
    expect(ERROR_CODES.TOPIC_MISCONFIGURED).toMatchObject({ retriable: false });
    expect(EXIT_BY_CODE.TOPIC_MISCONFIGURED).toBe(1);
    expect(HTTP_STATUS_BY_CODE.TOPIC_MISCONFIGURED).toBe(503);
  });
});

describe('broker configuration (DESIGN.md section 11)', () => {
  it('renders the single combined broker/controller on 127.0.0.1', () => {
    const text = renderServerProperties({ port: 19092, controllerPort: 19093, logDirs: '/x/logs' });
    const props = Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(props).toEqual({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': '/x/logs',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
      'num.io.threads': '2',
      'num.network.threads': '2',
    });
  });
  it('ports are integers in 1..65535', () => {
    expect(parsePort('9092')).toBe(9092);
    for (const bad of ['0', '65536', '-1', '9092x', '', '1e3']) expect(codeOf(() => parsePort(bad)), bad).toBe('BAD_ARGUMENT');
  });
});
