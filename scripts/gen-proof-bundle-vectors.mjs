#!/usr/bin/env node
// Generates the proof-bundle test vectors in test/vectors/proof-bundle/ (docs/proof-format.md)
// from the built modules (run `npm run build` first): the scenario chain of the tests
// (test/helpers/scenario-chain.ts, cut by the real state machine and node core, deterministic
// keys and times), its genesis as the anchor, and one JSON file per case: the bundle (hex), the
// reader's options and the expected verdict and first reason code. For independent verifiers.
// Usage: node scripts/gen-proof-bundle-vectors.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (p) => join(root, 'dist', p);
const { toHex } = await import(dist('ledger/bytes.js'));
const { decode, encode } = await import(dist('proto/codec.js'));
const { buildProofBundle } = await import(dist('proofs/bundle-builder.js'));
const { verifyBundle } = await import(dist('verifier/bundle-verify.js'));
const { buildScenarioChain, CERT } = await import(dist('test/helpers/scenario-chain.js'));
const { attachWitnessed } = await import(dist('proofs/bundle-witnessed.js'));
const { testWitness, withWitnesses, witnessedNote } = await import(dist('test/helpers/witnesses.js'));

const { chain, facts } = await buildScenarioChain();
const source = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
const build = (kind, id) => buildProofBundle(source, { kind, id });
const head = await chain.core.blocks.header(chain.height);
const now = head.blockTimeMs + 1000n;
const mutate = (bytes, f) => {
  const b = decode('ProofBundle', bytes);
  f(b);
  return encode('ProofBundle', b);
};

const { parseVerifierKey } = await import(dist('ledger/witness-cosignature.js'));
/** A vector's options (all strings, as written) as the verifier takes them. */
function vectorOptions(o) {
  const r = { nowMs: BigInt(o.nowMs) };
  if (o.maxAgeMs !== undefined) r.maxAgeMs = BigInt(o.maxAgeMs);
  if (o.witnesses !== undefined) r.witnesses = { witnesses: o.witnesses.split(' ').map((k) => parseVerifierKey(k)), quorum: Number(o.witnessQuorum) };
  return r;
}

const valid = await build('certificate', '11100000MB0000000X:BDC:2026-000124');
const cases = [
  ['certificate-valid-compact', 'an issued certificate, compact form (record derived from its CertificateIssued)', valid, {}],
  ['certificate-valid-rotated-key', 'a certificate issued under key version 2 after a rotation', await build('certificate', 'C-new-key'), {}],
  ['certificate-revoked', 'a revoked certificate (explicit form: the revocation defines it)', await build('certificate', CERT), {}],
  ['certificate-unknown', 'an id with no record: a non-membership proof', await build('certificate', 'no-such-certificate'), {}],
  ['certificate-key-compromised', 'issued by a key later declared compromised from that log position', await build('certificate', 'C-stolen'), {}],
  ['certificate-stale', 'a valid certificate read with a maximum age the header is older than', valid, { nowMs: now + 86_400_000n, maxAgeMs: 86_400_000n }],
  ['grant-revoked', 'a revoked share grant', await build('grant', 'hh-2026-001.1'), { nowMs: facts.FROM + 10n }],
  ['grant-exhausted', 'a granted share whose uses are all used', await build('grant', 'hh-2026-001.0'), { nowMs: facts.FROM + 10n }],
  ['grant-expired', 'a granted share read at the end of its window (valid_until_ms <= t)', await build('grant', 'hh-2026-001.0'), { nowMs: facts.UNTIL }],
  ['mutated-header-time', 'the header changed after signing: the vote signature fails', mutate(valid, (b) => (b.header.blockTimeMs += 1n)), {}],
  ['mutated-leaf-index', 'compact form with another leaf index: the derived record is not the committed one', mutate(valid, (b) => (b.leafIndex += 1n)), {}],
  ['mutated-no-signatures', 'no node signature', mutate(valid, (b) => (b.signatures = [])), {}],
  ['mutated-unknown-field', 'an unknown field appended (field 31, varint 1)', Uint8Array.of(...valid, 0xf8, 0x01, 0x01), {}],
  ['mutated-note-signature', 'a commit signature carries 64 bytes of note_signature, which bundles leave out (UNEXPECTED_CONTENT)', mutate(valid, (b) => (b.signatures[0].noteSignature = new Uint8Array(64).fill(7))), {}],
  ['mutated-version', 'format_version 2 (UNSUPPORTED_VERSION)', mutate(valid, (b) => (b.formatVersion = 2)), {}],
  ['mutated-no-subject-id', 'an empty subject_id (BAD_SUBJECT)', mutate(valid, (b) => (b.subjectId = '')), {}],
  ['mutated-no-header', 'no header (MISSING_CONTENT)', mutate(valid, (b) => delete b.header), {}],
  ['mutated-event-body', 'compact form whose event body does not decode (EVENT_MALFORMED)', mutate(valid, (b) => (b.event.body = Uint8Array.of(0xff))), {}],
  ['mutated-genesis-hash', "the header names another genesis (WRONG_GENESIS, before the signatures)", mutate(valid, (b) => (b.header.genesisHash = new Uint8Array(32).fill(9))), {}],
  ['mutated-channel', 'the header names another channel (WRONG_CHANNEL)', mutate(valid, (b) => (b.header.channel = 'other')), {}],
  ['mutated-rules-version', 'the header names rules version 2 (WRONG_RULES_VERSION)', mutate(valid, (b) => (b.header.rulesVersion = 2)), {}],
  ['mutated-signatures-repeated', 'the same node signature twice: node 1 after node 1 (SIGNATURES_NOT_ORDERED)', mutate(valid, (b) => (b.signatures = [b.signatures[0], b.signatures[0]])), {}],
  ['mutated-unknown-node', 'a signature by node 9, not in the genesis (UNKNOWN_NODE)', mutate(valid, (b) => (b.signatures[0].nodeIndex = 9)), {}],
  ['mutated-inclusion-path', 'one inclusion hash changed (INCLUSION_INVALID)', mutate(valid, (b) => (b.inclusionPath = b.inclusionPath.map((x, i) => (i === 0 ? x ^ 1 : x)))), {}],
  ['mutated-too-large', '70,000 zero bytes (BUNDLE_TOO_LARGE)', new Uint8Array(70_000), {}],
  ['mutated-consistency-junk', 'a consistency field of junk (30,000 zero bytes from size 5), read without a checkpoint: its shape is checked always (CONSISTENCY_INVALID)', mutate(valid, (b) => (b.consistency = { fromLogSize: 5n, path: new Uint8Array(30_000) })), {}],
];

