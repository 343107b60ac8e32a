/**
 * Bad input in the topic (issue 9): garbage, an oversized record, a forged signature and another
 * channel's event are dropped as DESIGN.md section 6 says, counted in the headers, and no node
 * crashes; records written after the topic's timestamp type is switched to CreateTime while the
 * nodes run are dropped too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { eventId } from '../../ledger/hash.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import { createKafka, createProducer, withAdmin } from '../../kafka/client.js';
import { channelTopic } from '../../kafka/topics.js';
import { BlockStore } from '../../consensus/block-store.js';
import type { EventBody } from '../../proto/schema.generated.js';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

function dumpLogs(): void {
  for (const n of [1, 2, 3]) {
    try {
      console.error(`--- node ${n} ---\n${readFileSync(join(cluster!.layout.nodeDir(n), 'node.log'), 'utf8').split('\n').slice(-20).join('\n')}`);
    } catch {
      /* none */
    }
  }
}

const pk = SigningKey.generate().publicKey;
const registration = (sequence: bigint, channel = 'property'): EventBody => ({
  channel,
  departmentId: 'authority.city',
  keyVersion: 1,
  sequence,
  clientTimeMs: 0n,
  departmentRegistered: { departmentId: `dept.bad-input.${sequence}.${channel}`, name: 'x', publicKey: pk, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false } },
});

describe('bad input in the topic', () => {
  it('is dropped and counted; no node crashes; CreateTime records are dropped too', { timeout: 240_000 }, async () => {
    try {
      const dataDir = scratchDir('bad-input');
      cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir, brokerDir: join(dataDir, 'kafka'), batchTimeoutMs: 100n, heartbeatIntervalMs: 1_000n, log: () => undefined });
      const c = cluster;
      const topic = channelTopic('property');
      const statuses = () => Promise.all(c.nodes.map((n) => fetchStatus(n.url)));
      await waitFor(async () => (await statuses()).every((s) => s?.phase === 'consuming'), { what: 'nodes consuming', timeoutMs: 60_000 });
      const producer = createProducer(createKafka({ brokers: c.brokers }));
      await producer.connect();
      const authority = loadKeyFile(c.layout.authorityKey);
      const send = (value: Uint8Array) => producer.send({ topic, acks: -1, messages: [{ value: Buffer.from(value) }] });

      await send(Uint8Array.from([0xde, 0xad, 0xbe, 0xef])); // garbage
      await send(new Uint8Array(9 * 1024).fill(7)); // oversized (max_record_bytes is 8 KiB)
      await send(buildSignedEvent(registration(1n), SigningKey.generate()).recordValue); // forged: not the authority's key
      await send(buildSignedEvent(registration(1n, 'other'), authority).recordValue); // another channel's event
      const good = buildSignedEvent(registration(1n), authority);
      await send(good.recordValue);

      // the valid event commits everywhere; the four bad records are counted as dropped
      await waitFor(async () => (await statuses()).every((s) => s !== undefined && Number(s.committedEvents) >= 1), { what: 'the valid event committed on all nodes', timeoutMs: 60_000 });

      // switch the topic to CreateTime while the nodes run, then publish a valid event: it is
      // dropped, and so are the markers written meanwhile, so nothing cuts until the topic is fixed
      const setTimestampType = (value: string) =>
        withAdmin(c.brokers, (admin) =>
          admin.alterConfigs({ validateOnly: false, resources: [{ type: 2 /* TOPIC */, name: topic, configEntries: [{ name: 'message.timestamp.type', value }] }] }),
        );
      await setTimestampType('CreateTime');
      const late = buildSignedEvent(registration(2n), authority);
      const [meta] = await send(late.recordValue);
      const lateOffset = BigInt(meta!.baseOffset!);
      await new Promise((r) => setTimeout(r, 2_500));
      await setTimestampType('LogAppendTime');
      // heartbeats cut blocks again: wait until one covers the CreateTime record
      await waitFor(async () => (await statuses()).every((s) => s !== undefined && BigInt(s.committedOffset as string) > lateOffset), { what: 'a block past the CreateTime record', timeoutMs: 60_000 });
      for (const s of await statuses()) {
        expect(s, 'every node still answers').toBeDefined();
        expect(s!.alarms).toEqual([]);
        expect(s!.phase).not.toBe('halted');
      }
      await producer.disconnect();
      await Promise.all([1, 2, 3].map((n) => c.stopNode(n)));

      const db = new Level<Uint8Array, Uint8Array>(join(c.layout.nodeDir(1), 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
      await db.open();
      const store = await BlockStore.open(db, c.genesis.hash, c.genesis.limits);
      let dropped = 0n;
      const included = new Set<string>();
      for (let h = 1n; h <= store.head.height; h++) {
        const b = (await store.block(h))!;
        dropped += b.header!.droppedCount;
        for (const e of b.events) included.add(toHex(eventId(e.event!.body)));
      }
      await db.close();
      expect(included.has(toHex(good.id)), 'the valid event is in the chain').toBe(true);
      expect(included.has(toHex(late.id)), 'the CreateTime event is not').toBe(false);
      expect(included.size).toBe(1);
      // garbage, oversized, forged, other channel, and the CreateTime record (and CreateTime markers)
      expect(dropped).toBeGreaterThanOrEqual(5n);
    } catch (e) {
      dumpLogs();
      throw e;
    }
  });
});
