#!/usr/bin/env node
// Generates the proof-bundle test vectors in test/vectors/proof-bundle/ (docs/proof-format.md)
// from the built modules (run `npm run build` first): the scenario chain of the tests
// (test/helpers/scenario-chain.ts, cut by the real state machine and node core, deterministic
// keys and times), its genesis as the anchor, and one JSON file per case: the bundle (hex), the
// anchor when it is not anchor.json's, the reader's options and the expected verdict, reasons and
// notes. Each case says which code it must give and why no other; the script stops if the
// verifier gives another. It also writes the table of cases into SOURCE.md and
// docs/proof-format.md (between the `vectors:begin` and `vectors:end` marks).
// Usage: node scripts/gen-proof-bundle-vectors.mjs
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (p) => join(root, 'dist', p);
const { toHex } = await import(dist('ledger/bytes.js'));
const { decode, encode } = await import(dist('proto/codec.js'));
const { buildDisclosure, disclosureToJson } = await import(dist('ledger/disclosure.js'));
const { buildProofBundle } = await import(dist('proofs/bundle-builder.js'));
const { verifyBundle } = await import(dist('verifier/bundle-verify.js'));
const { buildScenarioChain, CERT } = await import(dist('test/helpers/scenario-chain.js'));
const { explicitForm, forgeBundle, forgeGenesis, setEventBody } = await import(dist('test/helpers/bundle-forge.js'));
const { vectorOptionsFromJson, vectorOptionsToJson } = await import(dist('test/helpers/bundle-vectors.js'));
const { attachWitnessed } = await import(dist('proofs/bundle-witnessed.js'));
const { testWitness, withWitnesses, witnessedNote } = await import(dist('test/helpers/witnesses.js'));
const { bytes32 } = await import(dist('test/helpers/chain.js'));
const { request } = await import(dist('test/helpers/payloads.js'));
const { AUTHORITY, seedOf } = await import(dist('test/helpers/world.js'));

const { chain, facts } = await buildScenarioChain();
const source = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
const build = (kind, id, opts = {}) => buildProofBundle(source, { kind, id }, opts);
const head = await chain.core.blocks.header(chain.height);
const now = head.blockTimeMs + 1000n;
const mutate = (bytes, f) => {
  const b = decode('ProofBundle', bytes);
  f(b);
  return encode('ProofBundle', b);
};
const flipLast = (bytes) => bytes.map((x, i) => (i === bytes.length - 1 ? x ^ 1 : x));

const VALID_ID = '11100000MB0000000X:BDC:2026-000124';
const valid = await build('certificate', VALID_ID);
const validExplicit = explicitForm(valid);
const unknown = await build('certificate', 'no-such-certificate');
const newKey = decode('ProofBundle', explicitForm(await build('certificate', 'C-new-key')));
const from5 = await build('certificate', VALID_ID, { fromLogSize: 5n });
const rootAt5 = await chain.core.merkle.rootAt(5);
const rootAt6 = await chain.core.merkle.rootAt(6);
const issuedSalts = facts.issued.salts;
const holderSalt = Uint8Array.from(Buffer.from(issuedSalts.holder.salt, 'hex'));
const disclosure = { ...disclosureToJson(buildDisclosure({ ...issuedSalts, certificate: VALID_ID }, ['面积'])) };
const changedDisclosure = JSON.parse(JSON.stringify(disclosure));
changedDisclosure.attributes[0].value = '189.5';
const aGrant = decode('ProofBundle', await build('grant', 'hh-2026-001.0')).grant;
const anchorNoAuthorities = encode('Genesis', { ...chain.genesis.genesis, authorities: [] });

// forged under a genesis whose node keys the script holds (test/helpers/bundle-forge.ts)
const fg = forgeGenesis(chain.w.publicKey(AUTHORITY));
const re2 = seedOf('dept.realestate#2');
const forge = (f, opts = {}) => forgeBundle(fg, newKey, f, { resignEvent: re2, ...opts });

