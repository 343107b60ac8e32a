/**
 * @module bench/groups/report
 * The sharing performance report (report/): `report_events_per_s`, events folded per second by
 * computeReport over a chain of 10^6 events (10^5 with --quick) in 1,000-event blocks, read from
 * memory (block decode, event decode and the fold; a node's LevelDB read adds its own cost). The
 * mix is a city's: reads under grants (one in ten refused), certificates, requests and decisions,
 * dataset versions, over a year of record times. Goal (issue 25): a city's year, 10^7 events, in
 * under 5 minutes: >= 35,000 events/s. Pure: needs nothing running.
 */
import { createGenesis } from '../../ledger/genesis.js';
import { sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { utf8 } from '../../ledger/bytes.js';
import { encode } from '../../proto/codec.js';
import type { EventBody, IncludedEvent } from '../../proto/schema.generated.js';
import { computeReport } from '../../report/report-chain.js';
import type { ChainSource } from '../../verifier/audit-source.js';
import type { BenchGroup } from '../types.js';

const BLOCK_EVENTS = 1000;
const YEAR_MS = 365n * 86_400_000n;
const START = 1_767_196_800_000n; // 2026-01-01 CST

function buildChain(events: number): { source: ChainSource; events: number } {
  const node = new SigningKey(sha256(utf8('bench:node')));
  const genesis = createGenesis({ channel: 'bench', authorities: [{ departmentId: 'authority.bench', name: 'authority', publicKey: node.publicKey }], nodes: [node.publicKey], quorum: 1, limits: { maxBlockEvents: BLOCK_EVENTS } });
  const depts = Array.from({ length: 40 }, (_, i) => `dept.${i}`);
  const seq = new Map<string, bigint>();
  const signature = new Uint8Array(64);
  const stepMs = YEAR_MS / BigInt(events);
  let n = 0;
  const next = (dept: string, payload: Partial<EventBody>, resultCode = 0): IncludedEvent => {
    const s = seq.get(dept) ?? 1n;
    seq.set(dept, s + 1n);
    const body = encode('EventBody', { channel: 'bench', departmentId: dept, keyVersion: 1, sequence: s, clientTimeMs: 0n, ...payload } as EventBody);
    const i = n++;
    return { event: { body, signature }, resultCode, offset: BigInt(i), recordTimeMs: START + BigInt(i) * stepMs };
  };
  const all: IncludedEvent[] = [];
  depts.forEach((d, i) => all.push(next(d, { resourceRegistered: { resourceId: `res.${i}`, name: `资源 ${i}`, shareType: 2, fields: ['a', 'b'], updateCycle: '每月' } })));
  let request = 0;
  while (all.length < events) {
    const r = all.length % 20;
    const d = depts[all.length % depts.length]!;
    if (r < 10) {
      const provider = (all.length * 7) % depts.length;
      all.push(next(d, { accessRecorded: { resourceId: `res.${provider}`, grantId: `req.${request % 1000}`, fields: ['a'], purpose: 'check', subjectCommitment: signature.subarray(0, 32), recordCount: 1n } }, r === 9 ? 44 : 0));
    } else if (r < 14) {
      all.push(next(d, { certificateIssued: { certificateId: `C-${all.length}`, certificateTypeId: 'BDC', holderCommitment: signature.subarray(0, 32), attributesRoot: signature.subarray(0, 32), documentSha256: signature.subarray(0, 32), validUntilMs: 0n, attributeNames: ['a'], certificateTypeName: '' } }));
    } else if (r < 17) {
      all.push(next(d, { shareRequested: { requestId: `req.${request++}`, resourceId: `res.${(all.length * 3) % depts.length}`, purpose: 'p', fields: ['a'] } }));
    } else if (r < 19) {
      all.push(next(depts[(all.length * 3) % depts.length]!, { shareGranted: { requestId: `req.${Math.max(0, request - 2)}`, fields: ['a'], purpose: 'p', validFromMs: 0n, validUntilMs: 1n << 62n, maxUses: 0n } }));
    } else {
      all.push(next(d, { resourceVersionPublished: { resourceId: `res.${all.length % depts.length}`, version: BigInt(all.length), datasetSha256: signature.subarray(0, 32), recordCount: 1n } }));
    }
  }
  const blocks: Array<{ block: Uint8Array; commit: Uint8Array }> = [];
  for (let i = 0; i < all.length; i += BLOCK_EVENTS) {
    const height = BigInt(blocks.length + 1);
    const block = encode('Block', { header: { genesisHash: genesis.hash, channel: 'bench', height, previousHeaderHash: new Uint8Array(32), firstOffset: 0n, lastOffset: 0n, recordsDigest: new Uint8Array(32), droppedCount: 0n, blockTimeMs: all[i]!.recordTimeMs, eventCount: BigInt(Math.min(BLOCK_EVENTS, all.length - i)), logSize: BigInt(i), logRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), resultsRoot: new Uint8Array(32), rulesVersion: 1 }, events: all.slice(i, i + BLOCK_EVENTS) });
    const commit = encode('Commit', { height, headerHash: new Uint8Array(32), signatures: [{ nodeIndex: 1, signature, noteSignature: new Uint8Array(0) }] });
    blocks.push({ block, commit });
  }
  return {
    events: all.length,
    source: {
      genesisBytes: async () => genesis.bytes,
      headHeight: async () => BigInt(blocks.length),
      block: async (h) => blocks[Number(h) - 1],
    },
  };
}

export const reportGroup: BenchGroup = {
  name: 'report',
  description: 'the sharing performance report: computeReport (block and event decode, the fold) over 10^6 events in memory',
  pure: true,
  async run({ quick, log }) {
    const target = quick ? 100_000 : 1_000_000;
    const t0 = performance.now();
    const chain = buildChain(target);
    log(`report chain of ${chain.events} events built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t = performance.now();
    const cpu = process.cpuUsage();
    const report = await computeReport(chain.source, { fromMs: START, toMs: START + YEAR_MS });
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    if (Object.keys(report.figures).length === 0) throw new Error('the report bench computed no figure');
    // per CPU-second too: on a shared machine the wall-clock figure says more about the load
    return { report_events_per_s: Math.round(chain.events / seconds), report_events_per_cpu_s: Math.round(chain.events / cpuSeconds), report_figures: Object.keys(report.figures).length };
  },
};
