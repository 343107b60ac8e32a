/**
 * @module ledger/state-tree-verify
 * Checking a state proof against a state root (DESIGN.md section 9): the compacted sparse Merkle
 * tree's keys, hashes and compressed proof format, and the pure verifier the browser reader and
 * the offline verifier run. Building the tree and producing proofs is in ledger/state-tree.ts.
 *
 * Tree (DESIGN.md section 9):
 *  - key = SHA-256("ledger:smt-key:v1" || u8 len type || type || u16 len id || id);
 *  - leaf = SHA-256("ledger:smt-leaf:v1" || key || value hash);
 *  - internal node = SHA-256("ledger:smt-node:v1" || left || right); empty subtree = 32 zero bytes;
 *  - a subtree holding exactly one leaf is that leaf, at the shortest unique prefix;
 *  - the path follows the key's bits from the most significant bit of byte 0; bit 0 goes left.
 *
 * Proof bytes (this module fixes the encoding of the section 9 proof):
 * ```
 * u16 depth d (0..256)                 where K's path ends
 * bitmap, ceil(d/8) bytes              bit i (depth i) in byte i>>3 under mask 0x80>>(i&7): 1 when
 *                                      the sibling at depth i is non-empty; padding bits are 0
 * siblings, 32 bytes x popcount        the non-empty siblings, from the root down
 * u8 terminal                          0 = K's own leaf (membership)
 *                                      1 = an empty subtree (non-membership)
 *                                      2 = another leaf (non-membership), followed by
 *   key' (32) || value hash' (32)          its key (sharing K's first d bits, not K) and value hash
 * ```
 * No trailing bytes. The verifier recomputes the root from the terminal up and compares.
 * Pure: no Node imports (runs in the browser).
 */
import { bytesEqual, concatBytes, toHex, u16be, u8, utf8 } from './bytes.js';
import { TAG, tagBytes, taggedHash } from './hash.js';
import { sha256Into } from './sha256-into.js';

/** The record types the state tree holds (DESIGN.md section 9). */
export const STATE_TYPES = ['dept', 'resource', 'grant', 'cert', 'consent', 'ctype'] as const;
export type StateType = (typeof STATE_TYPES)[number];

export const HASH_LENGTH = 32;
/** The hash of an empty subtree. */
export const EMPTY_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);
/** Terminal kinds of a proof. */
export const TERMINAL = { LEAF: 0, EMPTY: 1, OTHER_LEAF: 2 } as const;
export const MAX_DEPTH = 256;

/**
 * The state-tree key of a record: SHA-256("ledger:smt-key:v1" || u8 len type || type || u16 len
 * id || id), DESIGN.md section 9. `type` is one of dept, resource, grant, cert (any string of at
 * most 255 bytes is hashed, so that tests can probe other types); `id` at most 65535 bytes.
 */
export function stateKey(type: string, id: string): Uint8Array {
  const t = utf8(type);
  const i = utf8(id);
  return taggedHash(TAG.smtKey, u8(t.length), t, u16be(i.length), i);
}

/** A record's value hash: SHA-256("ledger:record:v1" || canonical record bytes). */
export function recordValueHash(recordBytes: Uint8Array): Uint8Array {
  return taggedHash(TAG.record, recordBytes);
}

// The one definition of the state tree's hashes (DESIGN.md section 9), fast: fixed-size inputs in
// scratch buffers hashed by ledger/sha256-into.ts (synchronous, so no call sees another's bytes).
const LEAF_TAG = tagBytes(TAG.smtLeaf);
const NODE_TAG = tagBytes(TAG.smtNode);
const leafInput = new Uint8Array(LEAF_TAG.length + 2 * HASH_LENGTH);
leafInput.set(LEAF_TAG, 0);
const nodeInput = new Uint8Array(NODE_TAG.length + 2 * HASH_LENGTH);
nodeInput.set(NODE_TAG, 0);

/** SHA-256(tag || a || b) for a scratch buffer that already holds the tag; a and b are 32 bytes. */
function hashTaggedPair(input: Uint8Array, tagLength: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  input.set(a, tagLength);
  input.set(b, tagLength + HASH_LENGTH);
  const out = new Uint8Array(HASH_LENGTH);
  sha256Into(input, out);
  return out;
}

