/**
 * @module ledger/merkle
 * RFC 9162 section 2.1 Merkle trees over an in-memory list of leaf hashes: the tree head
 * (section 2.1.1), inclusion proofs (PATH, section 2.1.3.1) and consistency proofs (PROOF and
 * SUBPROOF, section 2.1.4.1). The checks are re-exported from ledger/merkle-verify.ts, which is the
 * module a browser imports. The persistent log that proves any past size with O(log n) reads is
 * ledger/merkle-log.ts; both share the range decomposition below.
 * Pure: no Node imports.
 */
import { LedgerError } from '../errors/ledger-error.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './merkle-verify.js';

export {
  EMPTY_ROOT,
  HASH_SIZE,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type MerkleCheck,
  type MerkleCheckCode,
} from './merkle-verify.js';

/** The largest power of two strictly less than n (RFC 9162 section 2.1.1's k). Requires n >= 2. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A subtree of the RFC tree: the leaves [start, start + size). */
export interface Range {
  start: number;
  size: number;
}

/**
 * The sibling subtrees of an inclusion proof for leaf `index` in a tree of `size` leaves, deepest
 * first (the order of RFC 9162 section 2.1.3.1's PATH). Requires 0 <= index < size.
 */
export function inclusionRanges(index: number, size: number): Range[] {
  const out: Range[] = [];
  // PATH(m, D[start:start+n]) = PATH(...sub-tree holding m...) : MTH(other sub-tree)
  const walk = (m: number, start: number, n: number): void => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      out.push({ start: start + k, size: n - k });
    } else {
      walk(m - k, start + k, n - k);
      out.push({ start, size: k });
    }
  };
  walk(index, 0, size);
  return out;
}

/**
 * The subtrees of a consistency proof from `oldSize` to `newSize` leaves, in proof order (RFC 9162
 * section 2.1.4.1's SUBPROOF). Requires 0 < oldSize < newSize.
 */
export function consistencyRanges(oldSize: number, newSize: number): Range[] {
  const out: Range[] = [];
  const sub = (m: number, start: number, n: number, b: boolean): void => {
    if (m === n) {
      if (!b) out.push({ start, size: n });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, b);
      out.push({ start: start + k, size: n - k });
    } else {
      sub(m - k, start + k, n - k, false);
      out.push({ start, size: k });
    }
  };
  sub(oldSize, 0, newSize, true);
  return out;
}

function checkSafeSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new LedgerError('BAD_ARGUMENT', `${what} must be a non-negative integer, got ${String(n)}`, { [what]: String(n) });
  }
}

function checkLeafHashes(leafHashes: Uint8Array[]): void {
  for (let i = 0; i < leafHashes.length; i++) {
    const h = leafHashes[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new LedgerError('BAD_LENGTH', `leaf hash ${i} is not ${HASH_SIZE} bytes`, { index: i });
    }
  }
}

/** MTH over leafHashes[start, start + size): the RFC 9162 section 2.1.1 recursion. */
function rangeHash(leafHashes: Uint8Array[], start: number, size: number): Uint8Array {
  if (size === 1) return leafHashes[start]!;
  const k = splitPoint(size);
  return nodeHash(rangeHash(leafHashes, start, k), rangeHash(leafHashes, start + k, size - k));
}

/** The tree head over `leafHashes` (the empty tree's root is SHA-256 of nothing). */
export function rootHash(leafHashes: Uint8Array[]): Uint8Array {
  checkLeafHashes(leafHashes);
  if (leafHashes.length === 0) return EMPTY_ROOT;
  return rangeHash(leafHashes, 0, leafHashes.length);
}

/**
 * The inclusion proof of leaf `index` in the tree over all of `leafHashes`.
 * @throws LedgerError BAD_ARGUMENT unless 0 <= index < leafHashes.length
 */
export function inclusionProof(leafHashes: Uint8Array[], index: number): Uint8Array[] {
  checkLeafHashes(leafHashes);
  checkSafeSize(index, 'index');
  if (index >= leafHashes.length) {
    throw new LedgerError('BAD_ARGUMENT', `leaf index ${index} is beyond the tree size ${leafHashes.length}`, { index, size: leafHashes.length });
  }
  return inclusionRanges(index, leafHashes.length).map((r) => rangeHash(leafHashes, r.start, r.size));
}

/**
 * The consistency proof from the tree of the first `oldSize` leaves to the tree of all of
 * `leafHashes`. Empty when oldSize is 0 or equals the size.
 * @throws LedgerError BAD_ARGUMENT unless 0 <= oldSize <= leafHashes.length
 */
export function consistencyProof(leafHashes: Uint8Array[], oldSize: number): Uint8Array[] {
  checkLeafHashes(leafHashes);
  checkSafeSize(oldSize, 'oldSize');
  if (oldSize > leafHashes.length) {
    throw new LedgerError('BAD_ARGUMENT', `old size ${oldSize} is beyond the tree size ${leafHashes.length}`, { oldSize, size: leafHashes.length });
  }
  if (oldSize === 0 || oldSize === leafHashes.length) return [];
  return consistencyRanges(oldSize, leafHashes.length).map((r) => rangeHash(leafHashes, r.start, r.size));
}
