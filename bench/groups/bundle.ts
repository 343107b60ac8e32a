/**
 * @module bench/groups/bundle
 * Proof bundles (DESIGN.md section 10) at the size the design promises a QR code for: a
 * certificate on a chain of 10^6 events, no key rotation, no consistency proof.
 *  - A real chain is cut by a single-node core (real signatures, the state machine): a department
 *    is registered and issues one certificate with four attributes and a GB/T 36904-style id;
 *    proofs/bundle-builder.ts builds its bundle, so the event, the records and every field are
 *    the real encodings.
 *  - That bundle is then placed at the scale of 10^6 events: the inclusion path of its event at
 *    leaf 500,000 of a log of 10^6 leaf hashes (ledger/merkle.ts), the state proofs of the
 *    certificate and its issuer in a state tree of STATE_RECORDS records (ledger/state-tree.ts),
 *    the defining events at realistic heights and log positions, and a header at height 1,000
 *    signed by q = 2 of a 3-node genesis (the default deployment).
 *  - bundle_bytes_at_1e6: the encoded binary bundle (goal: at most 2,953, one QR code, version
 *    40, level L); bundle_bytes_at_1e6_encumbered: the same certificate with two encumbrances
 *    (a mortgage to a bank and a court's seizure, rules version 2; issue 24), same goal;
 *    bundle_verify_ms_noble: the median time of verifyBundle (pure, @noble), which
 *    must say VALID (goal: at most 10 ms).
 * Pure: needs nothing running.
 */