/** leaf = SHA-256("ledger:smt-leaf:v1" || key || value hash); both 32 bytes. */
export function smtLeafHash(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return hashTaggedPair(leafInput, LEAF_TAG.length, key, valueHash);
}

/** internal node = SHA-256("ledger:smt-node:v1" || left || right); both 32 bytes. */
export function smtNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hashTaggedPair(nodeInput, NODE_TAG.length, left, right);
}

/** Bit `i` of a key (0 = the most significant bit of byte 0). */
export function keyBit(key: Uint8Array, i: number): 0 | 1 {
  return ((key[i >> 3]! >> (7 - (i & 7))) & 1) as 0 | 1;
}

/** A proof in structured form. */
export interface StateProof {
  depth: number;
  /** ceil(depth/8) bytes. */
  bitmap: Uint8Array;
  /** The non-empty siblings from the root down (as many as the bitmap's popcount). */
  siblings: Uint8Array[];
  terminal: { kind: 'leaf' } | { kind: 'empty' } | { kind: 'other-leaf'; key: Uint8Array; valueHash: Uint8Array };
}

/** Encodes a structured proof to the compressed bytes above. */
export function encodeStateProof(p: StateProof): Uint8Array {
  const parts: Uint8Array[] = [u16be(p.depth), p.bitmap, ...p.siblings];
  if (p.terminal.kind === 'leaf') parts.push(u8(TERMINAL.LEAF));
  else if (p.terminal.kind === 'empty') parts.push(u8(TERMINAL.EMPTY));
  else parts.push(u8(TERMINAL.OTHER_LEAF), p.terminal.key, p.terminal.valueHash);
  return concatBytes(...parts);
}

export type StateProofFailure =
  /** The bytes are not a proof: short, trailing bytes, sibling count not the popcount, bad terminal, bitmap padding. */
  | 'MALFORMED'
  /** A key or hash argument is not 32 bytes. */
  | 'BAD_ARGUMENT'
  /** Membership was asked for and the proof shows absence, or the reverse. */
  | 'WRONG_KIND'
  /** The other leaf of a non-membership proof is K itself or does not share K's first d bits. */
  | 'BAD_OTHER_LEAF'
  /** The recomputed root differs from the given root. */
  | 'ROOT_MISMATCH';

export type DecodeProofResult = { ok: true; proof: StateProof } | { ok: false; code: 'MALFORMED'; message: string };

function popcount8(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

/** Parses proof bytes strictly; never throws. */
export function decodeStateProof(bytes: Uint8Array): DecodeProofResult {
  const bad = (message: string): DecodeProofResult => ({ ok: false, code: 'MALFORMED', message });
  if (!(bytes instanceof Uint8Array)) return bad('a proof is bytes');
  if (bytes.length < 3) return bad(`a proof is at least 3 bytes, got ${bytes.length}`);
  const depth = (bytes[0]! << 8) | bytes[1]!;
  if (depth > MAX_DEPTH) return bad(`depth ${depth} exceeds ${MAX_DEPTH}`);
  const bitmapLength = (depth + 7) >> 3;
  let at = 2;
  if (bytes.length < at + bitmapLength) return bad('the proof ends inside its bitmap');
  const bitmap = bytes.subarray(at, at + bitmapLength);
  at += bitmapLength;
  if (depth & 7) {
    const padding = 0xff >> (depth & 7);
    if ((bitmap[bitmapLength - 1]! & padding) !== 0) return bad('bitmap padding bits must be 0');
  }
  let count = 0;
  for (const b of bitmap) count += popcount8(b);
  if (bytes.length < at + count * HASH_LENGTH + 1) return bad(`the bitmap announces ${count} siblings; the proof is too short for them and a terminal`);
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < count; i++, at += HASH_LENGTH) siblings.push(bytes.subarray(at, at + HASH_LENGTH));
  const kind = bytes[at++]!;
  let terminal: StateProof['terminal'];
  if (kind === TERMINAL.LEAF) terminal = { kind: 'leaf' };
  else if (kind === TERMINAL.EMPTY) terminal = { kind: 'empty' };
  else if (kind === TERMINAL.OTHER_LEAF) {
    if (bytes.length < at + 2 * HASH_LENGTH) return bad('the other leaf is cut short');
    terminal = { kind: 'other-leaf', key: bytes.subarray(at, at + HASH_LENGTH), valueHash: bytes.subarray(at + HASH_LENGTH, at + 2 * HASH_LENGTH) };
    at += 2 * HASH_LENGTH;
  } else return bad(`unknown terminal kind ${kind}`);
  if (at !== bytes.length) return bad(`${bytes.length - at} trailing bytes after the terminal`);
  return { ok: true, proof: { depth, bitmap, siblings, terminal } };
}