// [file name, expected first reason (or VALID), why that code and no other, bundle, options, anchor]
const cases = [
  // verdicts of real records
  ['certificate-valid-compact', 'VALID', 'an issued certificate, compact form (record derived from its CertificateIssued)', valid, {}],
  ['certificate-valid-rotated-key', 'VALID', 'a certificate issued under key version 2 after a rotation', await build('certificate', 'C-new-key'), {}],
  ['certificate-revoked', 'CERTIFICATE_REVOKED', 'a revoked certificate (explicit form: the revocation defines it)', await build('certificate', CERT), {}],
  ['certificate-unknown', 'NOT_FOUND', 'an id with no record: a non-membership proof', unknown, {}],
  ['certificate-key-compromised', 'KEY_COMPROMISED', 'issued by a key later declared compromised from that log position', await build('certificate', 'C-stolen'), {}],
  ['certificate-stale', 'STALE', 'a valid certificate read with a maximum age the header is older than', valid, { nowMs: now + 86_400_000n, maxAgeMs: 86_400_000n }],
  ['grant-revoked', 'GRANT_REVOKED', 'a revoked share grant', await build('grant', 'hh-2026-001.1'), { nowMs: facts.FROM + 10n }],
  ['grant-exhausted', 'GRANT_EXHAUSTED', 'a granted share whose uses are all used', await build('grant', 'hh-2026-001.0'), { nowMs: facts.FROM + 10n }],
  ['grant-expired', 'GRANT_EXPIRED', 'a granted share read at the end of its window (valid_until_ms <= t)', await build('grant', 'hh-2026-001.0'), { nowMs: facts.UNTIL }],
  ['grant-not-yet-active', 'GRANT_NOT_YET_ACTIVE', 'a granted share read 1 ms before its window opens (t < valid_from_ms)', await build('grant', 'hh-2026-001.0'), { nowMs: facts.FROM - 1n }],
  ['header-in-future', 'VALID', 'a valid certificate read with a maximum age by a clock 1 s behind the header: age 0, VALID with the note HEADER_IN_FUTURE (a note, never a reason)', valid, { nowMs: head.blockTimeMs - 1000n, maxAgeMs: 500n }],
  ['checkpoint-consistent', 'VALID', 'a bundle with a consistency proof from size 5, read with the checkpoint of size 5: consistency passed', from5, { checkpoint: { logSize: 5n, logRoot: rootAt5 } }],
  // step 0
  ['anchor-no-authorities', 'BAD_ANCHOR', 'the anchor is the genesis with its authorities removed: a genesis needs at least one authority (step 0, before the bundle is read)', valid, {}, anchorNoAuthorities],
  ['options-now-above-u64', 'BAD_OPTIONS', "the reader's time is 2^64, outside the u64 range (step 0)", valid, { nowMs: 1n << 64n }],
  ['options-checkpoint-size-0', 'BAD_OPTIONS', 'a checkpoint of log size 0 (a checkpoint is from size 1; step 0)', valid, { checkpoint: { logSize: 0n, logRoot: rootAt5 } }],
  // step 1
  ['mutated-too-large', 'BUNDLE_TOO_LARGE', '70,000 zero bytes: the size is checked before decoding', new Uint8Array(70_000), {}],
  ['mutated-unknown-field', 'MALFORMED', 'an unknown field appended (field 31, varint 1)', Uint8Array.of(...valid, 0xf8, 0x01, 0x01), {}],
  ['mutated-version', 'UNSUPPORTED_VERSION', 'format_version 2', mutate(valid, (b) => (b.formatVersion = 2)), {}],
  ['mutated-no-subject-id', 'BAD_SUBJECT', 'an empty subject_id', mutate(valid, (b) => (b.subjectId = '')), {}],
  ['subject-mismatch', 'SUBJECT_MISMATCH', 'a valid bundle read by a reader who asked about certificate C-new-key', valid, { subject: { kind: 'certificate', id: 'C-new-key' } }],
  ['mutated-no-header', 'MISSING_CONTENT', 'no header', mutate(valid, (b) => delete b.header), {}],
  ['mutated-grant-in-certificate-bundle', 'UNEXPECTED_CONTENT', "a certificate bundle that also carries a grant record: the other kind's record is checked before the shape", mutate(valid, (b) => (b.grant = aGrant)), {}],
  ['mutated-no-event', 'MISSING_CONTENT', 'an explicit-form certificate record without its event: a present record needs the event and the signer', mutate(validExplicit, (b) => delete b.event), {}],
  ['mutated-absent-with-leaf-index', 'UNEXPECTED_CONTENT', 'an absent record (no record, no event) with leaf_index 1: an absent record has every field from 7 to 13 and 15 at its default', mutate(unknown, (b) => (b.leafIndex = 1n)), {}],
  ['mutated-record-and-height', 'UNEXPECTED_CONTENT', 'a carried record beside defining_height 1, with an undecodable event body: the shape is checked before the body (not EVENT_MALFORMED)', mutate(validExplicit, (b) => ((b.definingHeight = 1n), (b.event.body = Uint8Array.of(0xff)))), {}],
  ['mutated-compact-height-0', 'MISSING_CONTENT', 'compact form (no record) with defining_height 0: neither form', mutate(valid, (b) => (b.definingHeight = 0n)), {}],
  ['mutated-event-body', 'EVENT_MALFORMED', 'compact form whose event body does not decode', mutate(valid, (b) => (b.event.body = Uint8Array.of(0xff))), {}],
  ['mutated-compact-not-issue', 'MISSING_CONTENT', 'compact form whose event is a CertificateRevoked: the record cannot be derived', mutate(await build('certificate', CERT), (b) => (delete b.certificate, (b.definingHeight = 1n))), {}],
  ['mutated-inclusion-path-odd', 'MALFORMED', 'an inclusion path of 32k + 1 bytes', mutate(valid, (b) => (b.inclusionPath = Uint8Array.of(...b.inclusionPath, 0))), {}],
  ['mutated-note-signature', 'UNEXPECTED_CONTENT', 'a commit signature carries 64 bytes of note_signature, which bundles leave out', mutate(valid, (b) => (b.signatures[0].noteSignature = new Uint8Array(64).fill(7))), {}],
  ['mutated-consistency-junk', 'CONSISTENCY_INVALID', 'a consistency field of junk (30,000 zero bytes from size 5), read without a checkpoint: its shape is checked always, before the signatures', mutate(valid, (b) => (b.consistency = { fromLogSize: 5n, path: new Uint8Array(30_000) })), {}],
  // step 2
  ['mutated-genesis-hash', 'WRONG_GENESIS', 'the header names another genesis (before the signatures)', mutate(valid, (b) => (b.header.genesisHash = new Uint8Array(32).fill(9))), {}],
  ['mutated-channel', 'WRONG_CHANNEL', 'the header names another channel', mutate(valid, (b) => (b.header.channel = 'other')), {}],
  ['mutated-rules-version', 'WRONG_RULES_VERSION', 'the header names rules version 2', mutate(valid, (b) => (b.header.rulesVersion = 2)), {}],
  // step 3
  ['mutated-signatures-repeated', 'SIGNATURES_NOT_ORDERED', 'the same node signature twice: node 1 after node 1', mutate(valid, (b) => (b.signatures = [b.signatures[0], b.signatures[0]])), {}],
  ['mutated-node-index-0', 'SIGNATURES_NOT_ORDERED', 'a signature with node_index 0 (field left out): the indexes must rise from above 0, so 0 is "not ordered", not "unknown"', mutate(valid, (b) => (b.signatures[0].nodeIndex = 0)), {}],
  ['mutated-unknown-node', 'UNKNOWN_NODE', 'a signature by node 9, not in the genesis', mutate(valid, (b) => (b.signatures[0].nodeIndex = 9)), {}],
  ['mutated-bad-then-unknown-node', 'BAD_NODE_SIGNATURE', "node 1's signature changed, then a signature by node 9: the sub-checks run entry by entry, so node 1's signature fails before node 9 is looked up", mutate(valid, (b) => (b.signatures = [{ ...b.signatures[0], signature: flipLast(b.signatures[0].signature) }, { ...b.signatures[0], nodeIndex: 9 }])), {}],
  ['mutated-header-time', 'BAD_NODE_SIGNATURE', 'the header changed after signing: the vote signature fails', mutate(valid, (b) => (b.header.blockTimeMs += 1n)), {}],
  ['mutated-no-signatures', 'TOO_FEW_SIGNATURES', 'no node signature', mutate(valid, (b) => (b.signatures = [])), {}],
  // step 4
  ['mutated-absence-proof', 'ABSENCE_PROOF_INVALID', "an absent record whose non-membership proof has its last byte changed", mutate(unknown, (b) => (b.recordProof = flipLast(b.recordProof))), {}],
  ['mutated-leaf-index', 'RECORD_PROOF_INVALID', 'compact form with another leaf index: the derived record is not the committed one', mutate(valid, (b) => (b.leafIndex += 1n)), {}],
  ['mutated-signer-proof', 'SIGNER_PROOF_INVALID', "the signer's state proof with its last byte changed", mutate(valid, (b) => (b.signerProof = flipLast(b.signerProof))), {}],
  ['mutated-signer-proof-empty', 'SIGNER_PROOF_INVALID', 'an empty signer_proof: a bytes field is never "missing", it is checked by the step that uses it', mutate(valid, (b) => (b.signerProof = new Uint8Array(0))), {}],
  // step 5
  ['mutated-other-event', 'EVENT_MISMATCH', "the explicit form with another certificate's event (same signer): the record's defining event id differs", mutate(validExplicit, (b) => (b.event = newKey.event)), {}],
  ['mutated-explicit-leaf-index', 'LOG_POSITION_MISMATCH', "the explicit form with leaf_index + 1: the record (and its proof) stand, the leaf index is not the defining event's log position", mutate(validExplicit, (b) => (b.leafIndex += 1n)), {}],
  // step 6
  ['mutated-event-signature', 'BAD_EVENT_SIGNATURE', "the event's signature with its last byte changed", mutate(valid, (b) => (b.event.signature = flipLast(b.event.signature))), {}],
  // step 7
  ['mutated-inclusion-path', 'INCLUSION_INVALID', 'one inclusion hash changed', mutate(valid, (b) => (b.inclusionPath = b.inclusionPath.map((x, i) => (i === 0 ? x ^ 1 : x)))), {}],
  ['checkpoint-no-consistency', 'CONSISTENCY_MISSING', 'a valid bundle without consistency, read with a checkpoint of size 5 (smaller than the header\'s)', valid, { checkpoint: { logSize: 5n, logRoot: rootAt5 } }],
  ['checkpoint-absent-no-consistency', 'CONSISTENCY_MISSING', "an absent record read with a checkpoint of size 5: a reader's checkpoint is checked for an absent record too", unknown, { checkpoint: { logSize: 5n, logRoot: rootAt5 } }],
  ['checkpoint-other-root', 'CONSISTENCY_INVALID', 'a consistency proof from size 5 read with a checkpoint of size 5 but the root of size 6', from5, { checkpoint: { logSize: 5n, logRoot: rootAt6 } }],
  // step 9
  ['holder-other-id', 'NOT_HOLDER', "a valid certificate read with the holder's salt but another holder id", valid, { holder: { id: '110101199001019999', salt: holderSalt } }],
  ['disclosure-changed-value', 'DISCLOSURE_INVALID', "a disclosure of 面积 whose value was changed from 89.5 to 189.5", valid, { disclosed: changedDisclosure }],
  ['document-other', 'DOCUMENT_MISMATCH', "a valid certificate read with another document's SHA-256", valid, { documentSha256: bytes32('doc:other') }],
  ['grant-fields-not-covered', 'FIELDS_NOT_COVERED', 'an exhausted grant read for a field it does not cover: the failed reader check first (INVALID), then the status reason GRANT_EXHAUSTED', await build('grant', 'hh-2026-001.0'), { nowMs: facts.FROM + 10n, fields: ['年收入', '纳税额'] }],
  ['certificate-fields-asked', 'NOT_APPLICABLE', 'a valid certificate read with a fields check, which applies to grants only', valid, { fields: ['面积'] }],
  ['holder-disclosure-document-pass', 'VALID', 'a valid certificate with the holder, a disclosure of 面积 and the document: every reader check passed', valid, { holder: { id: issuedSalts.holder.value, salt: holderSalt }, disclosed: disclosure, documentSha256: bytes32(`doc:${VALID_ID}`) }],
];