import { MemoryLevel } from 'memory-level';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import type { KafkaRecord } from '../../consensus/messages.js';
import { NodeCore } from '../../consensus/node-core.js';
import { timeToCutMessage, voteMessage } from '../../ledger/block.js';
import { utf8 } from '../../ledger/bytes.js';
import { createGenesis } from '../../ledger/genesis.js';
import { eventId, headerHash, sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { inclusionProof, leafHash, rootHash } from '../../ledger/merkle.js';
import { encodeRecord, recordValueHash } from '../../ledger/state-records.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { proveFromEntries, stateKey, stateRootOf, type Entry } from '../../ledger/state-tree.js';
import { decode, encode } from '../../proto/codec.js';
import type { EventBody, ProofBundle } from '../../proto/schema.generated.js';
import { certificateFromIssue, joinPath } from '../../verifier/bundle-compact.js';
import { verifyBundle } from '../../verifier/bundle-verify.js';
import type { BenchGroup } from '../types.js';

const LOG_SIZE = 1_000_000;
const LEAF_INDEX = 500_000;
/**
 * Records in the state tree at 10^6 events: the state holds certificates, grants, resources and
 * departments, not accesses (the bulk of the events). 300,000 records is generous for a chain of
 * 10^6 events; the figure at 10^6 records is reported too (bundle_bytes_state_1e6_records).
 */
const STATE_RECORDS = 300_000;
const CERT_ID = '11100000MB0000000X:BDC:2026-000123';
const DEPT = 'dept.realestate.110105';
const AUTHORITY = 'authority.city';
const BANK = 'bank.icbc.110105';
const COURT = 'court.bj.chaoyang';
const key = (name: string) => new SigningKey(sha256(utf8(`bench-bundle:${name}`)));

/**
 * A one-certificate chain through the real pipeline; returns the bundle of the certificate. With
 * `encumbered`, a bank and a court are registered too, the registry registers a mortgage to the
 * bank and the court seizes the property (two encumbrances, rules version 2).
 */
export async function realBundle(encumbered = false): Promise<Uint8Array> {
  const node = key('node-1');
  const authority = key('authority');
  const dept = key('dept');
  const bank = key('bank');
  const court = key('court');
  const genesis = createGenesis({ channel: 'property', authorities: [{ departmentId: AUTHORITY, name: '北京市规划和自然资源委员会', publicKey: authority.publicKey }], nodes: [node.publicKey], quorum: 1 });
  const db = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
  const core = await NodeCore.open({ genesis, nodeIndex: 1, key: node, db, syncWrites: false });
  await core.handle({ kind: 'start', nowMs: 0 });
  let offset = 0n;
  const time = 1_764_000_000_000n;
  const signed = (k: SigningKey, dep: string, sequence: bigint, payload: Partial<EventBody>): KafkaRecord => {
    const body = encode('EventBody', { channel: 'property', departmentId: dep, keyVersion: 1, sequence, clientTimeMs: time, ...payload } as EventBody);
    return { offset: offset++, timestamp: time + offset, logAppendTime: true, value: encode('TopicRecord', { event: { body, signature: k.sign(eventId(body)) } }) };
  };
  const records = [
    signed(authority, AUTHORITY, 1n, { departmentRegistered: { departmentId: DEPT, name: '北京市朝阳区不动产登记中心', publicKey: dept.publicKey, rights: { certificateTypeIds: ['BDC'], resourceIds: [], govern: false, seize: false, audit: false } } }),
    // the type by its catalogue name (issue 24): the record, and so the bundle, carries 不动产权证书
    signed(authority, AUTHORITY, 2n, { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '不动产权证书' } }),
    signed(dept, DEPT, 1n, {
      certificateIssued: {
        certificateId: CERT_ID,
        certificateTypeId: 'BDC',
        holderCommitment: sha256(utf8('holder')),
        attributesRoot: sha256(utf8('attributes')),
        documentSha256: sha256(utf8('document')),
        validUntilMs: time + 10n * 365n * 86_400_000n,
        attributeNames: ['产权人', '坐落', '用途', '面积'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        certificateTypeName: '不动产权证书',
      },
    }),
  ];
  if (encumbered) {
    records.push(
      signed(authority, AUTHORITY, 3n, { departmentRegistered: { departmentId: BANK, name: '中国工商银行北京朝阳支行', publicKey: bank.publicKey, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false } } }),
      signed(authority, AUTHORITY, 4n, { departmentRegistered: { departmentId: COURT, name: '北京市朝阳区人民法院', publicKey: court.publicKey, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: true, audit: false } } }),
      signed(dept, DEPT, 2n, { mortgageRegistered: { certificateId: CERT_ID, creditorDepartmentId: BANK, amountYuan: 2_400_000n } }),
      signed(court, COURT, 1n, { seizureRegistered: { certificateId: CERT_ID, caseNumber: '(2026)京0105执保1234号' } }),
    );
  }
  await core.handle({ kind: 'records', records });
  const ttc = encode('TopicRecord', { ttc: { height: 1n, heartbeat: false, nodeIndex: 1, signature: node.sign(timeToCutMessage(genesis.hash, 1n, false)) } });
  await core.handle({ kind: 'records', records: [{ offset: offset++, timestamp: time + offset, logAppendTime: true, value: ttc }] });
  if (core.blocks.head.height !== 1n) throw new Error('bench: the block did not commit');
  const bundle = await buildProofBundle({ genesis, blocks: core.blocks, merkle: core.merkle, state: core.state }, { kind: 'certificate', id: CERT_ID });
  await db.close();
  return bundle;
}

/** The other leaves of the 10^6-leaf log and the filler records of the state tree, made once per run. */
let otherLeaves: Uint8Array[] | undefined;
const fillerRecords = new Map<number, Entry[]>();
function fillers(stateRecords: number): Entry[] {
  let f = fillerRecords.get(stateRecords);
  if (f === undefined) {
    f = [];
    for (let i = 2; i < stateRecords; i++) f.push([stateKey(i % 3 === 0 ? 'grant' : 'cert', `filler-${i}`), sha256(utf8(`record:${i}`))]);
    fillerRecords.set(stateRecords, f);
  }
  return f;
}

