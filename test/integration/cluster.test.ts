/**
 * The running cluster on a real broker (issue 9): three node processes, Kafka and two producers;
 * 20,000 events; one node killed with SIGKILL mid-run and restarted; another wiped and restarted
 * after the topic's early records were deleted, so that it must take committed blocks from its
 * peers; the broker restarted once. Afterwards the three nodes hold identical blocks (headers,
 * events, results) and every acknowledged event is in exactly one committed block.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../../ledger/bytes.js';
import { eventId } from '../../ledger/hash.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import { createKafka, withAdmin } from '../../kafka/client.js';
import { startBroker, stopBroker } from '../../kafka/provision.js';
import { channelTopic } from '../../kafka/topics.js';
import { BlockStore } from '../../consensus/block-store.js';
import { DepartmentClient, type Receipt } from '../../producers/department-client.js';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';

const EVENTS_PER_PRODUCER = 10_000;
let cluster: LocalCluster | undefined;
let lastStatuses: unknown[] = [];
const clients: DepartmentClient[] = [];

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await cluster?.stop();
});

/** On failure, the nodes' logs say why: print their tails. */
function dumpLogs(): void {
  if (!cluster) return;
  console.error(`last statuses: ${JSON.stringify(lastStatuses)}`);
  for (const n of [1, 2, 3]) {
    try {
      const text = readFileSync(join(cluster.layout.nodeDir(n), 'node.log'), 'utf8').split('\n').slice(-25).join('\n');
      console.error(`--- node ${n} log ---\n${text}`);
    } catch {
      /* no log */
    }
  }
}

async function statusOf(n: number): Promise<Record<string, string | number | unknown[]> | undefined> {
  return (await fetchStatus(cluster!.nodes[n - 1]!.url)) as Record<string, string | number | unknown[]> | undefined;
}

describe('three node processes on a real broker', () => {
  it('survive SIGKILL, a wipe with the early records deleted, and a broker restart, and agree on every block', { timeout: 360_000 }, async () => {
    try {
      await scenario();
    } catch (e) {
      dumpLogs();
      throw e;
    }
  });
});

