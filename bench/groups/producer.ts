/**
 * @module bench/groups/producer
 * One department's producer process into a real Kafka (DESIGN.md section 11):
 *  - producer_events_per_s: events built, signed, stored in the synced LevelDB outbox and
 *    acknowledged by Kafka (acks all, idempotent producer, one send in flight), from the first
 *    event handed to the client to the last acknowledgement; 50,000 events (10,000 with --quick)
 *    after a warm-up of 2,000.
 * Not pure: uses KAFKA_BROKERS when set, else starts a broker in a temporary folder and stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokersFromEnv, createKafka, probeMetadata } from '../../kafka/client.js';
import { startBroker, stopBroker } from '../../kafka/provision.js';
import { createChannelTopic } from '../../kafka/topics.js';
import { SigningKey } from '../../ledger/key-file.js';
import { DepartmentClient } from '../../producers/department-client.js';
import { publishLoad } from '../../producers/load.js';
import type { BenchGroup } from '../types.js';

const WARM_UP = 2_000;

export const producerGroup: BenchGroup = {
  name: 'producer',
  description: 'signed events per second from one producer process into Kafka (acks all, outbox included)',
  pure: false,
  async run({ quick, log }) {
    const events = quick ? 10_000 : 50_000;
    const scratch = mkdtempSync(join(tmpdir(), 'ledger-bench-producer-'));
    let brokerDir: string | undefined;
    let client: DepartmentClient | undefined;
    try {
      let brokers = brokersFromEnv();
      if (brokers === undefined) {
        brokerDir = join(scratch, 'kafka');
        const info = await startBroker({ dir: brokerDir });
        brokers = info.brokers;
        log(`started a broker at ${brokers.join(',')} in ${(info.elapsedMs / 1000).toFixed(1)} s`);
      }
      const channel = `bench-producer-${Date.now().toString(36)}`;
      // replicated as in production when the cluster can hold it (acks all then waits for the ISR)
      const live = (await probeMetadata(brokers, 10_000)) ?? 0;
      await createChannelTopic(brokers, channel, { mode: live >= 3 ? 'production' : 'development' });
      client = await DepartmentClient.open({
        kafka: createKafka({ brokers, clientId: 'bench-producer' }),
        channel,
        departmentId: 'dept.bench',
        keyVersion: 1,
        key: SigningKey.generate(),
        stateDir: join(scratch, 'outbox'),
      });
      await publishLoad(client, { until: BigInt(WARM_UP) });
      const cpu = process.cpuUsage();
      const r = await publishLoad(client, { until: BigInt(WARM_UP + events) });
      const used = process.cpuUsage(cpu);
      const perSecond = Math.round(r.publishedThisRun / (r.elapsedMs / 1000));
      // the CPU this process spent per event (all threads), which the machine's other load does not inflate
      const cpuPerEvent = (used.user + used.system) / r.publishedThisRun;
      log(`${r.publishedThisRun} events in ${(r.elapsedMs / 1000).toFixed(2)} s (${cpuPerEvent.toFixed(1)} µs CPU per event in this process); ${client.failedSends} failed sends`);
      return { producer_events_per_s: perSecond };
    } finally {
      await client?.close().catch(() => undefined);
      if (brokerDir) await stopBroker({ dir: brokerDir });
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