// forged under forgeGenesis: the checks of steps 5-6 that only a quorum could break
const forged = [
  ['forged-valid', 'VALID', 'the forge itself: a certificate at log position 3 of 5, signed by nodes 1 and 2 of 3 (q = 2)', forge(() => undefined)],
  ['forged-first-leaf', 'VALID', 'a log of 1 leaf: leaf_index 0 and an empty inclusion path, both left out of the encoding, are values, not missing fields', forge(() => undefined, { logSize: 1, position: 0 })],
  ['forged-empty-attribute-name', 'VALID', 'an attribute_names entry that is the empty string: in a repeated non-identifier string an empty entry is a value (canonical, not MALFORMED)', forge((b) => b.certificate.attributeNames.push(''))],
  ['forged-record-id', 'RECORD_ID_MISMATCH', "the record's certificate_id is not the subject id (the state key is the subject id's, so the proofs hold)", forge((b) => (b.certificate.certificateId = 'C-other'))],
  ['forged-no-defining-event', 'NO_DEFINING_EVENT', 'the record has no defining_event', forge(() => undefined, { after: (b) => delete b.certificate.definingEvent })],
  ['forged-event-id-short', 'EVENT_MISMATCH', "the record's defining_event.event_id is 31 bytes: its length is not fixed by decoding, it is compared with EventId (32 bytes) at step 5", forge(() => undefined, { after: (b) => (b.certificate.definingEvent.eventId = b.certificate.definingEvent.eventId.subarray(0, 31)) })],
  ['forged-event-after-header', 'EVENT_AFTER_HEADER', "the record's defining event is at height 2, the header at 1", forge(() => undefined, { after: (b) => (b.certificate.definingEvent.height = 2n) })],
  ['forged-event-channel', 'WRONG_EVENT_CHANNEL', 'the event body names another channel', forge((b) => setEventBody(b, (e) => (e.channel = 'other')))],
  ['forged-event-kind', 'EVENT_KIND_MISMATCH', 'a REVOKED record whose defining event is a CertificateIssued', forge((b) => (b.certificate.status = 2))],
  ['forged-signer-mismatch', 'SIGNER_MISMATCH', 'the record names dept.tax as issuer; dept.realestate signed', forge((b) => (b.certificate.issuerDepartmentId = 'dept.tax'))],
  ['forged-key-unknown', 'KEY_UNKNOWN', 'the event names key version 3, which the signer does not have', forge((b) => setEventBody(b, (e) => (e.keyVersion = 3)))],
  ['forged-key-retired', 'KEY_RETIRED', "the signer's key version 2 is retired at the event's log position", forge((b) => (b.signer.keys[1].retiredAt = 3n))],
  ['forged-keys-share-version', 'BAD_EVENT_SIGNATURE', 'two signer keys with version 2, the first with another public key: the first entry with the version counts, and the signature does not verify under it', forge((b) => (b.signer.keys = [{ ...b.signer.keys[1], publicKey: b.signer.keys[0].publicKey }, b.signer.keys[1]]))],
  ['forged-issuer-suspended', 'VALID', 'the signer is suspended: VALID with the note ISSUER_SUSPENDED (a note, never a reason)', forge((b) => (b.signer.suspended = true))],
];
for (const [name, code, why, bundle] of forged) cases.push([name, code, why, bundle, {}, fg.bytes]);

