/**
 * @module bench/groups/rebuild
 * `ledger rebuild` on one core (replay/rebuild.ts): a chain of 100,000 events (20,000 with
 * --quick) is cut once by a single-node consensus core with the projections hook, over
 * memory-level; then the rebuild is timed:
 *  - rebuild_events_per_s: the whole check, events / seconds: replay from block 1 through a
 *    fresh BlockState per block (signatures not checked) and the projection hook, batches into the
 *    rebuild area, every state root compared, then every stored table compared with the rebuilt;
 *  - rebuild_replay_events_per_s: the replay alone (the report's own figure).
 * The mix: access records under grants (one in ten with someone else's grant: rejected and
 * kept), certificate issues, transfers and revocations, dataset versions. Pure: needs nothing running.
 */
import { MemoryLevel } from 'memory-level';
import { NodeCore } from '../../consensus/node-core.js';
import type { KafkaRecord } from '../../consensus/messages.js';
import { rebuild } from '../../replay/rebuild.js';
import { timeToCutMessage } from '../../ledger/block.js';
import { utf8 } from '../../ledger/bytes.js';
import { createGenesis } from '../../ledger/genesis.js';
import { eventId, sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { Projections } from '../../ledger/projections.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import type { BenchGroup } from '../types.js';

const SIG = new Uint8Array(64);
const AUTHORITY = 'authority.bench';
const key = (name: string) => new SigningKey(sha256(utf8(`bench:${name}`)));
const b32 = (n: number) => sha256(utf8(`bench:${n}`));

/** Builds the chain (signatures are not what is measured: the core accepts them unchecked). */
export async function buildBenchChain(events: number, log: (m: string) => void, db: AnyDb = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb, opts: { sign?: boolean } = {}): Promise<{ db: AnyDb; genesis: ReturnType<typeof createGenesis>; events: number }> {
  const node = key('node');
  const authority = key('authority');
  const genesis = createGenesis({ channel: 'bench', authorities: [{ departmentId: AUTHORITY, name: 'authority', publicKey: authority.publicKey }], nodes: [node.publicKey], quorum: 1, limits: { maxBlockEvents: 1000 } });
  if (db.status !== 'open') await db.open();
  const projections = await Projections.open(db, { limits: genesis.limits });
  const core = await NodeCore.open({ genesis, nodeIndex: 1, key: node, db, hooks: [projections.hook], syncWrites: false, prepareSignatures: async () => () => true });
  await core.handle({ kind: 'start', nowMs: 0 });
  let offset = 0n;
  let time = 1_000n;
  const seq = new Map<string, bigint>();
  const signers = new Map<string, SigningKey>([[AUTHORITY, authority]]);
  const signer = (dept: string): SigningKey => signers.get(dept) ?? signers.set(dept, key(dept)).get(dept)!;
  const record = (dept: string, payload: Partial<EventBody>): KafkaRecord => {
    const s = seq.get(dept) ?? 1n;
    seq.set(dept, s + 1n);
    const body = encode('EventBody', { channel: 'bench', departmentId: dept, keyVersion: 1, sequence: s, clientTimeMs: 0n, ...payload } as EventBody);
    // real signatures when asked (the auditor checks them); the core accepts them unchecked either way
    const signature = opts.sign === true ? signer(dept).sign(eventId(body)) : SIG;
    return { offset: offset++, timestamp: time++, logAppendTime: true, value: encode('TopicRecord', { event: { body, signature } }) };
  };
  const feed = async (records: KafkaRecord[]) => {
    for (let i = 0; i < records.length; i += 2000) await core.handle({ kind: 'records', records: records.slice(i, i + 2000) });
  };
  const depts = Array.from({ length: 40 }, (_, i) => `dept.${i}`);
  const setup: KafkaRecord[] = depts.map((d, i) =>
    record(AUTHORITY, { departmentRegistered: { departmentId: d, name: d, publicKey: key(d).publicKey, rights: { certificateTypeIds: ['BDC'], resourceIds: [`res.${i}`], govern: false, seize: false } } }),
  );
  setup.push(...depts.map((d, i) => record(d, { resourceRegistered: { resourceId: `res.${i}`, name: 'r', shareType: 2, fields: ['a', 'b', 'c'], updateCycle: 'daily' } })));
  const grants: Array<{ id: string; reader: string; resource: string }> = [];
  for (let i = 0; i < depts.length; i++) {
    for (let j = 1; j <= 5; j++) {
      const reader = depts[(i + j) % depts.length]!;
      const id = `req.${i}.${j}`;
      setup.push(record(reader, { shareRequested: { requestId: id, resourceId: `res.${i}`, purpose: 'p', fields: ['a', 'b'] } }));
      grants.push({ id, reader, resource: `res.${i}` });
    }
  }
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i]!;
    setup.push(record(depts[Math.floor(i / 5)]!, { shareGranted: { requestId: g.id, fields: ['a', 'b'], purpose: 'p', validFromMs: 0n, validUntilMs: 1n << 62n, maxUses: 0n } }));
  }
  await feed(setup);
  let serial = 0;
  const issued: Array<{ id: string; dept: string }> = [];
  const batch: KafkaRecord[] = [];
  for (let n = setup.length; n < events; n++) {
    const r = serial++ % 20;
    if (r < 11) {
      const g = grants[serial % grants.length]!;
      const wrongReader = r === 10; // someone else's grant: rejected and kept
      batch.push(record(wrongReader ? depts[(serial * 7) % depts.length]! : g.reader, { accessRecorded: { resourceId: g.resource, grantId: g.id, fields: ['a'], purpose: 'check', subjectCommitment: b32(serial % 5000), recordCount: 1n } }));
    } else if (r < 17) {
      const d = depts[serial % depts.length]!;
      const id = `C-${serial}`;
      issued.push({ id, dept: d });
      batch.push(record(d, { certificateIssued: { certificateId: id, certificateTypeId: 'BDC', holderCommitment: b32(serial), attributesRoot: b32(serial + 1), documentSha256: b32(serial + 2), validUntilMs: 0n, attributeNames: ['a', 'b'] } }));
    } else if (r === 17 && issued.length > 10) {
      const c = issued[issued.length - 10]!;
      batch.push(record(c.dept, { certificateTransferred: { certificateId: c.id, newHolderCommitment: b32(serial), documentSha256: new Uint8Array(0), reason: '' } }));
    } else if (r === 18 && issued.length > 20) {
      const c = issued[issued.length - 20]!;
      batch.push(record(c.dept, { certificateRevoked: { certificateId: c.id, reason: 'r' } }));
    } else {
      const i = serial % depts.length;
      batch.push(record(depts[i]!, { resourceVersionPublished: { resourceId: `res.${i}`, version: BigInt(serial), datasetSha256: b32(serial), recordCount: 10n } }));
    }
    if (batch.length >= 10_000) {
      await feed(batch.splice(0));
      log(`chain: ${n + 1} events, height ${core.blocks.head.height}`);
    }
  }
  await feed(batch.splice(0));
  const height = core.blocks.head.height + 1n;
  const ttc = encode('TopicRecord', { ttc: { height, heartbeat: false, nodeIndex: 1, signature: node.sign(timeToCutMessage(genesis.hash, height, false)) } });
  await core.handle({ kind: 'records', records: [{ offset: offset++, timestamp: time, logAppendTime: true, value: ttc }] });
  return { db, genesis, events: core.merkle.size };
}

export const rebuildGroup: BenchGroup = {
  name: 'rebuild',
  description: 'ledger rebuild: replay with state roots and projections, then the byte-for-byte comparison (one core, memory-level)',
  pure: true,
  async run({ quick, log }) {
    const target = quick ? 20_000 : 100_000;
    const t0 = performance.now();
    const chain = await buildBenchChain(target, log);
    log(`chain of ${chain.events} events built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t = performance.now();
    const report = await rebuild({ db: chain.db, genesis: chain.genesis });
    const seconds = (performance.now() - t) / 1000;
    if (!report.ok) throw new Error(`the bench chain did not rebuild cleanly: ${JSON.stringify(report.firstMismatch ?? report.firstDifference)}`);
    return { rebuild_events_per_s: Math.round(report.events / seconds), rebuild_replay_events_per_s: report.eventsPerSecond };
  },
};
