/** The reader's witness policy check (verifier/witness-check.ts): each reason code and the pass. */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../ledger/bytes.js';
import { checkpointText, formatSignedNote, noteKeyId, type NoteSignature } from '../../ledger/checkpoint.js';
import { SigningKey } from '../../ledger/key-file.js';
import { COSIGNER_KEY_TYPE, formatVerifierKey, makeCosignature, parseVerifierKey } from '../../ledger/witness-cosignature.js';
import { checkWitnesses } from '../../verifier/witness-check.js';

const origin = 'ledger/main/0011223344556677';
const root = new Uint8Array(32).fill(5);
const text = checkpointText(origin, 42n, root);
const node = new SigningKey(new Uint8Array(32).fill(1));
const nodeSig: NoteSignature = { keyName: `${origin}/node-1`, keyId: noteKeyId(`${origin}/node-1`, node.publicKey), signature: node.sign(utf8(text)) };
const w = [1, 2, 3].map((i) => ({ name: `w${i}.example/witness`, key: new SigningKey(new Uint8Array(32).fill(40 + i)) }));
const vkeys = w.map((x) => parseVerifierKey(formatVerifierKey(x.name, COSIGNER_KEY_TYPE, x.key.publicKey)));
const cosig = (i: number, body = text) => makeCosignature(w[i]!.name, w[i]!.key.publicKey, (m) => w[i]!.key.sign(m), body, 1_700_000_000n + BigInt(i));
const expected = { origin, logSize: 42n, logRoot: root };

describe('checkWitnesses', () => {
  it('is not checked without a policy, and passes with k valid cosignatures', () => {
    const note = formatSignedNote(text, [nodeSig, cosig(0), cosig(2)]);
    expect(checkWitnesses(note, undefined, expected)).toEqual({ state: 'not-checked' });
    expect(checkWitnesses(note, { witnesses: vkeys, quorum: 2 }, expected)).toEqual({ state: 'passed', witnesses: [w[0]!.name, w[2]!.name] });
  });

  it('WITNESS_QUORUM_MISSING: too few policy witnesses, a duplicate counted once, no note at all', () => {
    const note = formatSignedNote(text, [nodeSig, cosig(0), cosig(0)]);
    const r = checkWitnesses(note, { witnesses: vkeys, quorum: 2 }, expected);
    expect(r).toMatchObject({ state: 'failed', reason: { code: 'WITNESS_QUORUM_MISSING' }, witnesses: [w[0]!.name] });
    expect(checkWitnesses(undefined, { witnesses: vkeys, quorum: 1 }, expected)).toMatchObject({ reason: { code: 'WITNESS_QUORUM_MISSING' } });
    expect(checkWitnesses(note, { witnesses: vkeys, quorum: 4 }, expected)).toMatchObject({ reason: { code: 'BAD_OPTIONS' } });
  });

  it('WITNESS_SIGNATURE_INVALID: a cosignature over another checkpoint, or a note of another size', () => {
    const forged = { ...cosig(1, checkpointText(origin, 41n, root)) };
    const note = formatSignedNote(text, [nodeSig, cosig(0), forged]);
    expect(checkWitnesses(note, { witnesses: vkeys, quorum: 1 }, expected)).toMatchObject({ state: 'failed', reason: { code: 'WITNESS_SIGNATURE_INVALID' } });
    const good = formatSignedNote(text, [nodeSig, cosig(0)]);
    expect(checkWitnesses(good, { witnesses: vkeys, quorum: 1 }, { ...expected, logSize: 43n })).toMatchObject({ reason: { code: 'WITNESS_SIGNATURE_INVALID' } });
  });
});