// Issue 23: witness cosignatures (docs/proof-format.md section 9). Three deterministic witnesses;
// the reader's policy is in the options: `witnesses` (cosigner vkeys, space-separated) and
// `witnessQuorum`. Two of them cosigned the header's checkpoint.
const witnesses = [0, 1, 2].map(testWitness);
const policy = { witnesses: witnesses.map((x) => x.vkey).join(' '), witnessQuorum: '2' };
const witnessed = await attachWitnessed(valid, witnessedNote(chain.genesis, head.logSize, head.logRoot, [witnesses[0], witnesses[2]]), withWitnesses(chain.genesis, witnesses, 2), (o, n) => chain.core.merkle.consistencyProof(o, n));
cases.push(
  ['certificate-witnessed', 'VALID', 'an issued certificate whose checkpoint 2 of the 3 policy witnesses cosigned (cosignature/v1), policy k = 2', witnessed, policy],
  ['witnessed-quorum-missing', 'WITNESS_QUORUM_MISSING', 'the same bundle under a policy requiring all 3 witnesses', witnessed, { ...policy, witnessQuorum: '3' }],
  ['witnessed-not-carried', 'WITNESS_QUORUM_MISSING', 'a bundle without witness cosignatures under a policy requiring 1', valid, { ...policy, witnessQuorum: '1' }],
  ['witnessed-signature-changed', 'WITNESS_SIGNATURE_INVALID', "one byte of a policy witness's cosignature changed", mutate(witnessed, (b) => (b.witnessed.cosignatures[0].signature[0] ^= 1)), policy],
  ['witnessed-other-root', 'WITNESS_SIGNATURE_INVALID', "the cosigned checkpoint has the header's log size and another root", mutate(witnessed, (b) => (b.witnessed.logRoot = new Uint8Array(32).fill(3))), policy],
);

