/**
 * @module ledger/state-tree
 * The compacted sparse Merkle state tree of DESIGN.md section 9: roots of entry sets, batched
 * updates over stored nodes (one batched read per tree level; the updates of one block share
 * their upper nodes, so a block of n updates costs far fewer than n x depth hashes) and proofs.
 * The format and the pure verifier are in ledger/state-tree-verify.ts.
 *
 * Storage: one node per occupied position, keyed by its path (`nodePath`: u16 depth || the first
 * ceil(depth/8) bytes of the path, bits past depth zeroed):
 *  - internal node: 0x01 || left hash || right hash;
 *  - leaf: 0x02 || key || value hash.
 * Records are never deleted, so leaves only ever move down (when a new key shares their
 * position) and no position ever becomes empty again: an update writes, it never deletes.
 * Hashing uses Node's crypto (the same SHA-256 as the pure module; a unit test checks both agree).
 */
import { hash as nodeHashFn } from 'node:crypto';
import { compareBytes, toHex } from './bytes.js';
import { LedgerError } from './errors.js';
import { tagBytes, TAG } from './hash.js';
import { EMPTY_HASH, encodeStateProof, HASH_LENGTH, keyBit, MAX_DEPTH, type StateProof } from './state-tree-verify.js';

export {
  EMPTY_HASH,
  STATE_TYPES,
  decodeStateProof,
  encodeStateProof,
  keyBit,
  recordValueHash,
  stateKey,
  verifyStateProof,
  verifyStateRecord,
  type StateProof,
  type StateProofResult,
  type StateType,
} from './state-tree-verify.js';

/** One entry of the tree: a 32-byte key and the 32-byte value hash of its record. */
export type Entry = [key: Uint8Array, valueHash: Uint8Array];

const LEAF_TAG = tagBytes(TAG.smtLeaf);
const NODE_TAG = tagBytes(TAG.smtNode);
const leafInput = new Uint8Array(LEAF_TAG.length + 64);
leafInput.set(LEAF_TAG, 0);
const nodeInput = new Uint8Array(NODE_TAG.length + 64);
nodeInput.set(NODE_TAG, 0);

function digest(input: Uint8Array): Uint8Array {
  // a Buffer is a Uint8Array; returned as is (no second object per hash on the hot path)
  return nodeHashFn('sha256', input, 'buffer');
}

/** leaf = SHA-256("ledger:smt-leaf:v1" || key || value hash) (Node crypto). */
export function leafHash(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  leafInput.set(key, LEAF_TAG.length);
  leafInput.set(valueHash, LEAF_TAG.length + 32);
  return digest(leafInput);
}

/** internal = SHA-256("ledger:smt-node:v1" || left || right) (Node crypto). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput.set(left, NODE_TAG.length);
  nodeInput.set(right, NODE_TAG.length + 32);
  return digest(nodeInput);
}

function checkEntry(e: Entry): void {
  if (!(e[0] instanceof Uint8Array) || e[0].length !== HASH_LENGTH || !(e[1] instanceof Uint8Array) || e[1].length !== HASH_LENGTH) {
    throw new LedgerError('BAD_ARGUMENT', 'state-tree entries are [32-byte key, 32-byte value hash]');
  }
}

/** Sorts entries by key bytes and rejects duplicate keys. */
function sortedUnique(entries: Iterable<Entry>): Entry[] {
  const sorted = [...entries];
  for (const e of sorted) checkEntry(e);
  sorted.sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1]![0], sorted[i]![0]) === 0) {
      throw new LedgerError('BAD_ARGUMENT', `duplicate state-tree key ${toHex(sorted[i]![0])}`);
    }
  }
  return sorted;
}

