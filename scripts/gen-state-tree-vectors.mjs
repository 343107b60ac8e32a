#!/usr/bin/env node
// Generates the state-tree test vectors in test/vectors/state-tree/ (DESIGN.md section 9) from the
// built modules (run `npm run build` first): a small tree of real state records (their canonical
// protobuf bytes and value hashes), then one JSON file per case: present, absent-empty,
// absent-other-leaf, and negative cases named after their mutation.
// Usage: node scripts/gen-state-tree-vectors.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (p) => join(root, 'dist', p);
const { toHex, concatBytes } = await import(dist('ledger/bytes.js'));
const { encodeRecord, recordValueHash } = await import(dist('ledger/state-records.js'));
const { stateKey, stateRootOf, proveFromEntries, verifyStateProof, decodeStateProof } = await import(dist('ledger/state-tree.js'));

const b32 = (n) => new Uint8Array(32).fill(n);
const def = (n) => ({ eventId: b32(n), height: BigInt(n), logPosition: BigInt(n * 10) });
const records = [
  ['dept', 'authority.city', { departmentId: 'authority.city', name: '市大数据局', keys: [{ version: 1, publicKey: b32(1), activatedAt: 0n, retiredAt: 0n }], rights: { certificateTypeIds: [], resourceIds: [], govern: true }, suspended: false, nextSequence: 3n }],
  ['dept', 'dept.realestate', { departmentId: 'dept.realestate', name: '不动产登记中心', keys: [{ version: 1, publicKey: b32(2), activatedAt: 1n, retiredAt: 7n }, { version: 2, publicKey: b32(3), activatedAt: 7n, retiredAt: 0n, compromisedFrom: { logPosition: 0n } }], rights: { certificateTypeIds: ['BDC'], resourceIds: ['res.property.owner'], govern: false }, suspended: false, nextSequence: 9n, definingEvent: def(1) }],
  ['resource', 'res.property.owner', { resourceId: 'res.property.owner', sourceDepartmentId: 'dept.realestate', name: '不动产登记信息', shareType: 2, fields: ['产权人', '坐落'], updateCycle: 'daily', latestVersion: 2n, datasetSha256: b32(4), recordCount: 1000n, definingEvent: def(2) }],
  ['grant', 'req-2026-0001', { requestId: 'req-2026-0001', requesterDepartmentId: 'dept.civil', resourceId: 'res.property.owner', purpose: '家庭经济状况核对', requestedFields: ['坐落'], status: 2, grantorDepartmentId: 'dept.realestate', grantedFields: ['坐落'], validFromMs: 1000n, validUntilMs: 2000n, maxUses: 5n, uses: 1n, definingEvent: def(3) }],
  ['cert', '11100000MB0000000X:BDC:2026-000123', { certificateId: '11100000MB0000000X:BDC:2026-000123', certificateTypeId: 'BDC', issuerDepartmentId: 'dept.realestate', holderCommitment: b32(5), attributesRoot: b32(6), attributeNames: ['坐落', '面积'], documentSha256: b32(7), validUntilMs: 0n, status: 1, revocationReason: '', definingEvent: def(4) }],
];
for (let i = 0; i < 11; i++) {
  records.push(['cert', `C-${i}`, { certificateId: `C-${i}`, certificateTypeId: 'BDC', issuerDepartmentId: 'dept.realestate', holderCommitment: b32(10 + i), attributesRoot: b32(30 + i), attributeNames: [], documentSha256: b32(50 + i), validUntilMs: 0n, status: i % 3 === 0 ? 2 : 1, revocationReason: i % 3 === 0 ? '注销' : '', definingEvent: def(5 + i) }]);
}
const entries = records.map(([type, id, rec]) => {
  const bytes = encodeRecord(type, rec);
  return { type, id, key: stateKey(type, id), record: bytes, valueHash: recordValueHash(bytes) };
});
const pairs = entries.map((e) => [e.key, e.valueHash]);
const stateRoot = stateRootOf(pairs);
const tree = {
  description: 'A state tree of 16 records (DESIGN.md section 9): key = stateKey(type, id), value hash = SHA-256("ledger:record:v1" || record bytes).',
  entries: entries.map((e) => ({ type: e.type, id: e.id, key: toHex(e.key), record: toHex(e.record), valueHash: toHex(e.valueHash) })),
  root: toHex(stateRoot),
};

const out = join(root, 'test', 'vectors', 'state-tree');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'tree.json'), JSON.stringify(tree, null, 2) + '\n');