async function scenario(): Promise<void> {
  {
    const dataDir = scratchDir('cluster');
    const brokerDir = join(dataDir, 'kafka');
    cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir, brokerDir, batchTimeoutMs: 100n, heartbeatIntervalMs: 2_000n, log: () => undefined });
    const c = cluster;
    const topic = channelTopic(c.genesis.genesis.channel);
    await waitFor(async () => (await Promise.all([1, 2, 3].map(statusOf))).every((s) => s?.phase === 'consuming'), { what: 'three nodes consuming', timeoutMs: 60_000 });

    const kafka = createKafka({ brokers: c.brokers });
    const authorityKey = loadKeyFile(c.layout.authorityKey);
    const authority = await DepartmentClient.open({ kafka, channel: 'property', departmentId: 'authority.city', keyVersion: 1, key: authorityKey, stateDir: join(dataDir, 'outbox-authority') });
    clients.push(authority);
    // a second department, registered by the authority, publishes too
    const taxKey = SigningKey.generate();
    await authority.publish({ departmentRegistered: { departmentId: 'dept.tax', name: '市税务局', publicKey: taxKey.publicKey, rights: { certificateTypeIds: [], resourceIds: ['res.tax'], govern: false, seize: false, audit: false } } });
    const tax = await DepartmentClient.open({ kafka, channel: 'property', departmentId: 'dept.tax', keyVersion: 1, key: taxKey, stateDir: join(dataDir, 'outbox-tax') });
    clients.push(tax);

    const receipts: Receipt[] = [];
    const produce = async (client: DepartmentClient, make: (i: number) => Parameters<DepartmentClient['enqueue']>[0]) => {
      const entries = [];
      for (let i = 0; i < EVENTS_PER_PRODUCER; i++) {
        entries.push(await client.enqueue(make(i)));
        if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20)); // a steady stream, not one burst
      }
      for (const e of entries) receipts.push(await e.receipt);
    };
    const pk = SigningKey.generate().publicKey;
    const producing = Promise.all([
      produce(authority, (i) => ({ departmentRegistered: { departmentId: `dept.r${i}`, name: `部门 ${i}`, publicKey: pk, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false } } })),
      produce(tax, (i) => ({ shareRequested: { requestId: `req-${i}`, resourceId: 'res.civil', purpose: '家庭经济状况核对', fields: ['收入'] } })),
    ]);

    // mid-run: SIGKILL node 2, restart it a little later
    await waitFor(async () => Number((await statusOf(2))?.height ?? 0) >= 3, { what: 'node 2 past height 3', timeoutMs: 60_000 });
    await c.stopNode(2, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    c.startNode(2);

    // restart the broker once, while the producers send
    await stopBroker({ dir: brokerDir });
    const restarted = await startBroker({ dir: brokerDir });
    expect(restarted.brokers).toEqual(c.brokers); // the folder keeps its ports

    await producing;
    // wipe node 3: stop it, delete its data, delete the topic's early records, restart
    const committedOffset = await waitFor(async () => {
      const s = await statusOf(1);
      return s && Number(s.height) > 5 ? BigInt(s.committedOffset as string) : undefined;
    }, { what: 'node 1 past height 5', timeoutMs: 60_000 });
    await c.stopNode(3);
    rmSync(join(c.layout.nodeDir(3), 'db'), { recursive: true, force: true });
    await withAdmin(c.brokers, async (admin) => {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: (committedOffset - 1n).toString() }] });
    });
    c.startNode(3);

    // everything acknowledged commits on all three nodes
    const total = receipts.length;
    expect(total).toBe(2 * EVENTS_PER_PRODUCER);
    // every node commits past the last acknowledged offset
    const lastAcked = receipts.reduce((m, r) => (r.offset > m ? r.offset : m), 0n);
    await waitFor(
      async () => {
        const all = await Promise.all([1, 2, 3].map(statusOf));
        lastStatuses = all;
        return all.every((s) => s !== undefined && BigInt(s.committedOffset as string) > lastAcked);
      },
      { what: `the three nodes committing past offset ${lastAcked}`, timeoutMs: 180_000, intervalMs: 500 },
    );
    const target = BigInt((await statusOf(1))!.height as string);
    const s3 = (await statusOf(3))!;
    expect(s3.blocksFromPeers as number, 'the wiped node took committed blocks from its peers').toBeGreaterThan(0);
    for (const n of [1, 2, 3]) expect((await statusOf(n))!.alarms, `node ${n} alarms`).toEqual([]);

    for (const cl of clients) await cl.close();
    clients.length = 0;
    await Promise.all([1, 2, 3].map((n) => c.stopNode(n)));

    // identical blocks on every node; every acknowledged event in exactly one block
    const chains: Uint8Array[][] = [];
    const idsPerNode: Map<string, bigint>[] = [];
    for (const n of [1, 2, 3]) {
      const db = new Level<Uint8Array, Uint8Array>(join(c.layout.nodeDir(n), 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
      await db.open();
      const store = await BlockStore.open(db, c.genesis.hash, c.genesis.limits);
      const blocks: Uint8Array[] = [];
      const ids = new Map<string, bigint>();
      for (let h = 1n; h <= store.head.height; h++) {
        blocks.push((await store.blockBytes(h))!);
        for (const e of (await store.block(h))!.events) {
          const id = toHex(eventId(e.event!.body));
          expect(ids.has(id), `event ${id} twice in node ${n}'s chain`).toBe(false);
          ids.set(id, h);
        }
      }
      await db.close();
      chains.push(blocks);
      idsPerNode.push(ids);
    }
    // nodes stop at slightly different heights (heartbeat blocks keep coming): compare the common prefix
    const common = Math.min(...chains.map((c) => c.length));
    expect(common).toBeGreaterThanOrEqual(Number(target) - 1);
    for (let i = 0; i < common; i++) {
      expect(bytesEqual(chains[1]![i]!, chains[0]![i]!), `block ${i + 1} of node 2`).toBe(true);
      expect(bytesEqual(chains[2]![i]!, chains[0]![i]!), `block ${i + 1} of node 3`).toBe(true);
    }
    const missing = receipts.filter((r) => !idsPerNode[0]!.has(toHex(r.eventId)));
    expect(missing.length, 'acknowledged events missing from the chain').toBe(0);
  }
}