/** In a sorted run sharing `depth` bits, the index of the first entry whose bit `depth` is 1. */
function splitAt(sorted: Entry[], lo: number, hi: number, depth: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyBit(sorted[mid]![0], depth) === 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The subtree hash of sorted[lo, hi) at `depth` (all sharing the first `depth` bits), calling
 * `write` for every node it creates (leaves at their shortest unique prefix).
 */
function buildSubtree(sorted: Entry[], lo: number, hi: number, depth: number, write?: (depth: number, key: Uint8Array, node: Uint8Array) => void): Uint8Array {
  if (hi - lo === 0) return EMPTY_HASH;
  if (hi - lo === 1) {
    const [k, v] = sorted[lo]!;
    write?.(depth, k, encodeLeafNode(k, v));
    return leafHash(k, v);
  }
  if (depth >= MAX_DEPTH) throw new LedgerError('INTERNAL', 'two equal keys reached depth 256');
  const mid = splitAt(sorted, lo, hi, depth);
  const l = buildSubtree(sorted, lo, mid, depth + 1, write);
  const r = buildSubtree(sorted, mid, hi, depth + 1, write);
  write?.(depth, sorted[lo]![0], encodeInternalNode(l, r));
  return nodeHash(l, r);
}

/**
 * The state root of exactly these entries, whatever their order (DESIGN.md section 9). An empty
 * set has the root of 32 zero bytes.
 * @throws LedgerError BAD_ARGUMENT on a duplicate key or a key or hash that is not 32 bytes
 */
export function stateRootOf(entries: Array<[key: Uint8Array, valueHash: Uint8Array]>): Uint8Array {
  const sorted = sortedUnique(entries);
  return new Uint8Array(buildSubtree(sorted, 0, sorted.length, 0));
}

/**
 * The proof of `key` in the tree of exactly these entries (membership when the key is among
 * them, else non-membership), in the compressed format of ledger/state-tree-verify.ts. For tests,
 * vectors and small trees; stored trees use `proveStored`.
 */
export function proveFromEntries(entries: Entry[], key: Uint8Array): Uint8Array {
  const sorted = sortedUnique(entries);
  let lo = 0;
  let hi = sorted.length;
  const bits: boolean[] = [];
  const siblings: Uint8Array[] = [];
  let depth = 0;
  let terminal: StateProof['terminal'];
  for (;;) {
    if (hi - lo === 0) {
      terminal = { kind: 'empty' };
      break;
    }
    if (hi - lo === 1) {
      const [k, v] = sorted[lo]!;
      terminal = compareBytes(k, key) === 0 ? { kind: 'leaf' } : { kind: 'other-leaf', key: k, valueHash: v };
      break;
    }
    const mid = splitAt(sorted, lo, hi, depth);
    const sibling = keyBit(key, depth) === 0 ? buildSubtree(sorted, mid, hi, depth + 1) : buildSubtree(sorted, lo, mid, depth + 1);
    if (keyBit(key, depth) === 0) hi = mid;
    else lo = mid;
    const nonEmpty = compareBytes(sibling, EMPTY_HASH) !== 0;
    bits.push(nonEmpty);
    if (nonEmpty) siblings.push(sibling);
    depth++;
  }
  return encodeStateProof({ depth, bitmap: packBits(bits), siblings, terminal });
}

function packBits(bits: boolean[]): Uint8Array {
  const out = new Uint8Array((bits.length + 7) >> 3);
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 0x80 >> (i & 7);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stored nodes

const NODE_INTERNAL = 0x01;
const NODE_LEAF = 0x02;

export type TreeNode = { kind: 'internal'; left: Uint8Array; right: Uint8Array } | { kind: 'leaf'; key: Uint8Array; valueHash: Uint8Array };

// Stored nodes are 65 bytes: just over V8's limit for typed arrays kept on the JS heap, so each
// `new Uint8Array(65)` would get its own off-heap backing store (slow to make and to collect).
// They are cut from shared slabs instead.
const SLAB_NODES = 1024;
let slab = new Uint8Array(65 * SLAB_NODES);
let slabAt = 0;
function alloc65(): Uint8Array {
  if (slabAt === SLAB_NODES) {
    slab = new Uint8Array(65 * SLAB_NODES);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt * 65, slabAt * 65 + 65);
  slabAt++;
  return out;
}

export function encodeInternalNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = alloc65();
  out[0] = NODE_INTERNAL;
  out.set(left, 1);
  out.set(right, 33);
  return out;
}

export function encodeLeafNode(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  const out = alloc65();
  out[0] = NODE_LEAF;
  out.set(key, 1);
  out.set(valueHash, 33);
  return out;
}

/** Decodes a stored node. @throws LedgerError STORE_FORMAT on anything else */
export function decodeNode(bytes: Uint8Array): TreeNode {
  if (bytes.length === 65 && bytes[0] === NODE_INTERNAL) return { kind: 'internal', left: bytes.subarray(1, 33), right: bytes.subarray(33, 65) };
  if (bytes.length === 65 && bytes[0] === NODE_LEAF) return { kind: 'leaf', key: bytes.subarray(1, 33), valueHash: bytes.subarray(33, 65) };
  throw new LedgerError('STORE_FORMAT', 'a stored state-tree node is neither an internal node nor a leaf', { length: bytes.length });
}

/** The hash of a stored node (undefined = the empty tree). */
export function hashOfNode(bytes: Uint8Array | undefined): Uint8Array {
  if (bytes === undefined) return EMPTY_HASH;
  const n = decodeNode(bytes);
  return n.kind === 'internal' ? nodeHash(n.left, n.right) : leafHash(n.key, n.valueHash);
}

/** The storage key of the position at `depth` on `key`'s path: u16 depth || ceil(depth/8) prefix bytes, bits past depth zeroed. */
export function nodePath(key: Uint8Array, depth: number): Uint8Array {
  const n = (depth + 7) >> 3;
  const out = new Uint8Array(2 + n);
  out[0] = depth >> 8;
  out[1] = depth & 0xff;
  for (let i = 0; i < n; i++) out[2 + i] = key[i]!;
  if (depth & 7) out[1 + n]! &= 0xff << (8 - (depth & 7));
  return out;
}

/** Where stored nodes come from: a batched read of positions (undefined = nothing stored there). */
export interface NodeReader {
  getNodes(paths: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
}

interface Pending {
  depth: number;
  lo: number;
  hi: number;
  node?: TreeNode | undefined;
  left?: Pending | undefined;
  right?: Pending | undefined;
}

export interface TreeUpdate {
  /** The new root. */
  root: Uint8Array;
  /** Node writes, keyed by hex path (for overlays), in a deterministic order. */
  writes: Map<string, { path: Uint8Array; node: Uint8Array }>;
}

/**
 * Applies a batch of (key, value hash) puts to the stored tree whose nodes `reader` returns, and
 * returns the new root and the node writes. Reads one batch per tree level (BFS), then hashes
 * bottom-up once: nodes shared by several updated keys are hashed once per batch.
 * @throws LedgerError BAD_ARGUMENT on duplicate keys
 */
export async function updateStoredTree(reader: NodeReader, updates: Entry[]): Promise<TreeUpdate> {
  const sorted = sortedUnique(updates);
  const writes = new Map<string, { path: Uint8Array; node: Uint8Array }>();
  const write = (depth: number, key: Uint8Array, node: Uint8Array): void => {
    const path = nodePath(key, depth);
    writes.set(toHex(path), { path, node });
  };
  if (sorted.length === 0) {
    const [rootNode] = await reader.getNodes([nodePath(EMPTY_HASH, 0)]);
    return { root: new Uint8Array(hashOfNode(rootNode)), writes };
  }
  const top: Pending = { depth: 0, lo: 0, hi: sorted.length };
  let frontier: Pending[] = [top];
  while (frontier.length > 0) {
    const nodes = await reader.getNodes(frontier.map((p) => nodePath(sorted[p.lo]![0], p.depth)));
    const next: Pending[] = [];
    frontier.forEach((p, i) => {
      const bytes = nodes[i];
      p.node = bytes === undefined ? undefined : decodeNode(bytes);
      if (p.node?.kind === 'internal') {
        const mid = splitAt(sorted, p.lo, p.hi, p.depth);
        if (mid > p.lo) next.push((p.left = { depth: p.depth + 1, lo: p.lo, hi: mid }));
        if (p.hi > mid) next.push((p.right = { depth: p.depth + 1, lo: mid, hi: p.hi }));
      }
    });
    frontier = next;
  }
  const hashOf = (p: Pending): Uint8Array => {
    const n = p.node;
    if (n?.kind === 'internal') {
      const l = p.left ? hashOf(p.left) : n.left;
      const r = p.right ? hashOf(p.right) : n.right;
      write(p.depth, sorted[p.lo]![0], encodeInternalNode(l, r));
      return nodeHash(l, r);
    }
    // An empty position or a leaf: everything below is built in memory.
    let run = sorted.slice(p.lo, p.hi);
    if (n?.kind === 'leaf' && !run.some((e) => compareBytes(e[0], n.key) === 0)) {
      run = sortedUnique([...run, [new Uint8Array(n.key), new Uint8Array(n.valueHash)]]);
    }
    return buildSubtree(run, 0, run.length, p.depth, write);
  };
  const root = new Uint8Array(hashOf(top));
  return { root, writes };
}

/**
 * The proof of `key` in the stored tree (membership or non-membership), read one level at a time.
 * Returns the proof bytes and, for a member, its value hash.
 */
export async function proveStored(reader: NodeReader, key: Uint8Array): Promise<{ proof: Uint8Array; valueHash: Uint8Array | null }> {
  const bits: boolean[] = [];
  const siblings: Uint8Array[] = [];
  let depth = 0;
  for (;;) {
    const [bytes] = await reader.getNodes([nodePath(key, depth)]);
    if (bytes === undefined) {
      return { proof: encodeStateProof({ depth, bitmap: packBits(bits), siblings, terminal: { kind: 'empty' } }), valueHash: null };
    }
    const n = decodeNode(bytes);
    if (n.kind === 'leaf') {
      const present = compareBytes(n.key, key) === 0;
      const terminal: StateProof['terminal'] = present ? { kind: 'leaf' } : { kind: 'other-leaf', key: new Uint8Array(n.key), valueHash: new Uint8Array(n.valueHash) };
      return { proof: encodeStateProof({ depth, bitmap: packBits(bits), siblings, terminal }), valueHash: present ? new Uint8Array(n.valueHash) : null };
    }
    const goRight = keyBit(key, depth) === 1;
    const sibling = goRight ? n.left : n.right;
    const child = goRight ? n.right : n.left;
    const nonEmpty = compareBytes(sibling, EMPTY_HASH) !== 0;
    bits.push(nonEmpty);
    if (nonEmpty) siblings.push(new Uint8Array(sibling));
    depth++;
    if (compareBytes(child, EMPTY_HASH) === 0) {
      return { proof: encodeStateProof({ depth, bitmap: packBits(bits), siblings, terminal: { kind: 'empty' } }), valueHash: null };
    }
  }
}

/** A NodeReader over a Map of hex path -> node bytes (in-memory trees, tests, the bench). */
export class MemoryNodes implements NodeReader {
  readonly nodes = new Map<string, Uint8Array>();
  async getNodes(paths: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return paths.map((p) => this.nodes.get(toHex(p)));
  }
  apply(update: TreeUpdate): void {
    for (const [k, { node }] of update.writes) this.nodes.set(k, node);
  }
}
