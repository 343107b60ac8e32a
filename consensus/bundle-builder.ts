/**
 * @module consensus/bundle-builder
 * Builds proof bundles (DESIGN.md section 10; docs/proof-format.md) from a node's committed
 * stores: the head header with its commit signatures, the record's state proof, its defining
 * event with its inclusion path, and the signer department's state proof. Needs the stores, so
 * it lives here, not in verifier/.
 */
import type { LoadedGenesis } from '../ledger/genesis.js';
import type { MerkleLog } from '../ledger/merkle-log.js';
import type { StateStore } from '../ledger/state-store.js';
import type { BlockStore } from './block-store.js';

export interface BundleSource {
  genesis: LoadedGenesis;
  blocks: BlockStore;
  merkle: MerkleLog;
  state: StateStore;
}

export interface BundleTarget {
  kind: 'certificate' | 'grant';
  id: string;
}

/** The binary bundle of `target` against the committed head. */
export async function buildProofBundle(source: BundleSource, target: BundleTarget, options: { fromLogSize?: bigint } = {}): Promise<Uint8Array> {
  void source;
  void target;
  void options;
  throw new Error('not yet implemented');
}
