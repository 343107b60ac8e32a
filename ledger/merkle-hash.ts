/**
 * @module ledger/merkle-hash
 * The one definition of the RFC 9162 section 2.1.1 hashes (leaf hash = SHA-256(0x00 || leaf), node
 * hash = SHA-256(0x01 || left || right), the empty root) and of the compact frontier that folds a
 * log's leaves into its root one at a time. The Merkle log, the proofs, the block fold, the
 * auditor and the browser verifier all hash through here. Pure: runs in a browser.
 */
import { sha256Into } from './sha256-into.js';

/** RFC 9162 section 2.1.1: leaf hash = SHA-256(0x00 || leaf). */
export const LEAF_HASH_PREFIX = 0x00;
/** RFC 9162 section 2.1.1: node hash = SHA-256(0x01 || left || right). */
export const NODE_HASH_PREFIX = 0x01;
export const HASH_SIZE = 32;

/** The root of the empty tree: SHA-256 of nothing (RFC 9162 section 2.1.1). */
export const EMPTY_ROOT: Uint8Array = (() => {
  const out = new Uint8Array(HASH_SIZE);
  sha256Into(new Uint8Array(0), out);
  return out;
})();

// One scratch buffer per hash shape: the hashing is synchronous, so no call sees another's bytes.
let leafScratch = new Uint8Array(128);
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  if (data.length + 1 > leafScratch.length) leafScratch = new Uint8Array(2 * (data.length + 1));
  leafScratch[0] = LEAF_HASH_PREFIX;
  leafScratch.set(data, 1);
  const out = new Uint8Array(HASH_SIZE);
  sha256Into(leafScratch, out, 0, data.length + 1);
  return out;
}

/** SHA-256(0x01 || left || right); both are 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeScratch[0] = NODE_HASH_PREFIX;
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  const out = new Uint8Array(HASH_SIZE);
  sha256Into(nodeScratch, out, 0, nodeScratch.length);
  return out;
}

/**
 * SHA-256(0x01 || left || right) where left || right are the 64 bytes `pair[at, at + 64)`, written
 * into `out[outAt, outAt + 32)`: the persistent log's tiles keep siblings side by side, so it
 * hashes them in place without allocating.
 */
export function nodeHashInto(pair: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  nodeScratch[0] = NODE_HASH_PREFIX;
  for (let i = 0; i < 2 * HASH_SIZE; i++) nodeScratch[1 + i] = pair[at + i]!;
  sha256Into(nodeScratch, out, outAt, nodeScratch.length);
}

/**
 * The right edge of a log (its perfect subtrees, largest first): appending a leaf hash costs
 * O(1) amortised hashes, and the root of every prefix is the fold of the edge (RFC 9162 section
 * 2.1.1's split, taken from the right). What a replay needs when it recomputes a log root without
 * storing the tree.
 */
export class MerkleFrontier {
  private readonly levels: number[] = [];
  private readonly hashes: Uint8Array[] = [];
  private count = 0n;

  /** The number of leaves appended. */
  get size(): bigint {
    return this.count;
  }

  /** Appends a leaf *hash* (not the leaf data). */
  append(leafHashValue: Uint8Array): void {
    let hash = leafHashValue;
    let level = 0;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      this.levels.pop();
      hash = nodeHash(this.hashes.pop()!, hash);
      level++;
    }
    this.levels.push(level);
    this.hashes.push(hash);
    this.count++;
  }

  /** The tree head of the leaves appended so far (EMPTY_ROOT for none). */
  root(): Uint8Array {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let h = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i--) h = nodeHash(this.hashes[i]!, h);
    return h;
  }
}
