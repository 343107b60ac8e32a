/**
 * @module bench/groups/api
 * The API on a real 3-node cluster (issue 12):
 *  - api_submit_events_per_s: signed events accepted by `POST /v1/events` (checked, produced to
 *    Kafka, receipt returned) from 20 departments, each sending its events one after another;
 *  - api_submit_committed_events_per_s: the same events, until all of them are committed;
 *  - api_wait_commit_p50_ms / max_ms: `POST /v1/events?wait=commit`, one at a time (the cluster's
 *    batch timeout is 100 ms);
 *  - api_tile_reads_per_s: full level-0 tiles read from `/tile/0/<N>` (8 KiB each).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTileIndex } from '../../api/tile-path.js';
import { fetchStatus, startLocalCluster } from '../../stack/local-cluster.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import { encode } from '../../proto/codec.js';
import type { EventBody, SignedEvent } from '../../proto/schema.generated.js';
import type { BenchGroup } from '../types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const apiGroup: BenchGroup = {
  name: 'api',
  description: 'the HTTP API on three node processes: submissions per second, wait=commit latency, tile reads',
  pure: false,
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-api-'));
    const c = await startLocalCluster({ apiAccess: 'open-loopback', dataDir: join(dir, 'stack'), brokerDir: join(dir, 'kafka'), batchTimeoutMs: 100n, heartbeatIntervalMs: 1_000n, log });
    try {
      for (;;) {
        const s = await Promise.all(c.nodes.map((n) => fetchStatus(n.url)));
        if (s.every((x) => x?.phase === 'consuming')) break;
        await sleep(200);
      }
      const url = c.nodes[0]!.url;
      const authority = loadKeyFile(c.layout.authorityKey);
      const ev = (dept: string, key: { publicKey: Uint8Array; sign(m: Uint8Array): Uint8Array }, sequence: bigint, payload: Partial<EventBody>): SignedEvent =>
        buildSignedEvent({ channel: c.genesis.genesis.channel, departmentId: dept, keyVersion: 1, sequence, clientTimeMs: 0n, ...payload } as EventBody, key, c.genesis.limits).signed;
      const post = async (e: SignedEvent, query = ''): Promise<void> => {
        const r = await fetch(`${url}/v1/events${query}`, { method: 'POST', body: Buffer.from(encode('SignedEvent', e)), headers: { 'content-type': 'application/octet-stream' } });
        const text = await r.text();
        if (r.status >= 300) throw new Error(`POST /v1/events: ${r.status} ${text.slice(0, 200)}`);
      };
      const lanes = 20;
      const perLane = quick ? 100 : 500;
      const keys: SigningKey[] = [];
      const latencies: number[] = [];
      for (let i = 0; i < lanes; i++) {
        const k = SigningKey.generate();
        keys.push(k);
        const t = performance.now();
        await post(ev('authority.city', authority, BigInt(i + 1), { departmentRegistered: { departmentId: `dept.api.${i}`, name: '基准部门', publicKey: k.publicKey, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false } } }), '?wait=commit');
        latencies.push(performance.now() - t);
      }
      latencies.sort((a, b) => a - b);
      const t0 = performance.now();
      await Promise.all(
        keys.map(async (k, i) => {
          for (let s = 1; s <= perLane; s++) await post(ev(`dept.api.${i}`, k, BigInt(s), { shareRequested: { requestId: `req.api.${i}.${s}`, resourceId: 'res.bench', purpose: '基准', fields: ['f'] } }));
        }),
      );
      const accepted = (performance.now() - t0) / 1000;
      for (;;) {
        const all = await Promise.all(keys.map(async (_k, i) => ((await (await fetch(`${url}/v1/departments/dept.api.${i}/next-sequence`)).json()) as { committedNextSequence: string }).committedNextSequence));
        if (all.every((x) => x === String(perLane + 1))) break;
        await sleep(50);
      }
      const committed = (performance.now() - t0) / 1000;
      const total = lanes * perLane;
      log(`api: ${total} events accepted in ${accepted.toFixed(1)} s, committed in ${committed.toFixed(1)} s`);
      // tiles: every full level-0 tile, read again and again
      const size = Number(((await (await fetch(`${url}/v1/head`)).json()) as { header: { logSize: string } }).header.logSize);
      const fullTiles = Math.floor(size / 256);
      const reads = quick ? 200 : 1000;
      const t1 = performance.now();
      for (let i = 0; i < reads; i++) {
        const r = await fetch(`${url}/tile/0/${encodeTileIndex(i % fullTiles)}`);
        if ((await r.arrayBuffer()).byteLength !== 8192) throw new Error('a full tile is not 8,192 bytes');
      }
      return {
        api_submit_events_per_s: Math.round(total / accepted),
        api_submit_committed_events_per_s: Math.round(total / committed),
        api_wait_commit_p50_ms: Math.round(latencies[Math.floor(latencies.length / 2)]!),
        api_wait_commit_max_ms: Math.round(latencies[latencies.length - 1]!),
        api_tile_reads_per_s: Math.round(reads / ((performance.now() - t1) / 1000)),
      };
    } finally {
      await c.stop();
    }
  },
};
