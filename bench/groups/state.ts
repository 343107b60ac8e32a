/**
 * @module bench/groups/state
 * The state machine on one core, signatures already checked (the check callback answers true):
 *  - apply_events_per_s: blocks of 1,000 events (accesses under grants, certificates issued,
 *    transferred and revoked, share requests and grants, department registrations, dataset
 *    versions, a share of rejected attempts) through prefetch, apply, finish (records encoded,
 *    state tree updated) and the batch into memory-level, markCommitted;
 *  - smt_updates_per_s: state-tree updates in batches of 1,000 random keys on a tree of 100,000
 *    entries (50,000 with --quick).
 * Pure: needs nothing running.
 */
import { randomBytes } from 'node:crypto';
import { MemoryLevel } from 'memory-level';
import { encode } from '../../proto/codec.js';
import { DEFAULT_LIMITS } from '../../proto/limits.js';
import type { EventBody, Genesis, SignedEvent } from '../../proto/schema.generated.js';
import { BlockFold } from '../../ledger/block-fold.js';
import { MerkleFrontier } from '../../ledger/merkle-hash.js';
import { BlockState, rulesFromGenesis, type Rules } from '../../ledger/state-machine.js';
import { StateStore, type AnyDb } from '../../ledger/state-store.js';
import { MemoryNodes, updateStoredTree, type Entry } from '../../ledger/state-tree.js';
import type { BenchGroup } from '../types.js';

const SIG = new Uint8Array(64);
const ACCEPT = (): boolean => true;
const b32 = (): Uint8Array => new Uint8Array(randomBytes(32));

class Feed {
  private readonly seq = new Map<string, bigint>();
  constructor(private readonly channel: string) {}
  event(dept: string, payload: Partial<EventBody>): SignedEvent {
    const s = this.seq.get(dept) ?? 1n;
    this.seq.set(dept, s + 1n);
    const body = encode('EventBody', { channel: this.channel, departmentId: dept, keyVersion: 1, sequence: s, clientTimeMs: 0n, ...payload } as EventBody);
    return { body, signature: SIG };
  }
}

/** Folds `blocks` as a node does (ledger/block-fold.ts), the log continuing in `log`. */
async function applyBlocks(store: StateStore, rules: Rules, blocks: SignedEvent[][], startHeight: bigint, log: MerkleFrontier, recordTime: bigint): Promise<{ height: bigint; logSize: bigint }> {
  let height = startHeight;
  let logSize = log.size;
  for (const events of blocks) {
    height += 1n;
    const block = BlockState.open(store, { rules, height, logSize });
    await block.prefetch(events);
    const fold = new BlockFold(block, log);
    for (let i = 0; i < events.length; i++) fold.apply(events[i]!, BigInt(i), recordTime, ACCEPT);
    const { stateWrites } = await fold.finish();
    await store.writeBatch(stateWrites);
    block.markCommitted();
    logSize = block.logPosition;
  }
  return { height, logSize };
}