/** The real bundle re-homed at the scale of 10^6 events (see the module comment). */
export function atScale(real: Uint8Array, stateRecords: number, log: (m: string) => void): { bundle: Uint8Array; anchor: Uint8Array; nowMs: bigint } {
  const b = decode('ProofBundle', real);
  const nodes = [key('n1'), key('n2'), key('n3')];
  const genesis = createGenesis({ channel: 'property', authorities: [{ departmentId: AUTHORITY, name: '北京市规划和自然资源委员会', publicKey: key('authority').publicKey }], nodes: nodes.map((n) => n.publicKey), quorum: 2 });
  const evId = eventId(b.event!.body);
  // compact form (the builder chose it): the certificate is derived from its issue event
  if (b.certificate !== undefined) throw new Error('bench: expected the compact form');
  b.definingHeight = 500n;
  const certificate = certificateFromIssue(decode('EventBody', b.event!.body), evId, 500n, BigInt(LEAF_INDEX), b.encumbrances)!;
  b.signer!.definingEvent = { ...b.signer!.definingEvent!, height: 1n, logPosition: 3n };
  b.signer!.nextSequence = 48_213n;
  b.leafIndex = BigInt(LEAF_INDEX);
  log(`bundle: a log of ${LOG_SIZE.toLocaleString('en')} leaf hashes`);
  otherLeaves ??= Array.from({ length: LOG_SIZE }, (_, i) => sha256(utf8(`leaf:${i}`)));
  const leaves = otherLeaves.slice();
  leaves[LEAF_INDEX] = leafHash(evId);
  b.inclusionPath = joinPath(inclusionProof(leaves, LEAF_INDEX));
  const logRoot = rootHash(leaves);
  log(`bundle: a state tree of ${stateRecords.toLocaleString('en')} records`);
  const certKey = stateKey('cert', CERT_ID);
  const deptKey = stateKey('dept', DEPT);
  const entries: Entry[] = [
    [certKey, recordValueHash(encodeRecord('cert', certificate))],
    [deptKey, recordValueHash(encodeRecord('dept', b.signer!))],
  ];
  for (const e of fillers(stateRecords)) entries.push(e);
  b.recordProof = proveFromEntries(entries, certKey);
  b.signerProof = proveFromEntries(entries, deptKey);
  const blockTime = b.header!.blockTimeMs + 30n * 86_400_000n;
  b.header = { ...b.header!, genesisHash: genesis.hash, height: 1000n, previousHeaderHash: sha256(utf8('previous')), firstOffset: 1_003_000n, lastOffset: 1_004_012n, eventCount: 1000n, logSize: BigInt(LOG_SIZE), logRoot, stateRoot: stateRootOf(entries), blockTimeMs: blockTime };
  const hh = headerHash(encode('BlockHeader', b.header));
  b.signatures = [1, 2].map((i) => ({ nodeIndex: i, signature: nodes[i - 1]!.sign(voteMessage(genesis.hash, 1000n, hh)), noteSignature: new Uint8Array(0) }));
  return { bundle: encode('ProofBundle', b as ProofBundle), anchor: genesis.bytes, nowMs: blockTime + 60_000n };
}

export const bundleGroup: BenchGroup = {
  name: 'bundle',
  description: `proof bundle of a certificate at ${LOG_SIZE.toLocaleString('en')} events: binary size and pure verification time`,
  pure: true,
  async run({ quick, log }) {
    const real = await realBundle();
    const at = atScale(real, STATE_RECORDS, log);
    const encumbered = atScale(await realBundle(true), STATE_RECORDS, log);
    const seen = verifyBundle(encumbered.bundle, encumbered.anchor, { nowMs: encumbered.nowMs });
    if (seen.verdict !== 'VALID' || seen.notes[0]?.code !== 'SEIZED') throw new Error(`bench: the encumbered bundle at scale is ${seen.verdict}: reasons ${JSON.stringify(seen.reasons)}, notes ${JSON.stringify(seen.notes)}`);
    const check = verifyBundle(at.bundle, at.anchor, { nowMs: at.nowMs });
    if (check.verdict !== 'VALID') throw new Error(`bench: the bundle at scale is ${check.verdict}: ${JSON.stringify(check.reasons)}`);
    const samples = quick ? 50 : 300;
    for (let i = 0; i < 5; i++) verifyBundle(at.bundle, at.anchor, { nowMs: at.nowMs });
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      verifyBundle(at.bundle, at.anchor, { nowMs: at.nowMs });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const figures: Record<string, number> = {
      bundle_bytes_at_1e6: at.bundle.length,
      bundle_bytes_at_1e6_encumbered: encumbered.bundle.length,
      bundle_verify_ms_noble: Number(times[Math.floor(times.length / 2)]!.toFixed(3)),
      bundle_verify_p99_ms_noble: Number(times[Math.floor(times.length * 0.99)]!.toFixed(3)),
    };
    if (!quick) figures.bundle_bytes_state_1e6_records = atScale(real, 1_000_000, log).bundle.length;
    return figures;
  },
};
