/**
 * @module proofs/bundle-witnessed
 * Adds the outside witnesses' cosignatures to a proof bundle (issue 23; docs/proof-format.md
 * section 9): from a witnessed checkpoint (a signed note with the witnesses' `cosignature/v1`
 * lines, witness/node-witnessing.ts) at a log size W at or after the bundle header's N, the
 * bundle's `witnessed` field gets W, its root, the RFC 9162 consistency proof from N to W (none
 * when W = N) and each genesis witness's cosignature, in increasing key id.
 */
import { toHex } from '../ledger/bytes.js';
import { parseCheckpointText, parseSignedNote } from '../ledger/checkpoint.js';
import { LedgerError } from '../errors/ledger-error.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { cosignerKeyId } from '../ledger/witness-cosignature.js';
import { decode, encode } from '../proto/codec.js';
import type { BundleCosignature } from '../proto/schema.generated.js';
import { joinPath } from '../verifier/bundle-compact.js';

/**
 * The bundle with `witnessed` filled from `witnessedNote`.
 * @throws LedgerError UNAVAILABLE when the note is before the bundle's header or carries no
 *   cosignature of a genesis witness
 */
export async function attachWitnessed(
  bundle: Uint8Array,
  witnessedNote: string,
  genesis: LoadedGenesis,
  consistencyProof: (oldSize: number, newSize: number) => Promise<Uint8Array[]>,
): Promise<Uint8Array> {
  const b = decode('ProofBundle', bundle, genesis.limits);
  const header = b.header!;
  const parsed = parseSignedNote(witnessedNote);
  const checkpoint = parsed && parseCheckpointText(parsed.text);
  if (parsed === undefined || checkpoint === undefined) throw new LedgerError('INTERNAL', 'the stored witnessed checkpoint is not a signed checkpoint', {});
  if (checkpoint.size < header.logSize) {
    throw new LedgerError('UNAVAILABLE', `the witnesses have cosigned up to log size ${checkpoint.size}, before this bundle's header (log size ${header.logSize}); try again shortly`, { witnessedSize: checkpoint.size.toString() });
  }
  const cosignatures = new Map<string, BundleCosignature>();
  for (const w of genesis.genesis.witnesses) {
    const keyId = cosignerKeyId(w.name, w.publicKey);
    const line = parsed.signatures.find((s) => s.keyName === w.name && toHex(s.keyId) === toHex(keyId) && s.signature.length === 72);
    if (line === undefined) continue;
    const ts = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
    cosignatures.set(toHex(keyId), { keyId, timestamp: ts, signature: line.signature.slice(8) });
  }
  if (cosignatures.size === 0) throw new LedgerError('UNAVAILABLE', 'the witnessed checkpoint carries no cosignature of a genesis witness', {});
  const path = checkpoint.size === header.logSize || header.logSize === 0n ? [] : await consistencyProof(Number(header.logSize), Number(checkpoint.size));
  b.witnessed = {
    logSize: checkpoint.size,
    logRoot: checkpoint.root,
    consistencyPath: joinPath(path),
    cosignatures: [...cosignatures.entries()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)).map(([, c]) => c),
  };
  return encode('ProofBundle', b);
}
