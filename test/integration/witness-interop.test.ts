/**
 * Interoperability with a witness nobody here wrote (issue 23): litewitness from
 * filippo.io/torchwood, built from the Go module proxy, cosigns our checkpoints (our origin, our
 * nodes' note keys) sent by our submitter; its cosignatures verify under our cosignature/v1 check;
 * it refuses a rollback and a planted fork with the spec's 409, which our submitter reports as a
 * conflict.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../ledger/bytes.js';
import { checkpointText, formatSignedNote, noteKeyId, noteKeyName, parseSignedNote } from '../../ledger/checkpoint.js';
import { SigningKey } from '../../ledger/key-file.js';
import { consistencyProof, leafHash, rootHash } from '../../ledger/merkle.js';
import { COSIGNER_KEY_TYPE, LOG_KEY_TYPE, formatVerifierKey, parseVerifierKey, verifyCosignature } from '../../ledger/witness-cosignature.js';
import { WitnessSubmitter } from '../../witness/witness-submitter.js';
import { startLitewitness, type RunningLitewitness } from '../helpers/litewitness.js';
import { tempDir } from '../helpers/temp.js';

const ORIGIN = 'ledger/interop/fedcba9876543210';
const nodeKeys = [1, 2, 3].map((i) => new SigningKey(new Uint8Array(32).fill(20 + i)));
const NAME = 'court.example/litewitness';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** A checkpoint co-signed by the three nodes, as /checkpoint serves it. */
function note(hashes: Uint8Array[]): string {
  const text = checkpointText(ORIGIN, hashes.length, rootHash(hashes));
  return formatSignedNote(text, nodeKeys.map((k, i) => {
    const name = noteKeyName(ORIGIN, i + 1);
    return { keyName: name, keyId: noteKeyId(name, k.publicKey), signature: k.sign(utf8(text)) };
  }));
}

const leaves = (n: number, fork = Infinity) => Array.from({ length: n }, (_, i) => leafHash(utf8(i >= fork ? `fork-${i}` : `leaf-${i}`)));

const tmp = tempDir('litewitness');
let lw: RunningLitewitness;

beforeAll(async () => {
  const vkeys = nodeKeys.map((k, i) => formatVerifierKey(noteKeyName(ORIGIN, i + 1), LOG_KEY_TYPE, k.publicKey));
  lw = await startLitewitness(tmp.path, NAME, await freePort(), new Map([[ORIGIN, vkeys]]));
}, 600_000);

afterAll(async () => {
  await lw?.stop();
  tmp.remove();
});

describe('litewitness (filippo.io/torchwood) and our log side', () => {
  const main = leaves(50);
  const proof = async (o: bigint, n: bigint) => consistencyProof(main.slice(0, Number(n)), Number(o));

  it('cosigns our checkpoints, and its cosignatures verify under our cosignature/v1 check', async () => {
    const key = parseVerifierKey(formatVerifierKey(NAME, COSIGNER_KEY_TYPE, lw.publicKey));
    const submitter = new WitnessSubmitter({ name: NAME, url: lw.url, key }, proof);
    for (const size of [1, 5, 17, 17, 32]) {
      const n = note(main.slice(0, size));
      const r = await submitter.submit(n);
      expect(r.outcome, JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe('cosigned');
      if (r.outcome === 'cosigned') expect(verifyCosignature(key, parseSignedNote(n)!.text, r.cosignature)).toBe(r.timestamp);
    }
    // a fresh submitter learns litewitness's size from its 409 answer
    const fresh = new WitnessSubmitter({ name: NAME, url: lw.url, key }, proof);
    expect((await fresh.submit(note(main.slice(0, 40)))).outcome).toBe('cosigned');
  });

  it('refuses a rollback (409 with a later size: our submitter reports it behind) and a planted fork (409 at its own size: a conflict)', async () => {
    const key = parseVerifierKey(formatVerifierKey(NAME, COSIGNER_KEY_TYPE, lw.publicKey));
    const submitter = new WitnessSubmitter({ name: NAME, url: lw.url, key }, proof);
    expect(await submitter.submit(note(main.slice(0, 20)))).toMatchObject({ outcome: 'behind', witnessSize: 40n });
    const forked = leaves(50, 30);
    const forkSubmitter = new WitnessSubmitter({ name: NAME, url: lw.url, key }, async (o, n) => consistencyProof(forked.slice(0, Number(n)), Number(o)));
    // (litewitness answers the same size with another root 422, not 409: the submitter reports both as a conflict)
    expect(await forkSubmitter.submit(note(forked.slice(0, 40)))).toMatchObject({ outcome: 'conflict', witnessSize: 40n });
    expect(await forkSubmitter.submit(note(forked.slice(0, 45)))).toMatchObject({ outcome: 'refused', status: 422 });
  });
});
