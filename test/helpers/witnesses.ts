/**
 * Deterministic outside witnesses for tests and vectors (issue 23): Ed25519 keys from fixed
 * seeds, their cosigner verifier keys, and a witnessed checkpoint note (only the witnesses'
 * lines) over a chain's checkpoint at a log size, as witness/node-witnessing.ts stores one.
 */
import { checkpointOrigin, checkpointText, formatSignedNote } from '../../ledger/checkpoint.js';
import type { LoadedGenesis } from '../../ledger/genesis.js';
import { SigningKey } from '../../ledger/key-file.js';
import { COSIGNER_KEY_TYPE, formatVerifierKey, makeCosignature, parseVerifierKey, type VerifierKey } from '../../ledger/witness-cosignature.js';

export interface TestWitness {
  name: string;
  key: SigningKey;
  vkey: string;
  verifierKey: VerifierKey;
}

/** Witness i (0-based) of a fixed set: audit office, court, bank association. */
export function testWitness(i: number): TestWitness {
  const name = ['audit.example.gov.cn/witness', 'court.example.cn/witness', 'bank-association.example.cn/witness'][i] ?? `w${i}.example/witness`;
  const key = new SigningKey(new Uint8Array(32).fill(0x60 + i));
  const vkey = formatVerifierKey(name, COSIGNER_KEY_TYPE, key.publicKey);
  return { name, key, vkey, verifierKey: parseVerifierKey(vkey) };
}

/** The genesis as if it named these witnesses (for attachWitnessed; the anchor's bytes are not changed). */
export function withWitnesses(genesis: LoadedGenesis, witnesses: TestWitness[], quorum = witnesses.length): LoadedGenesis {
  return { ...genesis, genesis: { ...genesis.genesis, witnesses: witnesses.map((w) => ({ name: w.name, publicKey: w.key.publicKey, url: 'http://127.0.0.1:1' })), witnessQuorum: quorum } };
}

/** A note over the chain's checkpoint (size, root) with one cosignature line per witness. */
export function witnessedNote(genesis: LoadedGenesis, size: bigint, root: Uint8Array, witnesses: TestWitness[], timestamp = 1_780_000_000n): string {
  const text = checkpointText(checkpointOrigin(genesis.genesis.channel, genesis.hash), size, root);
  return formatSignedNote(text, witnesses.map((w) => makeCosignature(w.name, w.key.publicKey, (m) => w.key.sign(m), text, timestamp)));
}