// a second stage on the same chain, after the cases above were built: an expiring certificate,
// a pending and a denied request
const w = chain.w;
const EXPIRES = 50_000_000n;
await chain.block([
  w.event('dept.realestate', { certificateIssued: { certificateId: 'C-expiring', certificateTypeId: 'BDC', holderCommitment: facts.newHolder.commitment, attributesRoot: facts.issued.root, documentSha256: bytes32('doc:expiring'), validUntilMs: EXPIRES, attributeNames: facts.issued.names } }),
  w.event('dept.civil', request('hh-2026-003', 'res.tax.income', ['年收入'])),
  w.event('dept.civil', request('hh-2026-004', 'res.tax.income', ['年收入'])),
]);
await chain.block([w.event('dept.tax', { shareDenied: { requestId: 'hh-2026-004', reason: '用途不符' } })]);
cases.push(
  ['certificate-expired', 'CERTIFICATE_EXPIRED', 'a certificate read at its valid_until_ms exactly (expired when valid_until_ms <= t)', await build('certificate', 'C-expiring'), { nowMs: EXPIRES }],
  ['grant-not-granted', 'GRANT_NOT_GRANTED', 'a request that was never granted (status REQUESTED)', await build('grant', 'hh-2026-003'), {}],
  ['grant-denied', 'GRANT_DENIED', 'a denied request', await build('grant', 'hh-2026-004'), {}],
);

