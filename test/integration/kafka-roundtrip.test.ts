/**
 * A produce-consume round trip through kafkajs on the run's real broker (issue 4): on a channel
 * topic the broker stamps each record with its own clock (LogAppendTime, DESIGN.md section 8),
 * whatever time the producer claims; offsets and timestamps stay 64-bit (strings, then bigint).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer, KafkaMessage, Producer } from 'kafkajs';
import { createKafka, createProducer, recordTimestampType, withAdmin } from '../../kafka/client.js';
import { createChannelTopic } from '../../kafka/topics.js';
import { testBrokers, uniqueChannel, uniqueTopic, waitFor } from '../helpers/kafka.js';

/** A claimed producer time far in the past (1970), which LogAppendTime must override. */
const CLAIMED_TIMESTAMP = '1000';
/** Allowed difference between this process's clock and the broker's (same machine, or NTP). */
const CLOCK_SKEW_MS = 5_000n;

const open: Array<Producer | Consumer> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.disconnect().catch(() => undefined)));
});

/** Produces the values in one send, then reads the topic from the beginning with a fresh group. */
async function roundTrip(topic: string, values: string[]): Promise<{ sent: Awaited<ReturnType<Producer['send']>>; received: KafkaMessage[]; before: bigint; after: bigint }> {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'roundtrip-test' });
  const producer = createProducer(kafka);
  open.push(producer);
  await producer.connect();
  const before = BigInt(Date.now());
  const sent = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, timestamp: CLAIMED_TIMESTAMP })) });
  const after = BigInt(Date.now());

  // DESIGN.md section 8: a fresh group id, no auto commit, eachBatch, a small maxWaitTimeInMs
  const consumer = kafka.consumer({ groupId: uniqueTopic('roundtrip-group'), maxWaitTimeInMs: 50 });
  open.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: KafkaMessage[] = [];
  await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => void received.push(...batch.messages) });
  await waitFor(() => received.length >= values.length, { what: `${values.length} records from ${topic}`, timeoutMs: 60_000 });
  return { sent, received, before, after };
}

describe('produce-consume round trip through kafkajs', () => {
  it('a channel topic stamps records with LogAppendTime; offsets count from 0 as 64-bit strings', async () => {
    const channel = uniqueChannel('roundtrip');
    const { topic } = await createChannelTopic(testBrokers(), channel, { mode: 'development' });
    const values = ['第一条 record', 'second', 'third'];
    const { sent, received, before, after } = await roundTrip(topic, values);

    expect(received.map((m) => m.value?.toString('utf8'))).toEqual(values);
    expect(received.map((m) => BigInt(m.offset))).toEqual([0n, 1n, 2n]);
    for (const m of received) {
      expect(typeof m.timestamp).toBe('string');
      expect(recordTimestampType(m)).toBe('LogAppendTime');
      const t = BigInt(m.timestamp);
      expect(t).not.toBe(BigInt(CLAIMED_TIMESTAMP));
      expect(t >= before - CLOCK_SKEW_MS && t <= after + CLOCK_SKEW_MS, `broker time ${t} within [${before}, ${after}] ± skew`).toBe(true);
    }
    // the produce response reports the append time the broker stamped
    expect(sent).toHaveLength(1);
    expect(sent[0]!.baseOffset).toBe('0');
    expect(sent[0]!.logAppendTime).toBe(received[0]!.timestamp);
  });

  it('for contrast, a CreateTime topic keeps the producer-claimed time (what the invariant check refuses)', async () => {
    const topic = `ledger.${uniqueChannel('createtime-rt')}`;
    await withAdmin(testBrokers(), (admin) =>
      admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [
            { name: 'message.timestamp.type', value: 'CreateTime' },
            // a 1970 record time would otherwise make the record eligible for time retention
            { name: 'retention.ms', value: '-1' },
          ] }] }),
    );
    const { received } = await roundTrip(topic, ['x']);
    expect(received[0]!.timestamp).toBe(CLAIMED_TIMESTAMP);
    expect(recordTimestampType(received[0]!)).toBe('CreateTime');
  });
});
