import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../ledger/bytes.js';
import { EMPTY_RECORDS_DIGEST, nextRecordsDigest, resultLeafData, resultsRoot, timeToCutMessage, voteMessage } from '../../ledger/block.js';
import { checkpointOrigin, checkpointText, formatSignedNote, noteKeyId, noteKeyName, parseCheckpointText, parseSignedNote } from '../../ledger/checkpoint.js';
import { createGenesis, loadGenesis } from '../../ledger/genesis.js';
import { SigningKey } from '../../ledger/key-file.js';
import { EMPTY_ROOT, leafHash, rootHash } from '../../ledger/merkle.js';
import { verifyEd25519 } from '../../ledger/signature.js';
import { encode } from '../../proto/codec.js';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');
const keys = Array.from({ length: 4 }, () => SigningKey.generate());
const input = {
  channel: 'property',
  authorities: [{ departmentId: 'authority.city', name: '市大数据局', publicKey: keys[0]!.publicKey }],
  nodes: [keys[1]!.publicKey, keys[2]!.publicKey, keys[3]!.publicKey],
  quorum: 2,
};

describe('genesis (DESIGN.md section 7)', () => {
  it('is created, hashed with its tag, and loads back', () => {
    const g = createGenesis(input);
    expect(toHex(g.hash)).toBe(sha(Buffer.from('ledger:genesis:v1'), Buffer.from(g.bytes)));
    const loaded = loadGenesis(g.bytes);
    expect(toHex(loaded.hash)).toBe(toHex(g.hash));
    expect(loaded.genesis.nodes.map((n) => n.index)).toEqual([1, 2, 3]);
    expect(loaded.limits.maxBlockEvents).toBe(1000);
  });
  it('refuses q <= n/2, q > n, unacceptable or repeated keys', () => {
    expect(() => createGenesis({ ...input, quorum: 1 })).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => createGenesis({ ...input, quorum: 4 })).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => createGenesis({ ...input, nodes: [...input.nodes.slice(0, 2), fromHex('01' + '00'.repeat(31))] })).toThrowError(/node 3: public key is not acceptable/);
    expect(() => createGenesis({ ...input, nodes: [input.nodes[0]!, input.nodes[0]!, input.nodes[1]!] })).toThrowError(/the same key as another node/);
    expect(() => createGenesis({ ...input, channel: 'bad channel' })).toThrowError(/channel/);
  });
  it('refuses bytes that do not decode, and a genesis of another rules version', () => {
    expect(() => loadGenesis(Uint8Array.of(0xff))).toThrowError(expect.objectContaining({ code: 'MALFORMED' }));
    const g = createGenesis(input);
    const other = encode('Genesis', { ...g.genesis, rulesVersion: 3 });
    expect(() => loadGenesis(other)).toThrowError(/rules version 3/);
  });
});

describe('block hash inputs (DESIGN.md sections 7 and 8)', () => {
  it('records digest: SHA-256(tag || d || u64 offset || i64 timestamp || u32 len || value)', () => {
    const d = nextRecordsDigest(EMPTY_RECORDS_DIGEST, 5n, 1_764_000_000_000n, Uint8Array.of(1, 2, 3));
    const expected = sha(Buffer.from('ledger:records:v1'), Buffer.alloc(32), Buffer.from('0000000000000005', 'hex'), Buffer.from((1_764_000_000_000n).toString(16).padStart(16, '0'), 'hex'), Buffer.from('00000003010203', 'hex'));
    expect(toHex(d)).toBe(expected);
  });
  it('results leaves and root', () => {
    const id = new Uint8Array(32).fill(7);
    const leaf = resultLeafData(2, id, 12, 9n, 10n);
    expect(toHex(leaf)).toBe(Buffer.concat([Buffer.from('ledger:result:v1'), Buffer.from('00000002', 'hex'), Buffer.from(id), Buffer.from('000c', 'hex'), Buffer.from('0000000000000009', 'hex'), Buffer.from('000000000000000a', 'hex')]).toString('hex'));
    const r = [{ eventId: id, code: 0, offset: 1n, recordTime: 2n }, { eventId: id, code: 3, offset: 2n, recordTime: 2n }];
    expect(toHex(resultsRoot(r))).toBe(toHex(rootHash(r.map((x, i) => leafHash(resultLeafData(i, x.eventId, x.code, x.offset, x.recordTime))))));
    expect(toHex(resultsRoot([]))).toBe(toHex(EMPTY_ROOT));
  });
  it('vote and marker messages', () => {
    const gh = new Uint8Array(32).fill(1);
    const hh = new Uint8Array(32).fill(2);
    expect(toHex(voteMessage(gh, 3n, hh))).toBe(Buffer.concat([Buffer.from('ledger:vote:v1'), Buffer.from(gh), Buffer.from('0000000000000003', 'hex'), Buffer.from(hh)]).toString('hex'));
    expect(toHex(timeToCutMessage(gh, 3n, true))).toBe(Buffer.concat([Buffer.from('ledger:ttc:v1'), Buffer.from(gh), Buffer.from('0000000000000003', 'hex'), Buffer.from([1])]).toString('hex'));
  });
});

describe('checkpoints as C2SP signed notes (DESIGN.md section 11)', () => {
  it('origin, text, key names and ids, signatures that verify, and parsing back', () => {
    const g = createGenesis(input);
    const origin = checkpointOrigin('property', g.hash);
    expect(origin).toBe(`ledger/property/${toHex(g.hash).slice(0, 16)}`);
    const root = new Uint8Array(32).fill(9);
    const text = checkpointText(origin, 12345n, root);
    expect(text).toBe(`${origin}\n12345\n${Buffer.from(root).toString('base64')}\n`);
    expect(parseCheckpointText(text)).toEqual({ origin, size: 12345n, root });
    const name = noteKeyName(origin, 1);
    expect(name).toBe(`${origin}/node-1`);
    const id = noteKeyId(name, keys[1]!.publicKey);
    expect(toHex(id)).toBe(sha(Buffer.from(name), Buffer.from([0x0a, 0x01]), Buffer.from(keys[1]!.publicKey)).slice(0, 8));
    const sig = keys[1]!.sign(new TextEncoder().encode(text));
    const note = formatSignedNote(text, [{ keyName: name, keyId: id, signature: sig }]);
    expect(note.endsWith('\n')).toBe(true);
    expect(note).toContain(`\n\n\u2014 ${name} `);
    const parsed = parseSignedNote(note)!;
    expect(parsed.text).toBe(text);
    expect(verifyEd25519(keys[1]!.publicKey, new TextEncoder().encode(parsed.text), parsed.signatures[0]!.signature)).toBe(true);
    expect(parseSignedNote(text)).toBeUndefined();
    expect(parseCheckpointText('x\n-1\nAAAA\n')).toBeUndefined();
  });
});
