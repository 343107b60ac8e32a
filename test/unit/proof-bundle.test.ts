/**
 * Proof bundles (DESIGN.md section 10; docs/proof-format.md): built by proofs/bundle-builder.ts
 * from a chain cut by the real state machine and node core (test/helpers/scenario-chain.ts), and
 * checked by the pure verifier (verifier/bundle-verify.ts). Every verdict on real records, one
 * negative test per check of section 10 (each naming its reason code), a single-byte flip at every
 * position of a binary bundle never VALID, and the JSON view round trip.
 *
 * Checks that only a quorum could break (a record whose defining event is of the wrong kind, a
 * retired key...) are tested with bundles forged under a test genesis whose node keys the test
 * holds: the verifier must still refuse them.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProofBundle, type BundleTarget } from '../../proofs/bundle-builder.js';
import { writtenBundleNote } from '../../cli/commands/proof.js';
import { voteMessage } from '../../ledger/block.js';
import { toHex } from '../../ledger/bytes.js';
import { buildDisclosure, disclosureToJson } from '../../ledger/disclosure.js';
import { createGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import { eventId, headerHash } from '../../ledger/hash.js';
import { signEd25519 } from '../../ledger/signature.js';
import { decode, encode } from '../../proto/codec.js';
import { CertificateStatus, GrantStatus, type ProofBundle } from '../../proto/schema.generated.js';
import { bundleFromJson, bundleToJson, REASON, verifyBundle, type VerifyOptions, type VerifyResult } from '../../verifier/bundle-verify.js';
import { explicitForm, forgeBundle, forgeGenesis, setEventBody, type ForgeOptions } from '../helpers/bundle-forge.js';
import { bytes32, type TestChain } from '../helpers/chain.js';
import { grant, request } from '../helpers/payloads.js';
import { buildScenarioChain, CERT, type ScenarioFacts } from '../helpers/scenario-chain.js';
import { vectorOptionsFromJson, type BundleVector } from '../helpers/bundle-vectors.js';
import { listVectorFiles, readVectorJson } from '../helpers/vectors.js';
import { AUTHORITY, CHANNEL, seedOf } from '../helpers/world.js';

let chain: TestChain;
let facts: ScenarioFacts;
let anchor: Uint8Array;
let now: bigint;
const EXPIRING = 'C-expiring';
const EXPIRES = 50_000_000n;
const ACTIVE_GRANT = 'hh-2026-002';
const PENDING_GRANT = 'hh-2026-003';
const DENIED_GRANT = 'hh-2026-004';
let grantUntil: bigint;

beforeAll(async () => {
  ({ chain, facts } = await buildScenarioChain());
  const w = chain.w;
  grantUntil = chain.now + 1_000_000n;
  await chain.block([
    w.event('dept.realestate', {
      certificateIssued: { certificateId: EXPIRING, certificateTypeId: 'BDC', holderCommitment: facts.newHolder.commitment, attributesRoot: facts.issued.root, documentSha256: bytes32('doc:expiring'), validUntilMs: EXPIRES, attributeNames: facts.issued.names, certificateTypeName: '' },
    }),
    w.event('dept.civil', request(ACTIVE_GRANT, 'res.tax.income', ['年收入', '纳税额'])),
    w.event('dept.civil', request(PENDING_GRANT, 'res.tax.income', ['年收入'])),
    w.event('dept.civil', request(DENIED_GRANT, 'res.tax.income', ['年收入'])),
  ]);
  await chain.block([w.event('dept.tax', grant(ACTIVE_GRANT, ['年收入'], 0n, grantUntil)), w.event('dept.tax', { shareDenied: { requestId: DENIED_GRANT, reason: '用途不符' } })]);
  anchor = chain.genesis.bytes;
  const head = await chain.core.blocks.header(chain.height);
  now = head!.blockTimeMs + 1000n;
}, 60_000);

const source = () => ({ genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state });
const build = (kind: BundleTarget['kind'], id: string, opts = {}) => buildProofBundle(source(), { kind, id }, opts);
const verify = (b: Uint8Array, opts: Partial<VerifyOptions> = {}, a: Uint8Array = anchor): VerifyResult => verifyBundle(b, a, { nowMs: now, ...opts });
const codes = (r: VerifyResult) => r.reasons.map((x) => x.code);
const explicit = explicitForm;
const dec = (b: Uint8Array): ProofBundle => decode('ProofBundle', b);
const enc = (b: ProofBundle): Uint8Array => encode('ProofBundle', b);

describe('verdicts on a chain built by the real pipeline', () => {
  it('an issued certificate is VALID, with its summary and header', async () => {
    const b = await build('certificate', '11100000MB0000000X:BDC:2026-000124');
    const r = verify(b);
    expect(r.verdict).toBe('VALID');
    expect(r.reasons).toEqual([]);
    expect(r.subject).toEqual({ kind: 'certificate', id: '11100000MB0000000X:BDC:2026-000124' });
    expect(r.summary).toMatchObject({ kind: 'certificate', certificateTypeId: 'BDC', issuerDepartmentId: 'dept.realestate', status: 'ISSUED', validUntilMs: '0' });
    expect(r.header?.height).toBe(chain.height.toString());
    expect(r.header?.signers).toEqual([1]);
    expect(r.checks).toEqual({ holder: 'not-checked', attributes: 'not-checked', document: 'not-checked', fields: 'not-checked', consistency: 'not-checked', witnesses: 'not-checked' });
  });

  it('a certificate issued under a rotated key (version 2) is VALID', async () => {
    expect(verify(await build('certificate', 'C-new-key')).verdict).toBe('VALID');
  });

  it('a revoked certificate is REVOKED', async () => {
    const r = verify(await build('certificate', CERT));
    expect(r.verdict).toBe('REVOKED');
    expect(codes(r)).toEqual(['CERTIFICATE_REVOKED']);
    expect(r.summary).toMatchObject({ status: 'REVOKED', revocationReason: '注销' });
  });

  it('a certificate past its validity is EXPIRED at the reader time (VALID just before)', async () => {
    const b = await build('certificate', EXPIRING);
    expect(verify(b, { nowMs: EXPIRES - 1n }).verdict).toBe('VALID');
    const r = verify(b, { nowMs: EXPIRES });
    expect(r.verdict).toBe('EXPIRED');
    expect(codes(r)).toEqual(['CERTIFICATE_EXPIRED']);
  });

  it('an unknown id is UNKNOWN: absence is proven', async () => {
    const b = await build('certificate', 'no-such-certificate');
    const r = verify(b);
    expect(r.verdict).toBe('UNKNOWN');
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(r.header?.signers).toEqual([1]);
    const g = await build('grant', 'no-such-grant');
    expect(verify(g).verdict).toBe('UNKNOWN');
  });

  it('an active grant is VALID with grantee, resource, fields, window and uses left', async () => {
    const r = verify(await build('grant', ACTIVE_GRANT));
    expect(r.verdict).toBe('VALID');
    expect(r.summary).toMatchObject({
      kind: 'grant',
      granteeDepartmentId: 'dept.civil',
      grantorDepartmentId: 'dept.tax',
      resourceId: 'res.tax.income',
      status: 'GRANTED',
      grantedFields: ['年收入'],
      validFromMs: '0',
      validUntilMs: grantUntil.toString(),
      usesLeft: null,
    });
  });

  it('a grant past its window is EXPIRED; a used-up one EXPIRED (GRANT_EXHAUSTED); a revoked one REVOKED; a pending request INVALID', async () => {
    const active = await build('grant', ACTIVE_GRANT);
    expect(codes(verify(active, { nowMs: grantUntil }))).toEqual(['GRANT_EXPIRED']);
    expect(verify(active, { nowMs: grantUntil }).verdict).toBe('EXPIRED');
    const exhausted = verify(await build('grant', 'hh-2026-001.0'), { nowMs: facts.FROM + 10n });
    expect([exhausted.verdict, codes(exhausted)]).toEqual(['EXPIRED', ['GRANT_EXHAUSTED']]);
    expect(exhausted.summary).toMatchObject({ maxUses: '2', uses: '2', usesLeft: '0' });
    const revoked = verify(await build('grant', 'hh-2026-001.1'), { nowMs: facts.FROM + 10n });
    expect([revoked.verdict, codes(revoked)]).toEqual(['REVOKED', ['GRANT_REVOKED']]);
    const pending = verify(await build('grant', PENDING_GRANT));
    expect([pending.verdict, codes(pending)]).toEqual(['INVALID', ['GRANT_NOT_GRANTED']]);
    const denied = verify(await build('grant', DENIED_GRANT));
    expect([denied.verdict, codes(denied)]).toEqual(['INVALID', ['GRANT_DENIED']]);
    const early = verify(await build('grant', 'hh-2026-001.0'), { nowMs: facts.FROM - 1n });
    expect([early.verdict, codes(early)]).toEqual(['INVALID', ['GRANT_NOT_YET_ACTIVE']]);
  });

  it('a certificate signed by a key later declared compromised is INVALID (KEY_COMPROMISED)', async () => {
    const r = verify(await build('certificate', 'C-stolen'));
    expect(r.verdict).toBe('INVALID');
    expect(codes(r)).toEqual(['KEY_COMPROMISED']);
  });

  it('the grant covers the fields asked for, or INVALID (FIELDS_NOT_COVERED)', async () => {
    const b = await build('grant', ACTIVE_GRANT);
    const ok = verify(b, { fields: ['年收入'] });
    expect([ok.verdict, ok.checks.fields]).toEqual(['VALID', 'passed']);
    const no = verify(b, { fields: ['年收入', '纳税额'] });
    expect([no.verdict, no.checks.fields, codes(no)[0]]).toEqual(['INVALID', 'failed', 'FIELDS_NOT_COVERED']);
  });
});

describe('the reader checks (DESIGN.md section 10, step 9)', () => {
  it('holder: passes with the holder id and salt, fails with another', async () => {
    const b = await build('certificate', EXPIRING);
    const salt = Uint8Array.from(Buffer.from(facts.newHolder.salt, 'hex'));
    const ok = verify(b, { holder: { id: facts.newHolder.value, salt } });
    expect([ok.verdict, ok.checks.holder]).toEqual(['VALID', 'passed']);
    const no = verify(b, { holder: { id: '110101199001011234', salt } });
    expect([no.verdict, no.checks.holder, codes(no)]).toEqual(['INVALID', 'failed', ['NOT_HOLDER']]);
  });

  it('disclosed attributes pass against the attributes root, a changed value fails', async () => {
    const b = await build('certificate', EXPIRING);
    const salts = { certificate: EXPIRING, holder: { value: facts.newHolder.value, salt: facts.newHolder.salt }, attributes: facts.issued.salts.attributes };
    const d = disclosureToJson(buildDisclosure(salts, ['面积']));
    const ok = verify(b, { disclosed: d });
    expect([ok.verdict, ok.checks.attributes, ok.disclosed]).toEqual(['VALID', 'passed', { 面积: '89.5' }]);
    const forged = JSON.parse(JSON.stringify(d));
    forged.attributes[0].value = '189.5';
    const no = verify(b, { disclosed: forged });
    expect([no.verdict, no.checks.attributes, codes(no)]).toEqual(['INVALID', 'failed', ['DISCLOSURE_INVALID']]);
  });

  it('document: its SHA-256 matches the certificate, another file does not', async () => {
    const b = await build('certificate', EXPIRING);
    const ok = verify(b, { documentSha256: bytes32('doc:expiring') });
    expect([ok.verdict, ok.checks.document]).toEqual(['VALID', 'passed']);
    const no = verify(b, { documentSha256: bytes32('doc:other') });
    expect([no.verdict, no.checks.document, codes(no)]).toEqual(['INVALID', 'failed', ['DOCUMENT_MISMATCH']]);
  });

  it('a revoked certificate stays REVOKED with a matching holder; a holder check on a grant is INVALID (NOT_APPLICABLE)', async () => {
    const salt = Uint8Array.from(Buffer.from(facts.newHolder.salt, 'hex'));
    expect(verify(await build('certificate', CERT), { holder: { id: facts.newHolder.value, salt } }).verdict).toBe('REVOKED');
    expect(codes(verify(await build('grant', ACTIVE_GRANT), { holder: { id: 'x', salt } }))).toContain('NOT_APPLICABLE');
  });
});

describe('negative tests, one per check of section 10', () => {
  // The explicit form (the certificate record in the bundle), so that each check is reached on its
  // own; the compact form (the record derived from the issue event) has its own tests below.
  let valid: Uint8Array;
  let compact: Uint8Array;
  beforeAll(async () => {
    compact = await build('certificate', EXPIRING);
    valid = explicit(compact);
  });
  const mutate = (f: (b: ProofBundle) => void): Uint8Array => {
    const b = dec(valid);
    f(b);
    return enc(b);
  };
  const expectInvalid = (bytes: Uint8Array, code: string, opts: Partial<VerifyOptions> = {}, a = anchor) => {
    const r = verify(bytes, opts, a);
    expect(r.verdict).toBe('INVALID');
    expect(codes(r)[0]).toBe(code);
  };

  it('1. an unknown field, a non-canonical encoding, garbage, an unsupported version, another subject', () => {
    expectInvalid(Uint8Array.of(...valid, 0xf8, 0x01, 0x01), 'MALFORMED'); // field 31, varint 1
    expectInvalid(Uint8Array.of(0x08, 0x00, ...valid), 'MALFORMED'); // format_version 0 written explicitly, then again
    expectInvalid(Uint8Array.of(1, 2, 3), 'MALFORMED');
    expectInvalid(mutate((b) => (b.formatVersion = 2)), 'UNSUPPORTED_VERSION');
    expectInvalid(valid, 'SUBJECT_MISMATCH', { subject: { kind: 'certificate', id: 'C-new-key' } });
    expectInvalid(mutate((b) => (b.grant = { requestId: 'x' } as never)), 'UNEXPECTED_CONTENT');
    expectInvalid(mutate((b) => delete b.event), 'MISSING_CONTENT');
    expectInvalid(new Uint8Array(70_000), 'BUNDLE_TOO_LARGE');
    expectInvalid(mutate((b) => (b.subjectId = '')), 'BAD_SUBJECT');
    expectInvalid(mutate((b) => (b.subjectType = 0 as never)), 'BAD_SUBJECT');
    // the shape is checked before the event's contents: a record beside defining_height
    expectInvalid(mutate((b) => ((b.definingHeight = 1n), (b.event!.body = Uint8Array.of(0xff)))), 'UNEXPECTED_CONTENT');
  });

  it('2. another genesis as the anchor; a header of another chain', () => {
    const other = createGenesis({ channel: CHANNEL, authorities: [{ departmentId: AUTHORITY, name: 'x', publicKey: chain.w.publicKey(AUTHORITY) }], nodes: [chain.w.publicKey('node-x')], quorum: 1 });
    expectInvalid(valid, 'WRONG_GENESIS', {}, other.bytes);
    expectInvalid(mutate((b) => (b.header!.genesisHash = other.hash)), 'WRONG_GENESIS');
    expectInvalid(valid, 'BAD_ANCHOR', {}, Uint8Array.of(1, 2, 3));
    expectInvalid(mutate((b) => (b.header!.channel = 'other')), 'WRONG_CHANNEL');
    expectInvalid(mutate((b) => (b.header!.rulesVersion = 2)), 'WRONG_RULES_VERSION');
  });

  it('3. fewer than q signatures, a node not in the genesis, a bad signature, a duplicate', () => {
    expectInvalid(mutate((b) => (b.signatures = [])), 'TOO_FEW_SIGNATURES');
    expectInvalid(mutate((b) => (b.signatures[0]!.nodeIndex = 2)), 'UNKNOWN_NODE');
    expectInvalid(mutate((b) => (b.signatures[0]!.signature = signEd25519(seedOf('node-2'), voteMessage(chain.genesis.hash, b.header!.height, headerHash(encode('BlockHeader', b.header!)))))), 'BAD_NODE_SIGNATURE');
    expectInvalid(mutate((b) => b.signatures.push(b.signatures[0]!)), 'SIGNATURES_NOT_ORDERED');
    // a header changed after signing: the signatures no longer verify
    expectInvalid(mutate((b) => (b.header!.blockTimeMs += 1n)), 'BAD_NODE_SIGNATURE');
  });

  it('4. a state proof for another key, or against another root; the signer proof likewise', async () => {
    const other = dec(explicit(await build('certificate', 'C-new-key')));
    expectInvalid(mutate((b) => (b.recordProof = other.recordProof)), 'RECORD_PROOF_INVALID');
    // the other certificate's whole record and proof, under this subject id: the key comes from the id
    expectInvalid(mutate((b) => ((b.certificate = other.certificate), (b.recordProof = other.recordProof))), 'RECORD_PROOF_INVALID');
    expectInvalid(mutate((b) => (b.certificate!.validUntilMs = 0n)), 'RECORD_PROOF_INVALID');
    const grantBundle = dec(await build('grant', ACTIVE_GRANT));
    expectInvalid(mutate((b) => (b.signerProof = grantBundle.signerProof)), 'SIGNER_PROOF_INVALID');
    expectInvalid(mutate((b) => (b.signer!.suspended = true)), 'SIGNER_PROOF_INVALID');
    // an absence proof for a key that is present
    expectInvalid(mutate((b) => {
      delete b.certificate;
      delete b.event;
      delete b.signer;
      b.signerProof = new Uint8Array(0);
      b.inclusionPath = new Uint8Array(0);
      b.leafIndex = 0n;
    }), 'ABSENCE_PROOF_INVALID');
  });

  it('compact form: VALID as built, and VALID in the explicit form; a changed height, a record beside it, or a non-issue event is refused', async () => {
    expect(dec(compact).certificate).toBeUndefined();
    expect(dec(compact).definingHeight).toBeGreaterThan(0n);
    expect(verify(compact).verdict).toBe('VALID');
    expect(verify(valid).verdict).toBe('VALID');
    const change = (f: (b: ProofBundle) => void) => {
      const b = dec(compact);
      f(b);
      return enc(b);
    };
    expectInvalid(change((b) => (b.definingHeight += 1n)), 'RECORD_PROOF_INVALID');
    expectInvalid(change((b) => (b.leafIndex += 1n)), 'RECORD_PROOF_INVALID');
    expectInvalid(change((b) => (b.certificate = dec(valid).certificate)), 'UNEXPECTED_CONTENT');
    expectInvalid(change((b) => (b.definingHeight = 0n)), 'MISSING_CONTENT');
    const revoked = dec(await build('certificate', CERT));
    expect(revoked.certificate).toBeDefined(); // a revocation defines it: the record travels
    expectInvalid(change((b) => (b.event = revoked.event)), 'MISSING_CONTENT');
  });

  it('`ledger proof` says "absent" only for an absent record, never for a compact-form certificate', async () => {
    expect(writtenBundleNote(compact)).toBe('');
    expect(writtenBundleNote(valid)).toBe('');
    expect(writtenBundleNote(await build('certificate', 'no-such-certificate'))).toContain('the record is absent');
  });

  it('5. another event than the defining one; another leaf index', async () => {
    const other = dec(explicit(await build('certificate', 'C-new-key')));
    expectInvalid(mutate((b) => (b.event = other.event)), 'EVENT_MISMATCH');
    expectInvalid(mutate((b) => (b.leafIndex += 1n)), 'LOG_POSITION_MISMATCH');
  });

  it('6. an event signature that does not verify', () => {
    expectInvalid(mutate((b) => (b.event!.signature = signEd25519(seedOf('dept.realestate#1'), eventId(b.event!.body)))), 'BAD_EVENT_SIGNATURE');
  });

  it('7. an inclusion path that does not lead to the log root', () => {
    expectInvalid(mutate((b) => b.inclusionPath.set(bytes32('x'), 0)), 'INCLUSION_INVALID');
    expectInvalid(mutate((b) => (b.inclusionPath = b.inclusionPath.subarray(0, b.inclusionPath.length - 32))), 'INCLUSION_INVALID');
    expectInvalid(mutate((b) => (b.inclusionPath = b.inclusionPath.subarray(0, b.inclusionPath.length - 1))), 'MALFORMED');
  });

  it('8. a status older than the maximum age is STALE; fresh enough is VALID', async () => {
    const valid = await build('certificate', '11100000MB0000000X:BDC:2026-000124');
    const t = BigInt(verify(valid).header!.blockTimeMs);
    const r = verify(valid, { nowMs: t + 86_400_001n, maxAgeMs: 86_400_000n });
    expect([r.verdict, codes(r)[0]]).toEqual(['STALE', 'STALE']);
    expect(verify(valid, { nowMs: t + 86_400_000n, maxAgeMs: 86_400_000n }).verdict).toBe('VALID');
  });

  it('a consistency proof from a checkpoint the reader trusts', async () => {
    const logRootAt = async (size: number) => chain.core.merkle.rootAt(size);
    const b = await build('certificate', EXPIRING, { fromLogSize: 5n });
    const r = verify(b, { checkpoint: { logSize: 5n, logRoot: await logRootAt(5) } });
    expect([r.verdict, r.checks.consistency]).toEqual(['VALID', 'passed']);
    expectInvalid(b, 'CONSISTENCY_INVALID', { checkpoint: { logSize: 5n, logRoot: await logRootAt(6) } });
    expectInvalid(valid, 'CONSISTENCY_MISSING', { checkpoint: { logSize: 5n, logRoot: await logRootAt(5) } });
    // an absent record: the reader's checkpoint is checked too (docs/proof-format.md step 4)
    const absent = await build('certificate', 'no-such-certificate');
    expectInvalid(absent, 'CONSISTENCY_MISSING', { checkpoint: { logSize: 5n, logRoot: await logRootAt(5) } });
    const absentFrom5 = await build('certificate', 'no-such-certificate', { fromLogSize: 5n });
    const ok = verify(absentFrom5, { checkpoint: { logSize: 5n, logRoot: await logRootAt(5) } });
    expect([ok.verdict, ok.checks.consistency]).toEqual(['UNKNOWN', 'passed']);
  });

  it('note_signature is left out of bundles: any bytes there are UNEXPECTED_CONTENT (issue 17)', () => {
    expect(dec(valid).signatures.every((s) => s.noteSignature.length === 0)).toBe(true);
    expectInvalid(mutate((b) => (b.signatures[0]!.noteSignature = new Uint8Array(64).fill(7))), 'UNEXPECTED_CONTENT');
  });

  it("the consistency field's shape is checked without a checkpoint too (issue 17)", async () => {
    const b = dec(await build('certificate', EXPIRING, { fromLogSize: 5n }));
    const size = b.header!.logSize;
    expect(verify(enc(b)).verdict).toBe('VALID');
    const withConsistency = (c: ProofBundle['consistency']) => mutate((x) => (x.consistency = c));
    expectInvalid(withConsistency({ fromLogSize: 5n, path: new Uint8Array(30_000) }), 'CONSISTENCY_INVALID'); // junk
    expectInvalid(withConsistency({ fromLogSize: 0n, path: b.consistency!.path }), 'CONSISTENCY_INVALID');
    expectInvalid(withConsistency({ fromLogSize: size, path: new Uint8Array(0) }), 'CONSISTENCY_INVALID');
    expectInvalid(withConsistency({ fromLogSize: 5n, path: b.consistency!.path.subarray(1) }), 'CONSISTENCY_INVALID');
    expectInvalid(withConsistency({ fromLogSize: 5n, path: b.consistency!.path.subarray(32) }), 'CONSISTENCY_INVALID');
    // the builder leaves the field out when asked from the header's own size
    expect(dec(await build('certificate', EXPIRING, { fromLogSize: size })).consistency).toBeUndefined();
  });

  it('a header time after the reader time: age 0, the note HEADER_IN_FUTURE, the verdict stands', async () => {
    const b = await build('certificate', '11100000MB0000000X:BDC:2026-000124');
    const t = BigInt(verify(b).header!.blockTimeMs);
    const r = verify(b, { nowMs: t - 1_000n, maxAgeMs: 500n });
    // a note, never a reason: a VALID verdict has no reasons (docs/proof-format.md step 8)
    expect([r.verdict, codes(r), r.notes.map((x) => x.code)]).toEqual(['VALID', [], ['HEADER_IN_FUTURE']]);
  });
});

describe('forged bundles (signed by a quorum the test holds): the checks that need one', () => {
  let g: LoadedGenesis;
  let base: ProofBundle;
  beforeAll(async () => {
    g = forgeGenesis(chain.w.publicKey(AUTHORITY));
    base = dec(explicit(await build('certificate', EXPIRING)));
  });

  const forge = (f: (b: ProofBundle) => void, signers = [1, 2], opts: Omit<ForgeOptions, 'signers'> = {}): Uint8Array => forgeBundle(g, base, f, { ...opts, signers });
  const forgedVerdict = (bytes: Uint8Array) => verify(bytes, {}, g.bytes);
  const setBody = setEventBody;
  const realestate = (v: number) => seedOf(`dept.realestate#${v}`);

  it('the forge itself gives VALID with q = 2 of 3 nodes', () => {
    const r = forgedVerdict(forge(() => undefined, [1, 2], { resignEvent: realestate(2) }));
    expect([r.verdict, r.header?.signers]).toEqual(['VALID', [1, 2]]);
  });

  it('3. with one signature of q = 2: TOO_FEW_SIGNATURES; with a key not in the genesis: BAD_NODE_SIGNATURE; node 4: UNKNOWN_NODE', () => {
    expect(codes(forgedVerdict(forge(() => undefined, [1], { resignEvent: realestate(2) })))).toEqual(['TOO_FEW_SIGNATURES']);
    expect(codes(forgedVerdict(forge(() => undefined, [1, 2, 4], { resignEvent: realestate(2) })))).toEqual(['UNKNOWN_NODE']);
    const outsider = dec(forge(() => undefined, [1, 2], { resignEvent: realestate(2) }));
    outsider.signatures[1]!.signature = signEd25519(seedOf('not-a-genesis-node'), voteMessage(g.hash, 1n, headerHash(encode('BlockHeader', outsider.header!))));
    expect(codes(forgedVerdict(enc(outsider)))).toEqual(['BAD_NODE_SIGNATURE']);
  });

  it('5. record id, event kind, signer and channel must match the record', () => {
    const first = (bytes: Uint8Array) => codes(forgedVerdict(bytes))[0];
    expect(first(forge((b) => (b.certificate!.certificateId = 'C-other'), [1, 2], { resignEvent: realestate(2) }))).toBe('RECORD_ID_MISMATCH');
    expect(first(forge((b) => (b.certificate!.status = CertificateStatus.CERTIFICATE_REVOKED), [1, 2], { resignEvent: realestate(2) }))).toBe('EVENT_KIND_MISMATCH');
    expect(first(forge((b) => setBody(b, (e) => (e.certificateIssued!.certificateId = 'C-other')), [1, 2], { resignEvent: realestate(2) }))).toBe('EVENT_KIND_MISMATCH');
    expect(first(forge((b) => (b.certificate!.issuerDepartmentId = 'dept.tax'), [1, 2], { resignEvent: realestate(2) }))).toBe('SIGNER_MISMATCH');
    expect(first(forge((b) => setBody(b, (e) => (e.channel = 'other')), [1, 2], { resignEvent: realestate(2) }))).toBe('WRONG_EVENT_CHANNEL');
    expect(first(forge(() => undefined, [1, 2], { resignEvent: realestate(2), after: (b) => delete b.certificate!.definingEvent }))).toBe('NO_DEFINING_EVENT');
    expect(first(forge(() => undefined, [1, 2], { resignEvent: realestate(2), after: (b) => (b.certificate!.definingEvent!.height = 2n) }))).toBe('EVENT_AFTER_HEADER');
  });

  it('6. a key version the signer does not have, a retired key, a compromised key', () => {
    const first = (bytes: Uint8Array) => codes(forgedVerdict(bytes))[0];
    expect(first(forge((b) => setBody(b, (e) => (e.keyVersion = 3)), [1, 2], { resignEvent: realestate(2) }))).toBe('KEY_UNKNOWN');
    expect(first(forge((b) => (b.signer!.keys[1]!.activatedAt = 4n), [1, 2], { resignEvent: realestate(2) }))).toBe('KEY_UNKNOWN');
    expect(first(forge((b) => (b.signer!.keys[1]!.retiredAt = 3n), [1, 2], { resignEvent: realestate(2) }))).toBe('KEY_RETIRED');
    expect(first(forge((b) => (b.signer!.keys[1]!.compromisedFrom = { logPosition: 3n }), [1, 2], { resignEvent: realestate(2) }))).toBe('KEY_COMPROMISED');
    // compromised only from a later position: the event stands
    expect(forgedVerdict(forge((b) => (b.signer!.keys[1]!.compromisedFrom = { logPosition: 4n }), [1, 2], { resignEvent: realestate(2) })).verdict).toBe('VALID');
    expect(first(forge(() => undefined, [1, 2], { resignEvent: realestate(1) }))).toBe('BAD_EVENT_SIGNATURE');
  });

  it('8. a suspended issuer is reported, the verdict stands', () => {
    const r = forgedVerdict(forge((b) => (b.signer!.suspended = true), [1, 2], { resignEvent: realestate(2) }));
    expect([r.verdict, codes(r), r.notes.map((x) => x.code)]).toEqual(['VALID', [], ['ISSUER_SUSPENDED']]);
  });

  it('grants: the defining event of a GRANTED record is a ShareGranted by the grantor', async () => {
    const gb = dec(await build('grant', ACTIVE_GRANT));
    expect(gb.grant!.status).toBe(GrantStatus.GRANT_GRANTED);
    const wrong = dec(await build('grant', ACTIVE_GRANT));
    wrong.grant!.status = GrantStatus.GRANT_REVOKED;
    // (not forged: the state proof fails first)
    expect(codes(verify(enc(wrong)))[0]).toBe('RECORD_PROOF_INVALID');
  });
});

describe('the binary bundle', () => {
  it('flipping any single byte, at every position, never gives VALID', async () => {
    const b = await build('certificate', EXPIRING);
    expect(verify(b).verdict).toBe('VALID');
    const seen = new Map<string, number>();
    for (let i = 0; i < b.length; i++) {
      const m = new Uint8Array(b);
      m[i] = m[i]! ^ (1 << i % 8);
      const r = verify(m);
      expect(r.verdict, `byte ${i}`).not.toBe('VALID');
      seen.set(r.verdict, (seen.get(r.verdict) ?? 0) + 1);
    }
    expect([...seen.keys()].every((v) => v === 'INVALID')).toBe(true);
  }, 120_000);

  it('the JSON view gives back the same bytes, and refuses unknown fields', async () => {
    for (const t of [['certificate', EXPIRING], ['grant', ACTIVE_GRANT], ['certificate', 'nope']] as const) {
      const b = await build(t[0], t[1]);
      const json = bundleToJson(b);
      expect(toHex(bundleFromJson(JSON.parse(JSON.stringify(json))))).toBe(toHex(b));
      expect(toHex(bundleFromJson(JSON.stringify(json)))).toBe(toHex(b));
    }
    const json = bundleToJson(await build('certificate', EXPIRING)) as Record<string, unknown>;
    expect(json.subjectType).toBe('BUNDLE_CERTIFICATE');
    expect(() => bundleFromJson({ ...json, extra: 1 })).toThrow(/extra/);
    expect(() => bundleFromJson({ ...json, leafIndex: 5 })).toThrow(/leafIndex/);
  });
});

describe('docs/proof-format.md', () => {
  const doc = readFileSync(new URL('../../docs/proof-format.md', import.meta.url), 'utf8');
  it('names every reason code the verifier gives', () => {
    for (const code of Object.keys(REASON)) expect(doc, code).toContain(`\`${code}\``);
  });
  it("its schema appendix is proto/ledger.proto's text, message by message", () => {
    const proto = readFileSync(new URL('../../proto/ledger.proto', import.meta.url), 'utf8');
    const appendix = doc.slice(doc.indexOf('## Appendix'));
    const blocks = appendix.match(/^(message|enum) \w+ \{[\s\S]*?^\}/gm) ?? [];
    expect(blocks.length).toBeGreaterThan(30);
    for (const b of blocks) expect(proto, b.split('\n')[0]).toContain(b);
    expect(appendix).toContain('message ProofBundle {');
  });
});

describe('vectors (test/vectors/proof-bundle)', () => {
  const anchorHex = () => readVectorJson<{ genesis: string }>('proof-bundle', 'anchor.json').genesis;
  const vectors = () => listVectorFiles('proof-bundle').filter((f) => f.endsWith('.json') && f !== 'anchor.json').map((f) => ({ file: f, v: readVectorJson<BundleVector>('proof-bundle', f) }));
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

  it('the verifier gives each vector its expected verdict, reasons and notes', () => {
    const all = vectors();
    expect(all.length).toBeGreaterThanOrEqual(70);
    for (const { v } of all) {
      const r = verifyBundle(hex(v.bundle), hex(v.anchor ?? anchorHex()), vectorOptionsFromJson(v.options));
      const got = { name: v.name, verdict: r.verdict, reason: r.reasons[0]?.code ?? null, reasons: codes(r), notes: r.notes.map((x) => x.code) };
      expect(got).toEqual({ name: v.name, verdict: v.expect.verdict, reason: v.expect.reason, reasons: v.expect.reasons, notes: v.expect.notes });
    }
  });

  it('every reason code of the verifier is the first reason (or a note) of at least one vector', () => {
    const v2 = listVectorFiles('proof-bundle-v2').filter((f) => f.endsWith('.json') && f !== 'anchor.json').map((f) => readVectorJson<{ expect: { reason: string | null; notes: string[] } }>('proof-bundle-v2', f));
    const seen = new Set([...vectors().flatMap(({ v }) => [v.expect.reason, ...v.expect.notes]), ...v2.flatMap((v) => [v.expect.reason, ...v.expect.notes])]);
    expect(Object.keys(REASON).filter((code) => !seen.has(code))).toEqual([]);
  });

  it('a VALID vector has no reasons; every other verdict has its deciding reason first', () => {
    for (const { v } of vectors()) expect(v.expect.verdict === 'VALID', v.name).toBe(v.expect.reasons.length === 0);
  });

  it('docs/proof-format.md lists every vector with its reasons and why', () => {
    const doc = readFileSync(new URL('../../docs/proof-format.md', import.meta.url), 'utf8');
    for (const { file, v } of vectors()) expect(doc, file).toContain(`| \`${file}\` | ${v.expect.verdict} |`);
  });
});

describe('vectors under rules version 2 (test/vectors/proof-bundle-v2: encumbrances, issue 24)', () => {
  it('the verifier gives each vector its expected verdict and first reason', () => {
    const anchorHex = readVectorJson<{ genesis: string }>('proof-bundle-v2', 'anchor.json').genesis;
    const files = listVectorFiles('proof-bundle-v2').filter((f) => f.endsWith('.json') && f !== 'anchor.json');
    expect(files.length).toBeGreaterThanOrEqual(5);
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
    for (const f of files) {
      const v = readVectorJson<{ name: string; bundle: string; options: { nowMs: string; holder?: { id: string; salt: string } }; expect: { verdict: string; reason: string | null; notes: string[] } }>('proof-bundle-v2', f);
      const holder = v.options.holder === undefined ? {} : { holder: { id: v.options.holder.id, salt: hex(v.options.holder.salt) } };
      const r = verifyBundle(hex(v.bundle), hex(anchorHex), { nowMs: BigInt(v.options.nowMs), ...holder });
      expect({ name: v.name, verdict: r.verdict, reason: r.reasons[0]?.code ?? null, notes: r.notes.map((x) => x.code) }).toEqual({ name: v.name, verdict: v.expect.verdict, reason: v.expect.reason, notes: v.expect.notes });
      // the certificate type by name (issue 24): proved with the record, empty when the issue gave none
      if (r.summary?.kind === 'certificate') expect(r.summary.certificateTypeName, v.name).toBe(v.name === 'certificate-named-type' ? '不动产权证书' : '');
    }
  });
});

describe('malformed input never throws and is never VALID', () => {
  it('random edits of a bundle (fast-check): insertions, deletions, overwrites', async () => {
    const b = await build('certificate', EXPIRING);
    fc.assert(
      fc.property(fc.nat(b.length - 1), fc.nat(8), fc.uint8Array({ minLength: 0, maxLength: 8 }), (at, cut, insert) => {
        const m = Uint8Array.of(...b.subarray(0, at), ...insert, ...b.subarray(Math.min(b.length, at + cut)));
        if (m.length === b.length && m.every((x, i) => x === b[i])) return;
        const r = verify(m);
        expect(r.verdict).not.toBe('VALID');
      }),
      { numRuns: 300, seed: 10 },
    );
  });

  it('bad options and a bad anchor are reported, not thrown', async () => {
    const b = await build('certificate', EXPIRING);
    expect(codes(verifyBundle(b, anchor, { nowMs: 1 as unknown as bigint }))).toEqual(['BAD_OPTIONS']);
    // every time and size of the reader is a u64 (docs/proof-format.md step 0)
    expect(codes(verifyBundle(b, anchor, { nowMs: -1n }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { maxAgeMs: 1n << 64n }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { checkpoint: { logSize: 1n, logRoot: 'x' as unknown as Uint8Array } }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { documentSha256: new Uint8Array(3) }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { subject: null as never }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { subject: { kind: 'deed', id: 'x' } as never }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { holder: { id: 'x', salt: 'ab' } as never }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verify(b, { fields: [1] as never }))).toEqual(['BAD_OPTIONS']);
    expect(codes(verifyBundle(b, undefined as unknown as Uint8Array, { nowMs: now }))).toEqual(['BAD_ANCHOR']);
    expect(codes(verifyBundle('x' as unknown as Uint8Array, anchor, { nowMs: now }))).toEqual(['MALFORMED']);
  });
});

describe("the grantee by name (issue 17): its department record, proved, in grant bundles", () => {
  it('names the grantee from its proved record; an older bundle without it still verifies and shows the id', async () => {
    const bytes = await build('grant', ACTIVE_GRANT);
    const b = dec(bytes);
    // the grant's defining event is the grantor's ShareGranted: the grantee's record travels beside the signer's
    expect(b.grantee?.departmentId).toBe('dept.civil');
    expect(b.granteeProof.length).toBeGreaterThan(0);
    const r = verify(bytes);
    expect(r.verdict).toBe('VALID');
    expect(r.summary).toMatchObject({ kind: 'grant', granteeDepartmentId: 'dept.civil', granteeName: 'dept.civil', grantorName: 'dept.tax' });
    // a pending request's defining event is the grantee's own: its name comes from the signer record
    const pending = dec(await build('grant', PENDING_GRANT));
    expect([pending.grantee, pending.granteeProof.length]).toEqual([undefined, 0]);
    expect(verify(enc(pending)).summary).toMatchObject({ granteeName: 'dept.civil' });
    // a bundle made before the grantee record (no fields 18 and 19)
    const old = verify(enc({ ...b, grantee: undefined, granteeProof: new Uint8Array(0) }));
    expect(old.verdict).toBe('VALID');
    expect(old.summary).toMatchObject({ granteeDepartmentId: 'dept.civil', granteeName: '' });
  });

  it('refuses a grantee record that is not proved, not the grant\'s, or where it does not belong', async () => {
    const b = dec(await build('grant', ACTIVE_GRANT));
    const invalid = (x: ProofBundle, code: string) => {
      const r = verify(enc(x));
      expect(r.verdict).toBe('INVALID');
      expect(codes(r)[0]).toBe(code);
    };
    const proof = new Uint8Array(b.granteeProof);
    proof[proof.length - 1] = proof[proof.length - 1]! ^ 1;
    invalid({ ...b, granteeProof: proof }, 'GRANTEE_PROOF_INVALID');
    invalid({ ...b, grantee: { ...b.grantee!, name: '伪造部门' } }, 'GRANTEE_PROOF_INVALID');
    // another department's record with its own valid proof: not at the requester's state key
    invalid({ ...b, grantee: b.signer, granteeProof: b.signerProof }, 'GRANTEE_PROOF_INVALID');
    invalid({ ...b, grantee: undefined }, 'UNEXPECTED_CONTENT');
    const cert = dec(await build('certificate', EXPIRING));
    invalid({ ...cert, grantee: b.grantee, granteeProof: b.granteeProof }, 'UNEXPECTED_CONTENT');
    const pending = dec(await build('grant', PENDING_GRANT));
    invalid({ ...pending, grantee: pending.signer, granteeProof: pending.signerProof }, 'UNEXPECTED_CONTENT');
  });
});