const dir = join(root, 'test', 'vectors', 'proof-bundle');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f));
writeFileSync(join(dir, 'anchor.json'), `${JSON.stringify({ description: 'the genesis (trust anchor) of every case without its own anchor', genesis: toHex(chain.genesis.bytes), genesisHash: toHex(chain.genesis.hash) }, null, 2)}\n`);
const rows = [];
for (const [name, code, why, bundle, opts, anchor] of cases) {
  // a witness policy goes into the JSON as written (vkey text); the verdict is of the options as a reader of the file gets them
  const { witnesses: wk, witnessQuorum: wq, ...rest } = opts;
  const jsonOptions = { ...vectorOptionsToJson({ nowMs: now, ...rest }), ...(wk !== undefined ? { witnesses: wk, witnessQuorum: wq } : {}) };
  const r = verifyBundle(bundle, anchor ?? chain.genesis.bytes, vectorOptionsFromJson(jsonOptions));
  const first = r.reasons[0]?.code ?? null;
  if ((code === 'VALID' ? r.verdict !== 'VALID' : first !== code)) throw new Error(`${name}: expected ${code}, got ${r.verdict} ${first} (${r.reasons[0]?.message})`);
  const json = {
    name,
    description: why,
    bundle: toHex(bundle),
    ...(anchor !== undefined ? { anchor: toHex(anchor) } : {}),
    options: jsonOptions,
    expect: { verdict: r.verdict, reason: first, reasons: r.reasons.map((x) => x.code), notes: r.notes.map((x) => x.code), headerHeight: r.header?.height ?? null },
  };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const codes = [...json.expect.reasons, ...json.expect.notes.map((n) => `note ${n}`)].join(', ') || '—';
  rows.push(`| \`${name}.json\` | ${r.verdict} | ${codes} | ${why} |`);
  process.stdout.write(`${name}: ${r.verdict} ${first ?? ''} (${bundle.length} bytes)\n`);
}

// the table, in SOURCE.md and docs/proof-format.md
const table = ['| file | verdict | reasons (first decides) | what it tests, and why that code and no other |', '|---|---|---|---|', ...rows.sort()].join('\n');
for (const file of [join(dir, 'SOURCE.md'), join(root, 'docs', 'proof-format.md')]) {
  const text = readFileSync(file, 'utf8');
  const begin = text.indexOf('<!-- vectors:begin -->');
  const end = text.indexOf('<!-- vectors:end -->');
  if (begin < 0 || end < begin) throw new Error(`${file}: no vectors:begin / vectors:end marks`);
  writeFileSync(file, `${text.slice(0, begin)}<!-- vectors:begin -->\n${table}\n${text.slice(end)}`);
}