async function applyEventsPerSecond(quick: boolean): Promise<number> {
  const authority = 'authority.city';
  const genesis: Genesis = {
    channel: 'bench',
    authorities: [{ departmentId: authority, name: 'authority', publicKey: new Uint8Array(32).fill(0) }],
    nodes: [],
    quorum: 1,
    limits: { ...DEFAULT_LIMITS },
    batchTimeoutMs: 200n,
    heartbeatIntervalMs: 10_000n,
    rulesVersion: 1,
    witnesses: [],
    witnessQuorum: 0,
  };
  const rules = rulesFromGenesis(genesis);
  const store = await StateStore.open(new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb);
  const feed = new Feed('bench');
  const depts = Array.from({ length: 40 }, (_, i) => `dept.${i}`);
  // a valid Ed25519 public key (the base point); signatures are not checked in this bench
  const pk = Uint8Array.from(Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex'));
  const setup: SignedEvent[] = depts.map((d, i) =>
    feed.event(authority, { departmentRegistered: { departmentId: d, name: d, publicKey: pk, rights: { certificateTypeIds: ['BDC'], resourceIds: [`res.${i}`], govern: false, seize: false, audit: false } } }),
  );
  const setup2: SignedEvent[] = depts.map((d, i) => feed.event(d, { resourceRegistered: { resourceId: `res.${i}`, name: 'r', shareType: 2, fields: ['a', 'b', 'c'], updateCycle: 'daily' } }));
  const requests: SignedEvent[] = [];
  const grants: SignedEvent[] = [];
  const grantIds: Array<{ id: string; reader: string; resource: string }> = [];
  for (let i = 0; i < depts.length; i++) {
    for (let j = 1; j <= 5; j++) {
      const reader = depts[(i + j) % depts.length]!;
      const id = `req.${i}.${j}`;
      requests.push(feed.event(reader, { shareRequested: { requestId: id, resourceId: `res.${i}`, purpose: 'p', fields: ['a', 'b'] } }));
      grantIds.push({ id, reader, resource: `res.${i}` });
    }
  }
  // signed after every request, so that each department's sequence numbers follow the block order
  // (interleaved, a department's later requests were SEQUENCE_GAP and it stayed stuck behind the gap)
  for (const g of grantIds) {
    const source = depts[Number(g.resource.slice(4))]!;
    grants.push(feed.event(source, { shareGranted: { requestId: g.id, fields: ['a', 'b'], purpose: 'p', validFromMs: 0n, validUntilMs: 1n << 62n, maxUses: 0n } }));
  }
  const log = new MerkleFrontier();
  let pos = await applyBlocks(store, rules, [setup, setup2, requests, grants], 0n, log, 1000n);

  const blockCount = quick ? 20 : 100;
  // The mix of a working day, per 20 events: 9 accesses under grants (one by a department that is
  // not the grantee: rejected and kept), 4 certificates issued, 2 transferred and 1 revoked
  // (certificates from earlier blocks; a revoked one transferred again is rejected), 1 share
  // request and its grant, 1 department registered by the authority, 1 dataset version published.
  let serial = 0;
  const issued: Array<{ id: string; issuer: string }> = [];
  let issuedBefore = 0;
  let moved = 0;
  let request: { id: string; source: string } | undefined;
  const blocks: SignedEvent[][] = [];
  for (let b = 0; b < blockCount; b++) {
    const events: SignedEvent[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = serial++ % 20;
      const k = serial % depts.length;
      const d = depts[k]!;
      if (r < 9) {
        const g = grantIds[serial % grantIds.length]!;
        const wrongReader = r === 8;
        events.push(feed.event(wrongReader ? depts[(serial * 7) % depts.length]! : g.reader, { accessRecorded: { resourceId: g.resource, grantId: g.id, fields: ['a'], purpose: 'check', subjectCommitment: b32(), recordCount: 1n } }));
      } else if (r < 13) {
        const id = `C-${serial}`;
        issued.push({ id, issuer: d });
        events.push(feed.event(d, { certificateIssued: { certificateId: id, certificateTypeId: 'BDC', holderCommitment: b32(), attributesRoot: b32(), documentSha256: b32(), validUntilMs: 0n, attributeNames: ['a', 'b'], certificateTypeName: '' } }));
      } else if (r < 16) {
        const c = issued[(moved++ * 7919) % (issuedBefore > 0 ? issuedBefore : issued.length)]!;
        if (r < 15) events.push(feed.event(c.issuer, { certificateTransferred: { certificateId: c.id, newHolderCommitment: b32(), documentSha256: new Uint8Array(0), reason: 'sale' } }));
        else events.push(feed.event(c.issuer, { certificateRevoked: { certificateId: c.id, reason: 'cancelled' } }));
      } else if (r === 16) {
        const id = `req.x.${serial}`;
        request = { id, source: d };
        events.push(feed.event(depts[(k + 11) % depts.length]!, { shareRequested: { requestId: id, resourceId: `res.${k}`, purpose: 'p', fields: ['a', 'b'] } }));
      } else if (r === 17) {
        events.push(feed.event(request!.source, { shareGranted: { requestId: request!.id, fields: ['a'], purpose: 'p', validFromMs: 0n, validUntilMs: 1n << 62n, maxUses: 100n } }));
      } else if (r === 18) {
        const id = `dept.new.${serial}`;
        events.push(feed.event(authority, { departmentRegistered: { departmentId: id, name: id, publicKey: pk, rights: { certificateTypeIds: ['BDC'], resourceIds: [], govern: false, seize: false, audit: false } } }));
      } else {
        events.push(feed.event(d, { resourceVersionPublished: { resourceId: `res.${k}`, version: BigInt(serial), datasetSha256: b32(), recordCount: 10n } }));
      }
    }
    issuedBefore = issued.length;
    blocks.push(events);
  }
  const t = performance.now();
  pos = await applyBlocks(store, rules, blocks, pos.height, log, 2000n);
  const s = (performance.now() - t) / 1000;
  return Math.round((blockCount * 1000) / s);
}

async function smtUpdatesPerSecond(quick: boolean): Promise<number> {
  const nodes = new MemoryNodes();
  const size = quick ? 50_000 : 100_000;
  const initial: Entry[] = Array.from({ length: size }, () => [b32(), b32()]);
  for (let i = 0; i < initial.length; i += 10_000) nodes.apply(await updateStoredTree(nodes, initial.slice(i, i + 10_000)));
  const batches = quick ? 20 : 100;
  const work: Entry[][] = Array.from({ length: batches }, () => Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? [initial[(Math.random() * size) | 0]![0], b32()] : [b32(), b32()]) as Entry));
  const t = performance.now();
  for (const batch of work) {
    const seen = new Set<string>();
    const unique = batch.filter(([k]) => {
      const h = Buffer.from(k).toString('hex');
      if (seen.has(h)) return false;
      seen.add(h);
      return true;
    });
    nodes.apply(await updateStoredTree(nodes, unique));
  }
  return Math.round((batches * 1000) / ((performance.now() - t) / 1000));
}

export const stateGroup: BenchGroup = {
  name: 'state',
  description: 'state machine: rules and state-tree updates per event (signatures pre-checked, one core), SMT updates in blocks of 1,000',
  pure: true,
  async run({ quick, log }) {
    const apply = await applyEventsPerSecond(quick);
    log(`apply_events_per_s ${apply}`);
    const smt = await smtUpdatesPerSecond(quick);
    return { apply_events_per_s: apply, smt_updates_per_s: smt };
  },
};
