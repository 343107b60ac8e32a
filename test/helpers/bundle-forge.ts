/**
 * Forged proof bundles for the verifier's tests and the vectors of test/vectors/proof-bundle/
 * (scripts/gen-proof-bundle-vectors.mjs): the checks of docs/proof-format.md section 5 that only a
 * quorum could break (a record whose defining event is of the wrong kind, a retired key...) are
 * reached with bundles whose state tree, log and header are rebuilt around changed parts and
 * signed by the nodes of a test genesis whose keys the test holds. The verifier must refuse them
 * with the code the document gives.
 */
import { voteMessage } from '../../ledger/block.js';
import { createGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import { eventId, headerHash } from '../../ledger/hash.js';
import { leafHash } from '../../ledger/merkle-verify.js';
import { inclusionProof, rootHash } from '../../ledger/merkle.js';
import { publicKeyFromSeed, signEd25519 } from '../../ledger/signature.js';
import { encodeRecord, recordValueHash } from '../../ledger/state-records.js';
import { proveFromEntries, stateKey, stateRootOf } from '../../ledger/state-tree.js';
import { decode, encode } from '../../proto/codec.js';
import type { EventBody, ProofBundle } from '../../proto/schema.generated.js';
import { certificateFromIssue, joinPath } from '../../verifier/bundle-compact.js';
import { bytes32 } from './chain.js';
import { AUTHORITY, CHANNEL, seedOf } from './world.js';

/** The node seeds of the forging genesis (3 nodes, quorum 2). */
export const FORGE_NODE_SEEDS = [seedOf('forge-node-1'), seedOf('forge-node-2'), seedOf('forge-node-3')];

/** The forging genesis: the scenario's channel and authority, nodes whose keys the test holds. */
export function forgeGenesis(authorityPublicKey: Uint8Array): LoadedGenesis {
  return createGenesis({ channel: CHANNEL, authorities: [{ departmentId: AUTHORITY, name: 'a', publicKey: authorityPublicKey }], nodes: FORGE_NODE_SEEDS.map((s) => publicKeyFromSeed(s)), quorum: 2 });
}

/** A compact-form certificate bundle in the explicit form: the derived record travels, no defining_height. */
export function explicitForm(bytes: Uint8Array): Uint8Array {
  const b = decode('ProofBundle', bytes);
  if (b.certificate !== undefined) return bytes;
  b.certificate = certificateFromIssue(decode('EventBody', b.event!.body), eventId(b.event!.body), b.definingHeight, b.leafIndex);
  b.definingHeight = 0n;
  return encode('ProofBundle', b);
}

export interface ForgeOptions {
  /** Node indexes that sign the forged header (default 1 and 2; index 4 and up sign with a node seed modulo 3). */
  signers?: number[];
  /** Re-sign the (changed) event body with this seed. */
  resignEvent?: Uint8Array;
  /** Changes applied after the defining event and leaf index are set, before the proofs. */
  after?: (b: ProofBundle) => void;
  /** The forged log's size and the event's position in it (default 5 and 3). */
  logSize?: number;
  position?: number;
}

/**
 * Rebuilds the state tree (the certificate and its signer only), the log (filler leaves around the
 * event) and the header (height 1) around an explicit-form certificate bundle `base` changed by
 * `change`, and signs the header with the forging genesis's nodes.
 */
export function forgeBundle(g: LoadedGenesis, base: ProofBundle, change: (b: ProofBundle) => void, opts: ForgeOptions = {}): Uint8Array {
  const size = opts.logSize ?? 5;
  const position = opts.position ?? 3;
  const b = structuredClone(base);
  // the signer's key version 2 (the event's) is active from before the forged position
  b.signer!.keys[1]!.activatedAt = position === 0 ? 0n : BigInt(position - 1);
  change(b);
  if (opts.resignEvent) b.event!.signature = signEd25519(opts.resignEvent, eventId(b.event!.body));
  const body: EventBody = decode('EventBody', b.event!.body);
  const id = eventId(b.event!.body);
  b.certificate!.definingEvent = { eventId: id, height: 1n, logPosition: BigInt(position) };
  b.leafIndex = BigInt(position);
  opts.after?.(b);
  const entries: Array<[Uint8Array, Uint8Array]> = [
    [stateKey('cert', b.subjectId), recordValueHash(encodeRecord('cert', b.certificate!))],
    [stateKey('dept', body.departmentId), recordValueHash(encodeRecord('dept', b.signer!))],
  ];
  b.recordProof = proveFromEntries(entries, entries[0]![0]);
  b.signerProof = proveFromEntries(entries, entries[1]![0]);
  const leaves = Array.from({ length: size }, (_, i) => (i === position ? leafHash(id) : bytes32(`l${i}`)));
  b.inclusionPath = joinPath(inclusionProof(leaves, position));
  b.header = { ...b.header!, genesisHash: g.hash, height: 1n, logSize: BigInt(size), logRoot: rootHash(leaves), stateRoot: stateRootOf(entries) };
  const hh = headerHash(encode('BlockHeader', b.header));
  b.signatures = (opts.signers ?? [1, 2]).map((i) => ({ nodeIndex: i, signature: signEd25519(FORGE_NODE_SEEDS[(i - 1) % 3]!, voteMessage(g.hash, 1n, hh)), noteSignature: new Uint8Array(0) }));
  return encode('ProofBundle', b);
}

/** Re-encodes a bundle's event body after `f` changed it. */
export function setEventBody(b: ProofBundle, f: (e: EventBody) => void): void {
  const e: EventBody = decode('EventBody', b.event!.body);
  f(e);
  b.event!.body = encode('EventBody', e);
}