function terminalOf(proof) {
  const d = decodeStateProof(proof);
  if (!d.ok) throw new Error(d.message);
  return d.proof;
}
function findAbsent(kind) {
  for (let n = 0; n < 10000; n++) {
    const id = `absent-${n}`;
    const key = stateKey('cert', id);
    const p = terminalOf(proveFromEntries(pairs, key));
    if (p.terminal.kind === kind) return { id, key };
  }
  throw new Error(`no ${kind} case`);
}
const cases = [];
const member = entries[4];
const memberProof = proveFromEntries(pairs, member.key);
cases.push({ name: 'present', type: member.type, id: member.id, valueHash: toHex(member.valueHash), proof: toHex(memberProof), expect: { ok: true, present: true } });
const ae = findAbsent('empty');
const aeProof = proveFromEntries(pairs, ae.key);
cases.push({ name: 'absent-empty', type: 'cert', id: ae.id, valueHash: null, proof: toHex(aeProof), expect: { ok: true, present: false } });
const ao = findAbsent('other-leaf');
const aoProof = proveFromEntries(pairs, ao.key);
cases.push({ name: 'absent-other-leaf', type: 'cert', id: ao.id, valueHash: null, proof: toHex(aoProof), expect: { ok: true, present: false } });

// negative cases, each named after its mutation
const flip = (b, i) => { const c = new Uint8Array(b); c[i] ^= 1; return c; };
const mp = terminalOf(memberProof);
const firstSibling = 2 + mp.bitmap.length;
cases.push({ name: 'present-extra-byte', type: member.type, id: member.id, valueHash: toHex(member.valueHash), proof: toHex(concatBytes(memberProof, new Uint8Array([0]))), expect: { ok: false, code: 'MALFORMED' } });
cases.push({ name: 'present-missing-byte', type: member.type, id: member.id, valueHash: toHex(member.valueHash), proof: toHex(memberProof.subarray(0, memberProof.length - 1)), expect: { ok: false, code: 'MALFORMED' } });
{
  // one sibling fewer than the bitmap announces: drop the last sibling
  const fewer = concatBytes(memberProof.subarray(0, memberProof.length - 1 - 32), memberProof.subarray(memberProof.length - 1));
  cases.push({ name: 'present-sibling-missing', type: member.type, id: member.id, valueHash: toHex(member.valueHash), proof: toHex(fewer), expect: { ok: false, code: 'MALFORMED' } });
  // one sibling more than the bitmap announces
  const more = concatBytes(memberProof.subarray(0, memberProof.length - 1), new Uint8Array(32).fill(0x5a), memberProof.subarray(memberProof.length - 1));
  cases.push({ name: 'present-sibling-extra', type: member.type, id: member.id, valueHash: toHex(member.valueHash), proof: toHex(more), expect: { ok: false, code: 'MALFORMED' } });
}
cases.push({ name: 'present-sibling-byte-flipped', type: member.type, id: member.id, valueHash: toHex(member.valueHash), proof: toHex(flip(memberProof, firstSibling)), expect: { ok: false, code: 'ROOT_MISMATCH' } });
cases.push({ name: 'present-wrong-value', type: member.type, id: member.id, valueHash: toHex(flip(member.valueHash, 0)), proof: toHex(memberProof), expect: { ok: false, code: 'ROOT_MISMATCH' } });
cases.push({ name: 'present-asked-absent', type: member.type, id: member.id, valueHash: null, proof: toHex(memberProof), expect: { ok: false, code: 'WRONG_KIND' } });
cases.push({ name: 'absent-asked-present', type: 'cert', id: ae.id, valueHash: toHex(member.valueHash), proof: toHex(aeProof), expect: { ok: false, code: 'WRONG_KIND' } });
{
  const self = new Uint8Array(aoProof);
  self.set(ao.key, aoProof.length - 64);
  cases.push({ name: 'absent-other-leaf-is-key', type: 'cert', id: ao.id, valueHash: null, proof: toHex(self), expect: { ok: false, code: 'BAD_OTHER_LEAF' } });
  const wrongTerminal = new Uint8Array(aoProof);
  wrongTerminal[aoProof.length - 65] = 3;
  cases.push({ name: 'absent-unknown-terminal', type: 'cert', id: ao.id, valueHash: null, proof: toHex(wrongTerminal), expect: { ok: false, code: 'MALFORMED' } });
}
cases.push({ name: 'absent-empty-depth-plus-1', type: 'cert', id: ae.id, valueHash: null, proof: toHex(flip(aeProof, 1)), expect: { ok: false } });

for (const c of cases) {
  const got = verifyStateProof(stateRoot, stateKey(c.type, c.id), c.valueHash === null ? null : Uint8Array.from(Buffer.from(c.valueHash, 'hex')), Uint8Array.from(Buffer.from(c.proof, 'hex')));
  if (got.ok !== c.expect.ok || (c.expect.code && got.code !== c.expect.code) || (got.ok && got.present !== c.expect.present)) {
    throw new Error(`case ${c.name}: got ${JSON.stringify(got)}`);
  }
  writeFileSync(join(out, `${c.name}.json`), JSON.stringify({ root: tree.root, ...c }, null, 2) + '\n');
}
console.log(`wrote tree.json and ${cases.length} cases to ${out}`);
