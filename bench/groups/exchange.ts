/**
 * @module bench/groups/exchange
 * The exchange point on this machine (issue 21): Kafka, three node processes and the tax bureau's
 * exchange point in front of a 1,000-household table. Grantee clients sign reads of households under
 * their consents and grants; each read is: signed request -> authentication on the chain's keys ->
 * grant check on the committed chain -> the source's ExchangeRead published and committed -> data
 * returned.
 *  - exchange_reads_per_s: served reads per second with `concurrency` requests in flight;
 *  - exchange_read_p50_ms / p99_ms: request to data, per read, in that run;
 *  - the same at 256 requests in flight (`..._c256`): a read's time is mostly its wait for the
 *    block that commits it, which many reads share, so the rate grows with the reads in flight
 *    until the machine's CPU is the limit (Little's law: rate = in flight / time per read);
 *  - exchange_nodes_cpu_us_per_read: the three nodes' CPU time per read, together (from their
 *    status `cpuMicros`), and exchange_point_cpu_us_per_read: this process's (the exchange point,
 *    its chain view and outbox, and the grantees' request signing), both over the 64-in-flight run.
 *    Unlike the rates they do not depend on what else the machine runs: 2 cores x 10^6 / (their
 *    sum + the broker's share) bounds the rate this machine can reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchStatus, startLocalCluster } from '../../stack/local-cluster.js';
import { startExchange } from '../../exchange/exchange-server.js';
import { JsonTableSource } from '../../exchange/data-source.js';
import { requestRead } from '../../exchange/exchange-client.js';
import { toHex } from '../../ledger/bytes.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { sha256 } from '../../ledger/hash.js';
import { loadKeyFile, writeNewKeyFile, type SigningKey } from '../../ledger/key-file.js';
import { consentSubjectCommitment, grantSubjectCommitment } from '../../ledger/subject.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import type { BenchGroup } from '../types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400_000n;

export const exchangeGroup: BenchGroup = {
  name: 'exchange',
  description: 'the exchange point: signed read request -> grant check -> read event committed -> data returned, reads per second and p99',
  pure: false,
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-exchange-'));
    const cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir: join(dir, 'stack'), brokerDir: join(dir, 'kafka'), batchTimeoutMs: 50n, heartbeatIntervalMs: 1_000n, log });
    const stops: Array<() => Promise<void>> = [];
    try {
      const api = cluster.nodes[0]!.url;
      for (;;) {
        const s = await Promise.all(cluster.nodes.map((n) => fetchStatus(n.url)));
        if (s.every((x) => x?.phase === 'consuming')) break;
        await sleep(200);
      }
      const channel = cluster.genesis.genesis.channel;
      const keys: Record<string, SigningKey> = { 'authority.city': loadKeyFile(cluster.layout.authorityKey) };
      for (const d of ['dept.civil', 'dept.tax']) keys[d] = writeNewKeyFile(join(dir, `${d}.ed25519key`));
      const seq: Record<string, bigint> = {};
      const signed = (dept: string, payload: Partial<EventBody>) => {
        seq[dept] = (seq[dept] ?? 0n) + 1n;
        return encode('SignedEvent', buildSignedEvent({ channel, departmentId: dept, keyVersion: 1, sequence: seq[dept]!, clientTimeMs: 0n, ...payload } as EventBody, keys[dept]!, cluster.genesis.limits).signed);
      };
      const submit = async (events: Uint8Array[]) => {
        for (let i = 0; i < events.length; i++) {
          const last = i === events.length - 1;
          const r = await fetch(`${api}/v1/events${last ? '?wait=commit&timeoutMs=120000' : ''}`, { method: 'POST', body: Buffer.from(events[i]!), headers: { 'content-type': 'application/octet-stream' } });
          if (!r.ok) throw new Error(`setup: HTTP ${r.status}: ${await r.text()}`);
        }
      };
      const rights = (resourceIds: string[]) => ({ certificateTypeIds: [], resourceIds, govern: false, seize: false, audit: false });
      await submit([
        signed('authority.city', { departmentRegistered: { departmentId: 'dept.civil', name: '民政局', publicKey: keys['dept.civil']!.publicKey, rights: rights([]) } }),
        signed('authority.city', { departmentRegistered: { departmentId: 'dept.tax', name: '税务局', publicKey: keys['dept.tax']!.publicKey, rights: rights(['res.tax.income']) } }),
      ]);
      await submit([signed('dept.tax', { resourceRegistered: { resourceId: 'res.tax.income', name: '纳税信息', shareType: 2, fields: ['年收入'], updateCycle: 'monthly' } })]);
      // households: one consent and one subject-bound grant each
      const households = quick ? 200 : 1000;
      const hh = Array.from({ length: households }, (_, i) => ({ id: `33010619900101${String(i).padStart(4, '0')}`, secret: sha256(new TextEncoder().encode(`bench-household-${i}`)) }));
      const civil: Uint8Array[] = [];
      for (let i = 0; i < households; i++) {
        const h = hh[i]!;
        civil.push(signed('dept.civil', { consentRecorded: { consentId: `c-${i}`, subjectCommitment: consentSubjectCommitment(h.id, h.secret, `c-${i}`), documentSha256: sha256(new Uint8Array([i & 255])), purpose: '低保审核', kind: '申请' } }));
        civil.push(signed('dept.civil', { shareRequested: { requestId: `g-${i}`, resourceId: 'res.tax.income', purpose: '家庭经济状况核对', fields: ['年收入'], subject: { subjectCommitment: grantSubjectCommitment(h.id, h.secret, `g-${i}`) } } }));
      }
      await submit(civil);
      const now = BigInt(Date.now());
      await submit(hh.map((_, i) => signed('dept.tax', { shareGranted: { requestId: `g-${i}`, fields: ['年收入'], purpose: '', validFromMs: now - DAY, validUntilMs: now + DAY, maxUses: 0n } })));
      const rows = Object.fromEntries(hh.map((h, i) => [h.id, [{ 年收入: String(30_000 + i) }]]));
      const x = await startExchange(
        { channel, departmentId: 'dept.tax', keyFile: join(dir, 'dept.tax.ed25519key'), keyVersion: 1, api, brokers: cluster.brokers, outbox: join(dir, 'outbox-tax'), listen: '127.0.0.1:0', tls: 'plain-loopback', tables: {} },
        { data: JsonTableSource.fromRows({ 'res.tax.income': rows }), log: () => undefined },
      );
      stops.push(x.stop);
      const caller = { departmentId: 'dept.civil', keyVersion: 1, key: keys['dept.civil']! };
      const read = (i: number) => {
        const h = hh[i % households]!;
        return requestRead(x.url, caller, { resourceId: 'res.tax.income', grantId: `g-${i % households}`, consentId: `c-${i % households}`, fields: ['年收入'], purpose: '家庭经济状况核对', subject: { id: h.id, secret: toHex(h.secret) } });
      };
      await read(0); // warm up
      const total = quick ? 1_000 : 5_000;
      let nextRead = 1;
      /** `total` reads with `concurrency` in flight: reads per second, p50 and p99 in ms. */
      const measure = async (concurrency: number) => {
        const latencies: number[] = [];
        const last = nextRead + total - 1;
        const nodesCpu = async () => (await Promise.all(cluster.nodes.map((n) => fetchStatus(n.url)))).reduce((a, x) => a + Number(x?.cpuMicros ?? 0), 0);
        const nodesCpuAtStart = await nodesCpu();
        const ownCpuAtStart = process.cpuUsage();
        const started = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (nextRead <= last) {
              const i = nextRead++;
              const t = performance.now();
              await read(i);
              latencies.push(performance.now() - t);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const own = process.cpuUsage(ownCpuAtStart);
        const nodesCpuUs = (await nodesCpu()) - nodesCpuAtStart;
        latencies.sort((a, b) => a - b);
        log(`exchange: ${total} reads in ${seconds.toFixed(1)} s at ${concurrency} in flight`);
        return {
          nodesCpuUsPerRead: Math.round(nodesCpuUs / total),
          ownCpuUsPerRead: Math.round((own.user + own.system) / total),
          perS: Math.round(total / seconds), p50: Math.round(latencies[Math.floor(latencies.length * 0.5)]!), p99: Math.round(latencies[Math.floor(latencies.length * 0.99)]!) };
      };
      const at64 = await measure(64);
      const at256 = await measure(256);
      return {
        exchange_reads_per_s: at64.perS,
        exchange_read_p50_ms: at64.p50,
        exchange_read_p99_ms: at64.p99,
        exchange_concurrency: 64,
        exchange_nodes_cpu_us_per_read: at64.nodesCpuUsPerRead,
        exchange_point_cpu_us_per_read: at64.ownCpuUsPerRead,
        exchange_reads_per_s_c256: at256.perS,
        exchange_read_p50_ms_c256: at256.p50,
        exchange_read_p99_ms_c256: at256.p99,
      };
    } finally {
      for (const s of stops) await s().catch(() => undefined);
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