// Issue 23: witness cosignatures (docs/proof-format.md section 9). Three deterministic witnesses;
// the reader's policy is in the options: `witnesses` (cosigner vkeys, space-separated) and
// `witnessQuorum`. Two of them cosigned the header's checkpoint.
const witnesses = [0, 1, 2].map(testWitness);
const policy = { witnesses: witnesses.map((w) => w.vkey).join(' '), witnessQuorum: '2' };
const witnessed = await attachWitnessed(valid, witnessedNote(chain.genesis, head.logSize, head.logRoot, [witnesses[0], witnesses[2]]), withWitnesses(chain.genesis, witnesses, 2), (o, n) => chain.core.merkle.consistencyProof(o, n));
cases.push(
  ['certificate-witnessed', 'an issued certificate whose checkpoint 2 of the 3 policy witnesses cosigned (cosignature/v1), policy k = 2', witnessed, policy],
  ['witnessed-quorum-missing', 'the same bundle under a policy requiring all 3 witnesses (WITNESS_QUORUM_MISSING)', witnessed, { ...policy, witnessQuorum: '3' }],
  ['witnessed-not-carried', 'a bundle without witness cosignatures under a policy requiring 1 (WITNESS_QUORUM_MISSING)', valid, { ...policy, witnessQuorum: '1' }],
  ['witnessed-signature-changed', "one byte of a policy witness's cosignature changed (WITNESS_SIGNATURE_INVALID)", mutate(witnessed, (b) => (b.witnessed.cosignatures[0].signature[0] ^= 1)), policy],
  ['witnessed-other-root', "the cosigned checkpoint has the header's log size and another root (WITNESS_SIGNATURE_INVALID)", mutate(witnessed, (b) => (b.witnessed.logRoot = new Uint8Array(32).fill(3))), policy],
);

const dir = join(root, 'test', 'vectors', 'proof-bundle');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f));
writeFileSync(join(dir, 'anchor.json'), `${JSON.stringify({ description: 'the genesis (trust anchor) of every case', genesis: toHex(chain.genesis.bytes), genesisHash: toHex(chain.genesis.hash) }, null, 2)}\n`);
for (const [name, description, bundle, opts] of cases) {
  const options = { nowMs: now, ...opts };
  const r = verifyBundle(bundle, chain.genesis.bytes, vectorOptions(options));
  const json = {
    name,
    description,
    bundle: toHex(bundle),
    options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.toString()])),
    expect: { verdict: r.verdict, reason: r.reasons[0]?.code ?? null, headerHeight: r.header?.height ?? null },
  };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`${name}: ${r.verdict} ${json.expect.reason ?? ''} (${bundle.length} bytes)\n`);
}
