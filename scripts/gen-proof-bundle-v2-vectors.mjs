#!/usr/bin/env node
// Generates the rules-version-2 proof-bundle vectors in test/vectors/proof-bundle-v2/
// (docs/proof-format.md; issue 24) from the built modules (run `npm run build` first): a
// deterministic chain under rules version 2 (test/helpers/chain.ts: fixed keys and broker times)
// with a certificate carrying a mortgage and a seizure, and a transferred one; its genesis as the
// anchor; one JSON file per case as in test/vectors/proof-bundle/. For independent verifiers.
// Then (issue 17) a grant whose bundle carries the grantee's department record (fields 18 and 19),
// in blocks after the certificates' bundles were built, so that those stay as they were; then a
// certificate whose type the catalogue names (issue 24).
// Usage: node scripts/gen-proof-bundle-v2-vectors.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBundleVectors } from './bundle-vector-files.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (p) => join(root, 'dist', p);
const { toHex } = await import(dist('ledger/bytes.js'));
const { decode, encode } = await import(dist('proto/codec.js'));
const { buildProofBundle } = await import(dist('proofs/bundle-builder.js'));
const { verifyBundle } = await import(dist('verifier/bundle-verify.js'));
const { certificateFromIssue } = await import(dist('verifier/bundle-compact.js'));
const { eventId } = await import(dist('ledger/hash.js'));
const { TestChain, bytes32 } = await import(dist('test/helpers/chain.js'));
const { certIssued, grant, request, resource } = await import(dist('test/helpers/payloads.js'));
const { commitment } = await import(dist('ledger/commitment.js'));

const ENCUMBERED = '11100000MB0000000X:BDC:2026-000500';
const TRANSFERRED = '11100000MB0000000X:BDC:2026-000501';
// the transferred certificate's first holder, whose check after the transfer says SUPERSEDED
const FIRST_HOLDER = { id: '110105197505050022', salt: bytes32('first holder salt') };
const chain = await TestChain.create({ rulesVersion: 2 });
const w = chain.w;
await chain.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] }), w.register('bank.icbc'), w.register('court.chaoyang', { seize: true })]);
await chain.block([w.event('dept.realestate', certIssued(ENCUMBERED)), w.event('dept.realestate', certIssued(TRANSFERRED, 'BDC', { holderCommitment: commitment(FIRST_HOLDER.id, FIRST_HOLDER.salt) }))]);
await chain.block([
  w.event('dept.realestate', { mortgageRegistered: { certificateId: ENCUMBERED, creditorDepartmentId: 'bank.icbc', amountYuan: 1_200_000n } }),
  w.event('court.chaoyang', { seizureRegistered: { certificateId: ENCUMBERED, caseNumber: '(2026)京0105执保1号' } }),
  w.event('dept.realestate', { certificateTransferred: { certificateId: TRANSFERRED, newHolderCommitment: bytes32('new holder'), documentSha256: bytes32('doc:transfer'), reason: '买卖' } }),
]);
const source = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
const build = (id) => buildProofBundle(source, { kind: 'certificate', id });
const head = await chain.core.blocks.header(chain.height);
const now = head.blockTimeMs + 1000n;
const mutate = (bytes, f) => {
  const b = decode('ProofBundle', bytes);
  f(b);
  return encode('ProofBundle', b);
};
const encumbered = await build(ENCUMBERED);
const cases = [
  ['certificate-mortgaged-seized', 'compact form with two encumbrances (field 17): VALID, the seizure warning first, then the mortgage', encumbered, {}],
  ['certificate-transferred', 'explicit form: a transferred certificate keeps the previous holder commitment and the transfer time', await build(TRANSFERRED), {}],
  ['certificate-superseded', "the transferred certificate checked for its first holder (id and salt): INVALID, SUPERSEDED with the transfer's time", await build(TRANSFERRED), { holder: FIRST_HOLDER }],
  ['mutated-encumbrance-rank', "compact form with the mortgage's rank changed: the derived record is not the committed one", mutate(encumbered, (b) => (b.encumbrances[0].rank = 2)), {}],
  ['mutated-encumbrance-dropped', 'compact form with the seizure left out: the derived record is not the committed one', mutate(encumbered, (b) => (b.encumbrances = b.encumbrances.slice(0, 1))), {}],
  [
    'mutated-encumbrances-explicit',
    'explicit form (the record carried) with field 17 as well (UNEXPECTED_CONTENT)',
    mutate(encumbered, (b) => {
      b.certificate = certificateFromIssue(decode('EventBody', b.event.body), eventId(b.event.body), b.definingHeight, b.leafIndex, b.encumbrances);
      b.definingHeight = 0n;
    }),
    {},
  ],
];

// the grantee by name (issue 17): civil affairs asks the tax bureau, which grants
const GRANT = 'hh-2026-900';
await chain.block([w.register('dept.tax', { resourceIds: ['res.tax.income'] }), w.register('dept.civil')]);
await chain.block([w.event('dept.tax', resource('res.tax.income', 2, ['年收入'])), w.event('dept.civil', request(GRANT, 'res.tax.income', ['年收入']))]);
await chain.block([w.event('dept.tax', grant(GRANT, ['年收入'], 0n, 1n << 62n))]);
const grantBundle = await buildProofBundle(source, { kind: 'grant', id: GRANT });
const grantNow = (await chain.core.blocks.header(chain.height)).blockTimeMs + 1000n;
cases.push(
  ['grant-with-grantee', "a grant bundle with the grantee's department record and state proof (fields 18, 19): VALID, the grantee named", grantBundle, { nowMs: grantNow }],
  ['grant-without-grantee', 'the same grant without fields 18 and 19, as bundles made before them: VALID, the grantee shown by id only', mutate(grantBundle, (b) => {
    b.grantee = undefined;
    b.granteeProof = new Uint8Array(0);
  }), { nowMs: grantNow }],
  ['mutated-grantee-name', "the grantee's record with its name changed: its state proof does not verify (GRANTEE_PROOF_INVALID)", mutate(grantBundle, (b) => (b.grantee.name = '伪造部门')), { nowMs: grantNow }],
);

// certificate types by name (issue 24): the authority names BDC, and a certificate issued with the
// catalogue's name carries it in its record, so the bundle proves 不动产权证书 with the record
const NAMED = '11100000MB0000000X:BDC:2026-000502';
await chain.block([w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '不动产权证书' } })]);
await chain.block([w.event('dept.realestate', certIssued(NAMED, 'BDC', { certificateTypeName: '不动产权证书' }))]);
const namedNow = (await chain.core.blocks.header(chain.height)).blockTimeMs + 1000n;
cases.push(['certificate-named-type', "compact form whose issue event names the type as the catalogue does: VALID, the summary's certificateTypeName 不动产权证书", await build(NAMED), { nowMs: namedNow }]);

writeBundleVectors({ dir: join(root, 'test', 'vectors', 'proof-bundle-v2'), anchorDescription: 'the genesis (trust anchor, rules version 2) of every case', genesis: chain.genesis, now, cases, verifyBundle, toHex });
