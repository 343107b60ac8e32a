/**
 * @module ledger/merkle-verify
 * RFC 9162 section 2.1 Merkle tree hashing and the checks of its proofs (sections 2.1.3.2 and
 * 2.1.4.2), pure and never throwing, so that the browser verifier and the auditor run exactly this.
 * Building proofs lives apart, in ledger/merkle.ts and ledger/merkle-log.ts.
 *
 * Sizes and indexes are numbers (safe integers) or bigints; arithmetic is done without 32-bit
 * bitwise operators so that trees beyond 2^31 leaves are handled.
 */
import { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash } from './merkle-hash.js';

export { EMPTY_ROOT, HASH_SIZE, LEAF_HASH_PREFIX, NODE_HASH_PREFIX, leafHash, nodeHash } from './merkle-hash.js';

/** Why a proof check failed; stable codes. */
export type MerkleCheckCode =
  | 'BAD_INPUT' // a hash that is not 32 bytes, or a size or index that is not a non-negative safe integer
  | 'INDEX_BEYOND_SIZE' // leaf index >= tree size
  | 'SIZE_ORDER' // old size > new size
  | 'EMPTY_OLD_TREE' // consistency from size 0 to a larger size is not defined (RFC 9162 section 2.1.4)
  | 'PROOF_TOO_LONG'
  | 'PROOF_TOO_SHORT'
  | 'ROOT_MISMATCH' // the recomputed root differs from the given root
  | 'OLD_ROOT_MISMATCH' // consistency: the recomputed old root differs
  | 'NEW_ROOT_MISMATCH'; // consistency: the recomputed new root differs

export interface MerkleCheck {
  ok: boolean;
  code?: MerkleCheckCode;
  /** For a *_ROOT_MISMATCH: the root the caller gave (as transparency-dev/merkle's RootMismatchError). */
  expected?: Uint8Array;
  /** For a *_ROOT_MISMATCH: the root the proof leads to. */
  computed?: Uint8Array;
}

const OK: MerkleCheck = Object.freeze({ ok: true });
const fail = (code: MerkleCheckCode): MerkleCheck => ({ ok: false, code });
const mismatch = (code: MerkleCheckCode, expected: Uint8Array, computed: Uint8Array): MerkleCheck => ({ ok: false, code, expected, computed });

/** A failed check in words: its code, and for a root mismatch both roots in hex. */
export function describeMerkleCheck(check: MerkleCheck): string {
  if (check.ok) return 'OK';
  const code = check.code ?? 'BAD_INPUT';
  if (check.expected === undefined || check.computed === undefined) return code;
  return `${code}: expected root ${hex(check.expected)}, the proof gives ${hex(check.computed)}`;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function toSafe(n: unknown): number | undefined {
  if (typeof n === 'bigint') return n >= 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  return undefined;
}

function isProof(p: unknown): p is Uint8Array[] {
  return Array.isArray(p) && p.every(isHash);
}

function equalHash(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < HASH_SIZE; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function sameBytes(a: unknown, b: unknown): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

const odd = (n: number): boolean => n % 2 === 1;

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
const half = (n: number): number => Math.floor(n / 2);

/**
 * The root that an inclusion proof implies (RFC 9162 section 2.1.3.2), or a failure code.
 * Requires 0 <= index < treeSize.
 */
export function rootFromInclusionProof(
  leafHashValue: Uint8Array,
  index: number | bigint,
  treeSize: number | bigint,
  proof: Uint8Array[],
): { ok: true; root: Uint8Array } | { ok: false; code: MerkleCheckCode } {
  const fnStart = toSafe(index);
  const size = toSafe(treeSize);
  if (fnStart === undefined || size === undefined || !isHash(leafHashValue) || !isProof(proof)) return { ok: false, code: 'BAD_INPUT' };
  if (fnStart >= size) return { ok: false, code: 'INDEX_BEYOND_SIZE' };
  let fn = fnStart;
  let sn = size - 1;
  let r = leafHashValue;
  for (const p of proof) {
    if (sn === 0) return { ok: false, code: 'PROOF_TOO_LONG' };
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, code: 'PROOF_TOO_SHORT' };
  return { ok: true, root: r };
}

/**
 * Checks that `leafHashValue` is the leaf at `index` of the tree of `treeSize` leaves whose root
 * is `root` (RFC 9162 section 2.1.3.2). Never throws.
 */
export function verifyInclusion(
  leafHashValue: Uint8Array,
  index: number | bigint,
  treeSize: number | bigint,
  proof: Uint8Array[],
  root: Uint8Array,
): MerkleCheck {
  if (!isHash(root)) return fail('BAD_INPUT');
  const r = rootFromInclusionProof(leafHashValue, index, treeSize, proof);
  if (!r.ok) return fail(r.code);
  return equalHash(r.root, root) ? OK : mismatch('ROOT_MISMATCH', root, r.root);
}

/**
 * Checks that the tree of `newSize` leaves with root `newRoot` extends the tree of `oldSize`
 * leaves with root `oldRoot` (RFC 9162 section 2.1.4.2). Never throws.
 * Same sizes need an empty proof and equal roots (the empty tree's root for size 0); a proof from
 * size 0 to a larger size is not defined (EMPTY_OLD_TREE), as in the transparency-dev verifier.
 */
export function verifyConsistency(
  oldSize: number | bigint,
  newSize: number | bigint,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): MerkleCheck {
  const size1 = toSafe(oldSize);
  const size2 = toSafe(newSize);
  if (size1 === undefined || size2 === undefined || !isProof(proof)) return fail('BAD_INPUT');
  if (size1 > size2) return fail('SIZE_ORDER');
  if (size1 === size2) {
    // Same tree: the proof is empty and the roots are the same bytes (compared as given, as the
    // transparency-dev verifier does).
    if (proof.length > 0) return fail('PROOF_TOO_LONG');
    if (!sameBytes(oldRoot, newRoot)) return oldRoot instanceof Uint8Array && newRoot instanceof Uint8Array ? mismatch('ROOT_MISMATCH', newRoot, oldRoot) : fail('ROOT_MISMATCH');
    return size1 > 0 || sameBytes(oldRoot, EMPTY_ROOT) ? OK : fail('ROOT_MISMATCH');
  }
  if (size1 === 0) {
    // RFC 9162 defines no consistency proof from the empty tree (every tree extends it): callers
    // that hold a size-0 checkpoint have nothing to check and must not ask.
    return fail('EMPTY_OLD_TREE');
  }
  if (!isHash(oldRoot) || !isHash(newRoot)) return fail('BAD_INPUT');
  if (proof.length === 0) return fail('PROOF_TOO_SHORT');
  // Step 1: if first is an exact power of 2, prepend first_hash to the proof.
  const path = isPowerOfTwo(size1) ? [oldRoot, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return fail('PROOF_TOO_LONG');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('PROOF_TOO_SHORT');
  if (!equalHash(fr, oldRoot)) return mismatch('OLD_ROOT_MISMATCH', oldRoot, fr);
  if (!equalHash(sr, newRoot)) return mismatch('NEW_ROOT_MISMATCH', newRoot, sr);
  return OK;
}