export type StateProofResult =
  | { ok: true; present: boolean }
  | { ok: false; code: StateProofFailure; message: string; expectedRoot?: string; computedRoot?: string };

/**
 * Verifies a state proof of `key` against `root` (DESIGN.md section 9). With `valueHash` it
 * checks membership of (key, valueHash); with `null` it checks that the key is absent. Never
 * throws: a failure says why (a stable code).
 */
export function verifyStateProof(root: Uint8Array, key: Uint8Array, valueHash: Uint8Array | null, proofBytes: Uint8Array): StateProofResult {
  if (!(root instanceof Uint8Array) || root.length !== HASH_LENGTH) return { ok: false, code: 'BAD_ARGUMENT', message: 'the root is 32 bytes' };
  if (!(key instanceof Uint8Array) || key.length !== HASH_LENGTH) return { ok: false, code: 'BAD_ARGUMENT', message: 'the key is 32 bytes' };
  if (valueHash !== null && (!(valueHash instanceof Uint8Array) || valueHash.length !== HASH_LENGTH)) {
    return { ok: false, code: 'BAD_ARGUMENT', message: 'the value hash is 32 bytes' };
  }
  const decoded = decodeStateProof(proofBytes);
  if (!decoded.ok) return decoded;
  const { depth, bitmap, siblings, terminal } = decoded.proof;
  let h: Uint8Array;
  if (terminal.kind === 'leaf') {
    if (valueHash === null) return { ok: false, code: 'WRONG_KIND', message: 'absence was asked for; the proof shows the key present' };
    h = smtLeafHash(key, valueHash);
  } else {
    if (valueHash !== null) return { ok: false, code: 'WRONG_KIND', message: 'membership was asked for; the proof shows the key absent' };
    if (terminal.kind === 'empty') h = EMPTY_HASH;
    else {
      if (bytesEqual(terminal.key, key)) return { ok: false, code: 'BAD_OTHER_LEAF', message: 'the other leaf is the key itself' };
      for (let i = 0; i < depth; i++) {
        if (keyBit(terminal.key, i) !== keyBit(key, i)) return { ok: false, code: 'BAD_OTHER_LEAF', message: `the other leaf leaves the key's path at depth ${i}` };
      }
      h = smtLeafHash(terminal.key, terminal.valueHash);
    }
  }
  let s = siblings.length;
  for (let i = depth - 1; i >= 0; i--) {
    const sibling = (bitmap[i >> 3]! & (0x80 >> (i & 7))) !== 0 ? siblings[--s]! : EMPTY_HASH;
    h = keyBit(key, i) === 0 ? smtNodeHash(h, sibling) : smtNodeHash(sibling, h);
  }
  if (!bytesEqual(h, root)) {
    return { ok: false, code: 'ROOT_MISMATCH', message: 'the proof leads to another root', expectedRoot: toHex(root), computedRoot: toHex(h) };
  }
  return { ok: true, present: terminal.kind === 'leaf' };
}

/**
 * Convenience: verifies the proof for record `type`/`id`, deriving the key from the id (never
 * taking it from a bundle) and the value hash from the record's canonical bytes (`null` = absent).
 */
export function verifyStateRecord(root: Uint8Array, type: StateType, id: string, recordBytes: Uint8Array | null, proof: Uint8Array): StateProofResult {
  return verifyStateProof(root, stateKey(type, id), recordBytes === null ? null : recordValueHash(recordBytes), proof);
}
