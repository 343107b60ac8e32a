/**
 * A naive reference for the state tree of DESIGN.md section 9, written straight from its
 * definition with the pure hashes (no storage, no batching): for tests only.
 */
import { compareBytes } from '../../ledger/bytes.js';
import { EMPTY_HASH, keyBit, smtLeafHash, smtNodeHash } from '../../ledger/state-tree-verify.js';

export type NaiveEntry = [Uint8Array, Uint8Array];

/** The root of a subtree at `depth` holding exactly `entries`. */
export function naiveRoot(entries: NaiveEntry[], depth = 0): Uint8Array {
  if (entries.length === 0) return EMPTY_HASH;
  if (entries.length === 1) return smtLeafHash(entries[0]![0], entries[0]![1]);
  const left = entries.filter((e) => keyBit(e[0], depth) === 0);
  const right = entries.filter((e) => keyBit(e[0], depth) === 1);
  return smtNodeHash(naiveRoot(left, depth + 1), naiveRoot(right, depth + 1));
}

/** Where `key`'s path ends: depth, siblings at every depth (empty ones too) and the terminal subtree. */
export function naivePath(entries: NaiveEntry[], key: Uint8Array): { depth: number; siblings: Uint8Array[]; terminal: NaiveEntry[] } {
  let set = entries;
  const siblings: Uint8Array[] = [];
  let depth = 0;
  while (set.length > 1) {
    const mine = set.filter((e) => keyBit(e[0], depth) === keyBit(key, depth));
    const other = set.filter((e) => keyBit(e[0], depth) !== keyBit(key, depth));
    siblings.push(naiveRoot(other, depth + 1));
    set = mine;
    depth++;
  }
  return { depth, siblings, terminal: set };
}

export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}
