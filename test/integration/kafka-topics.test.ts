/**
 * Channel topics on the run's real broker (issue 4): `createChannelTopic` / `ledger kafka
 * create-channel` make a topic that keeps the invariants of DESIGN.md section 8, and the check
 * nodes call at start refuses topics that break them.
 */
import { describe, expect, it } from 'vitest';
import { withAdmin } from '../../kafka/client.js';
import { checkChannelTopic, createChannelTopic } from '../../kafka/topics.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { runCli } from '../helpers/cli.js';
import { testBrokers, uniqueChannel } from '../helpers/kafka.js';

/** Creates `ledger.<channel>` bypassing the ledger's spec, to get a misconfigured topic. */
async function createRawTopic(channel: string, numPartitions: number, configs: Record<string, string>): Promise<void> {
  await withAdmin(testBrokers(), async (admin) => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: `ledger.${channel}`, numPartitions, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    });
    expect(created).toBe(true);
  });
}

async function rejection(p: Promise<unknown>): Promise<LedgerError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof LedgerError)) throw new Error(`expected a LedgerError, got ${e === undefined ? 'success' : String(e)}`);
  return e;
}

describe('channel topics (DESIGN.md section 8)', () => {
  it('createChannelTopic makes ledger.<channel>: 1 partition, LogAppendTime, delete, unlimited retention; the check passes', async () => {
    const channel = uniqueChannel();
    const r = await createChannelTopic(testBrokers(), channel, { mode: 'development' });
    expect(r.created).toBe(true);
    expect(r.topic).toBe(`ledger.${channel}`);
    expect(r.check).toMatchObject({ partitions: 1, replicationFactor: 1, timestampType: 'LogAppendTime', cleanupPolicy: 'delete', retentionMs: '-1', violations: [] });
    expect(r.check.modeNote).toContain('development mode');
    const check = await checkChannelTopic(testBrokers(), channel, 'development');
    expect(check.violations).toEqual([]);
    // creating again accepts the conforming topic
    expect((await createChannelTopic(testBrokers(), channel, { mode: 'development' })).created).toBe(false);
  });

  it('ledger kafka create-channel and check-channel on KAFKA_BROKERS', () => {
    const channel = uniqueChannel('cli');
    const env = { ...process.env, KAFKA_BROKERS: testBrokers().join(',') };
    const created = runCli(['kafka', 'create-channel', channel, '--mode', 'development'], env);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain(`created ledger.${channel}`);
    expect(created.stdout).toContain('message.timestamp.type: LogAppendTime');
    const checked = runCli(['kafka', 'check-channel', channel, '--mode', 'development', '--json'], env);
    expect(checked.status).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ topic: `ledger.${channel}`, partitions: 1, violations: [] });
    // production mode is the default on KAFKA_BROKERS: a single-broker topic fails it, naming why
    const prod = runCli(['kafka', 'check-channel', channel], env);
    expect(prod.status).toBe(1);
    expect(prod.stderr).toContain('error [TOPIC_MISCONFIGURED]');
    expect(prod.stderr).toContain('replication factor is 1; production needs at least 3');
    expect(prod.stderr).toContain('min.insync.replicas is 1; production needs at least 2');
  });

  it('refuses a topic with CreateTime', async () => {
    const channel = uniqueChannel('createtime');
    await createRawTopic(channel, 1, { 'message.timestamp.type': 'CreateTime' });
    const e = await rejection(checkChannelTopic(testBrokers(), channel, 'development'));
    expect(e.code).toBe('TOPIC_MISCONFIGURED');
    expect(e.message).toContain('message.timestamp.type is CreateTime; it must be LogAppendTime');
    expect(e.details).toMatchObject({ topic: `ledger.${channel}`, mode: 'development' });
    // create-channel does not accept the existing misconfigured topic either
    expect((await rejection(createChannelTopic(testBrokers(), channel, { mode: 'development' }))).code).toBe('TOPIC_MISCONFIGURED');
  });

  it('refuses a topic with two partitions', async () => {
    const channel = uniqueChannel('twoparts');
    await createRawTopic(channel, 2, { 'message.timestamp.type': 'LogAppendTime' });
    const e = await rejection(checkChannelTopic(testBrokers(), channel, 'development'));
    expect(e.code).toBe('TOPIC_MISCONFIGURED');
    expect(e.message).toContain('it has 2 partitions; a channel topic must have exactly 1');
    expect(e.message).not.toContain('timestamp');
  });

  it('refuses compaction, and names every violation at once', async () => {
    const channel = uniqueChannel('compact');
    await createRawTopic(channel, 3, { 'cleanup.policy': 'compact' });
    const e = await rejection(checkChannelTopic(testBrokers(), channel, 'development'));
    expect(e.code).toBe('TOPIC_MISCONFIGURED');
    expect(e.details.violations).toHaveLength(3);
    expect(e.message).toContain('cleanup.policy is compact; it must be exactly delete');
    const cli = runCli(['kafka', 'check-channel', channel, '--mode', 'development'], { ...process.env, KAFKA_BROKERS: testBrokers().join(',') });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`error [TOPIC_MISCONFIGURED]: topic ledger.${channel} breaks the channel topic invariants`);
  });

  it('a missing topic is NOT_FOUND with how to create it; a bad name is a usage error', async () => {
    const channel = uniqueChannel('missing');
    const e = await rejection(checkChannelTopic(testBrokers(), channel, 'development'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(`ledger kafka create-channel ${channel}`);
    const bad = runCli(['kafka', 'create-channel', 'no spaces'], { ...process.env, KAFKA_BROKERS: testBrokers().join(',') });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error [BAD_ARGUMENT]: bad channel name "no spaces"');
  });

  it('production mode: replication 3 where the cluster has 3 brokers, else a CONFLICT that says what to do', async () => {
    const channel = uniqueChannel('prod');
    const brokerCount = await withAdmin(testBrokers(), async (admin) => (await admin.describeCluster()).brokers.length);
    if (brokerCount >= 3) {
      // an external production-like cluster (KAFKA_BROKERS)
      const r = await createChannelTopic(testBrokers(), channel, { mode: 'production' });
      expect(r.check).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2, uncleanLeaderElection: false, violations: [] });
    } else {
      const e = await rejection(createChannelTopic(testBrokers(), channel, { mode: 'production' }));
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toContain('replication factor 3');
      expect(e.message).toContain('--mode development');
    }
  });
});
