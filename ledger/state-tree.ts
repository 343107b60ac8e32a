/**
 * @module ledger/state-tree
 * The compacted sparse Merkle state tree of DESIGN.md section 9: roots of entry sets, batched
 * updates over stored nodes (one batched read per stored level; the updates of one block share
 * their upper nodes, so a block of n updates costs far fewer than n x depth hashes) and proofs.
 * The format and the pure verifier are in ledger/state-tree-verify.ts.
 *
 * Storage: the binary tree is stored in groups of four levels (16-way, as in the Jellyfish
 * Merkle tree), so that an update writes about a quarter of the records a node-per-record layout
 * wrote and a read of one level fetches four. Only the storage is grouped: every hash, root and
 * proof is the binary tree's of DESIGN.md section 9. A group at level g covers the positions at
 * depths 4g .. 4g + 4 below one prefix of 4g bits, numbered as a heap: 1 is the group's top
 * (depth 4g), 2p and 2p + 1 are p's children, 16..31 the bottom (depth 4g + 4), where the groups
 * of level g + 1 start (a bottom position that is an internal node is the top of a child group).
 * Key (`groupPath`): u8 level || the first ceil(4g/8) bytes of the prefix, bits past 4g zeroed.
 * Value (`encodeGroup`):
 * ```
 * u32 internal bitmap     bit p (p = 1..31, mask 1 << p): position p is an internal node
 * u32 leaf bitmap         bit p: position p is a leaf (a subtree holding exactly one key)
 * then for p = 1..31 in order:
 *   internal: its hash (32)
 *   leaf:     key (32) || value hash (32) || leaf hash (32)
 * ```
 * Every other position is empty (or lies below a leaf). Hashes are stored, not only leaves, so an
 * update hashes only the paths it changes. A stored group other than the root holds at least two
 * keys; the root group (level 0, key 0x00) is absent for the empty tree and may be one leaf.
 * Records are never deleted, so no position ever becomes empty again: an update writes, it never
 * deletes. Hashing uses ledger/sha256-into.ts (the same SHA-256; unit tests check it against
 * Node's crypto and the pure module).
 */
import { compareBytes, toHex } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { EMPTY_HASH, encodeStateProof, HASH_LENGTH, keyBit, MAX_DEPTH, smtLeafHash as leafHash, smtNodeHash as nodeHash, type StateProof } from './state-tree-verify.js';

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
  smtLeafHash,
  smtNodeHash,
  type StateProof,
  type StateProofResult,
  type StateType,
} from './state-tree-verify.js';

/** One entry of the tree: a 32-byte key and the 32-byte value hash of its record. */
export type Entry = [key: Uint8Array, valueHash: Uint8Array];

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

/** The subtree hash of sorted[lo, hi) at `depth` (all sharing the first `depth` bits). */
function buildSubtree(sorted: Entry[], lo: number, hi: number, depth: number): Uint8Array {
  if (hi - lo === 0) return EMPTY_HASH;
  if (hi - lo === 1) return leafHash(sorted[lo]![0], sorted[lo]![1]);
  if (depth >= MAX_DEPTH) throw new LedgerError('INTERNAL', 'two equal keys reached depth 256');
  const mid = splitAt(sorted, lo, hi, depth);
  return nodeHash(buildSubtree(sorted, lo, mid, depth + 1), buildSubtree(sorted, mid, hi, depth + 1));
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
// Stored groups (the layout is in the module comment)

/** Binary levels per stored group. */
export const GROUP_LEVELS = 4;
/** The first bottom position of a group (depth 4g + 4). */
const BOTTOM = 16;
/** Heap positions 1..31 (0 unused). */
const POSITIONS = 32;
/** The deepest group level: its bottom is depth 256. */
const MAX_LEVEL = MAX_DEPTH / GROUP_LEVELS - 1;
const KIND_EMPTY = 0;
const KIND_INTERNAL = 1;
const KIND_LEAF = 2;
const LEAF_BYTES = 96;

function storeFormat(message: string, extra: Record<string, unknown> = {}): LedgerError {
  return new LedgerError('STORE_FORMAT', `state-tree group: ${message}`, extra);
}

/**
 * A stored group, decoded: the kind of each position and where its bytes are. Hashes, keys and
 * value hashes are views into the stored bytes, made only when asked for (an update reads a few
 * positions of each group it passes through).
 */
export class TreeGroup {
  readonly kind = new Uint8Array(POSITIONS);
  readonly offset = new Int32Array(POSITIONS);

  /** @throws LedgerError STORE_FORMAT when the bytes are not a group */
  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < 8) throw storeFormat(`${bytes.length} bytes`);
    const internal = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    const leaves = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
    if ((internal & leaves) !== 0 || ((internal | leaves) & 1) !== 0) throw storeFormat('bitmaps overlap or use bit 0');
    let at = 8;
    for (let p = 1; p < POSITIONS; p++) {
      const bit = (1 << p) >>> 0;
      const k = internal & bit ? KIND_INTERNAL : leaves & bit ? KIND_LEAF : KIND_EMPTY;
      if (k === KIND_EMPTY) continue;
      if (p > 1 && this.kind[p >> 1] !== KIND_INTERNAL) throw storeFormat(`position ${p} lies under no internal node`);
      this.kind[p] = k;
      this.offset[p] = at;
      at += k === KIND_INTERNAL ? 32 : LEAF_BYTES;
    }
    if (at !== bytes.length) throw storeFormat(`length ${bytes.length}, the bitmaps announce ${at}`);
  }

  /** The hash at position p (EMPTY_HASH when empty). */
  hash(p: number): Uint8Array {
    const k = this.kind[p];
    if (k === KIND_EMPTY) return EMPTY_HASH;
    const o = this.offset[p]! + (k === KIND_LEAF ? 64 : 0);
    return this.bytes.subarray(o, o + 32);
  }
  /** The key of the leaf at position p. */
  key(p: number): Uint8Array {
    const o = this.offset[p]!;
    return this.bytes.subarray(o, o + 32);
  }
  /** The value hash of the leaf at position p. */
  valueHash(p: number): Uint8Array {
    const o = this.offset[p]! + 32;
    return this.bytes.subarray(o, o + 32);
  }
}

/** A group being written: positions changed by the update, over the stored group they replace. */
class GroupDraft {
  readonly kind: Uint8Array;
  private readonly hashes: Array<Uint8Array | undefined> = new Array(POSITIONS);
  private readonly keys: Array<Uint8Array | undefined> = new Array(POSITIONS);
  private readonly values: Array<Uint8Array | undefined> = new Array(POSITIONS);

  constructor(
    readonly level: number,
    private readonly base: TreeGroup | undefined,
  ) {
    this.kind = base === undefined ? new Uint8Array(POSITIONS) : new Uint8Array(base.kind);
  }

  hashAt(p: number): Uint8Array {
    const h = this.hashes[p];
    if (h !== undefined) return h;
    return this.kind[p] === KIND_EMPTY ? EMPTY_HASH : this.base!.hash(p);
  }
  keyAt(p: number): Uint8Array {
    return this.keys[p] ?? this.base!.key(p);
  }
  valueAt(p: number): Uint8Array {
    return this.values[p] ?? this.base!.valueHash(p);
  }
  setInternal(p: number, hash: Uint8Array): void {
    this.kind[p] = KIND_INTERNAL;
    this.hashes[p] = hash;
  }
  setLeaf(p: number, key: Uint8Array, valueHash: Uint8Array, hash: Uint8Array): void {
    this.kind[p] = KIND_LEAF;
    this.keys[p] = key;
    this.values[p] = valueHash;
    this.hashes[p] = hash;
  }

  encode(): Uint8Array {
    let internal = 0;
    let leaves = 0;
    let size = 8;
    for (let p = 1; p < POSITIONS; p++) {
      const k = this.kind[p];
      if (k === KIND_INTERNAL) {
        internal |= 1 << p;
        size += 32;
      } else if (k === KIND_LEAF) {
        leaves |= 1 << p;
        size += LEAF_BYTES;
      }
    }
    const out = new Uint8Array(size);
    out[0] = internal >>> 24;
    out[1] = internal >>> 16;
    out[2] = internal >>> 8;
    out[3] = internal;
    out[4] = leaves >>> 24;
    out[5] = leaves >>> 16;
    out[6] = leaves >>> 8;
    out[7] = leaves;
    let at = 8;
    const base = this.base;
    // Unchanged positions are copied from the stored group, consecutive ones as one run: a group
    // of the upper levels is about a kilobyte of which an update changes a path of four hashes, and
    // copying it byte by byte grew to 5 % of a 10^6-event replay (issue 20).
    let runFrom = 0;
    let runTo = 0;
    let runAt = 0;
    for (let p = 1; p < POSITIONS; p++) {
      const k = this.kind[p];
      if (k === KIND_EMPTY) continue;
      const size = k === KIND_INTERNAL ? 32 : LEAF_BYTES;
      const h = this.hashes[p];
      if (h === undefined) {
        const o = base!.offset[p]!;
        if (o !== runTo || runTo === runFrom) {
          copyRun(base!.bytes, runFrom, runTo, out, runAt);
          runFrom = o;
          runAt = at;
        }
        runTo = o + size;
      } else {
        copyRun(base?.bytes, runFrom, runTo, out, runAt);
        runFrom = runTo = 0;
      }
      if (h === undefined) {
        // copied with its run
      } else if (k === KIND_INTERNAL) {
        for (let i = 0; i < 32; i++) out[at + i] = h[i]!;
      } else {
        const key = this.keys[p]!;
        const value = this.values[p]!;
        for (let i = 0; i < 32; i++) {
          out[at + i] = key[i]!;
          out[at + 32 + i] = value[i]!;
          out[at + 64 + i] = h[i]!;
        }
      }
      at += size;
    }
    copyRun(base?.bytes, runFrom, runTo, out, runAt);
    return out;
  }
}

/** Copies `src[from, to)` to `out` at `at` (nothing when empty): a byte loop for a position or two, else native. */
function copyRun(src: Uint8Array | undefined, from: number, to: number, out: Uint8Array, at: number): void {
  const n = to - from;
  if (n <= 0) return;
  if (n <= LEAF_BYTES) {
    for (let i = 0; i < n; i++) out[at + i] = src![from + i]!;
  } else {
    out.set(src!.subarray(from, to), at);
  }
}

/** Decodes a stored group. @throws LedgerError STORE_FORMAT on anything else */
export function decodeGroup(bytes: Uint8Array): TreeGroup {
  return new TreeGroup(bytes);
}

/** The storage key of the level-`level` group on `key`'s path: u8 level || ceil(4 level / 8) prefix bytes, bits past 4 level zeroed. */
export function groupPath(key: Uint8Array, level: number): Uint8Array {
  const bits = level * GROUP_LEVELS;
  const n = (bits + 7) >> 3;
  const out = new Uint8Array(1 + n);
  out[0] = level;
  for (let i = 0; i < n; i++) out[1 + i] = key[i]!;
  if (bits & 7) out[n]! &= 0xff << (8 - (bits & 7));
  return out;
}

/** The group level of a storage key made by `groupPath`. */
export function levelOfGroupPath(path: Uint8Array): number {
  return path[0]!;
}

/** Where stored groups come from: a batched read of group keys (undefined = nothing stored there). */
export interface NodeReader {
  getNodes(paths: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
}

export interface TreeUpdate {
  /** The new root. */
  root: Uint8Array;
  /** Group writes, keyed by hex group key (for overlays), in a deterministic order. */
  writes: Map<string, { path: Uint8Array; node: Uint8Array }>;
}

/** The updates under one stored group, and the groups below it that they reach. */
interface Job {
  level: number;
  lo: number;
  hi: number;
  group?: TreeGroup | undefined;
  children?: Map<number, Job>;
}

/** Whether sorted[lo, hi) holds `key` (binary search). */
function holds(sorted: Entry[], lo: number, hi: number, key: Uint8Array): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareBytes(sorted[mid]![0], key);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/**
 * Applies a batch of (key, value hash) puts to the stored tree whose groups `reader` returns, and
 * returns the new root and the group writes. Reads one batch per group level (BFS), then hashes
 * bottom-up once: nodes shared by several updated keys are hashed once per batch, and unchanged
 * siblings are read from their stored hashes.
 * @throws LedgerError BAD_ARGUMENT on duplicate keys; STORE_FORMAT on a malformed or missing group
 */
export async function updateStoredTree(reader: NodeReader, updates: Entry[]): Promise<TreeUpdate> {
  const sorted = sortedUnique(updates);
  const writes = new Map<string, { path: Uint8Array; node: Uint8Array }>();
  const write = (key: Uint8Array, draft: GroupDraft): void => {
    const path = groupPath(key, draft.level);
    writes.set(toHex(path), { path, node: draft.encode() });
  };
  if (sorted.length === 0) {
    const [rootGroup] = await reader.getNodes([groupPath(EMPTY_HASH, 0)]);
    return { root: new Uint8Array(rootGroup === undefined ? EMPTY_HASH : decodeGroup(rootGroup).hash(1)), writes };
  }

  // Read the groups the updates pass through, one level at a time.
  const top: Job = { level: 0, lo: 0, hi: sorted.length };
  const findChildren = (job: Job, p: number, depth: number, lo: number, hi: number, next: Job[]): void => {
    if (lo === hi || job.group!.kind[p] !== KIND_INTERNAL) return;
    if (p >= BOTTOM) {
      const child: Job = { level: job.level + 1, lo, hi };
      (job.children ??= new Map()).set(p, child);
      next.push(child);
      return;
    }
    const mid = splitAt(sorted, lo, hi, depth);
    findChildren(job, 2 * p, depth + 1, lo, mid, next);
    findChildren(job, 2 * p + 1, depth + 1, mid, hi, next);
  };
  let frontier: Job[] = [top];
  while (frontier.length > 0) {
    const stored = await reader.getNodes(frontier.map((j) => groupPath(sorted[j.lo]![0], j.level)));
    const next: Job[] = [];
    frontier.forEach((job, i) => {
      const bytes = stored[i];
      if (bytes === undefined) {
        // below the root, a group is read only where its parent shows an internal node
        if (job.level > 0) throw storeFormat(`the group at level ${job.level} on the path of ${toHex(sorted[job.lo]![0])} is missing`);
        return;
      }
      job.group = decodeGroup(bytes);
      if (job.level > 0 && job.group.kind[1] !== KIND_INTERNAL) throw storeFormat(`the group at level ${job.level} does not start with an internal node`);
      findChildren(job, 1, job.level * GROUP_LEVELS, job.lo, job.hi, next);
    });
    frontier = next;
  }

  // Hash bottom-up along the changed paths and write every group they pass through.
  /** Builds position p (depth `depth`) of `d` from scratch out of run[lo, hi). */
  const build = (d: GroupDraft, p: number, depth: number, run: Entry[], lo: number, hi: number): Uint8Array => {
    if (hi === lo) return EMPTY_HASH; // it was empty (everything under an empty position or a leaf is)
    if (hi - lo === 1) {
      const [k, v] = run[lo]!;
      const h = leafHash(k, v);
      d.setLeaf(p, k, v, h);
      return h;
    }
    if (depth >= MAX_DEPTH) throw new LedgerError('INTERNAL', 'two equal keys reached depth 256');
    if (p >= BOTTOM) {
      if (d.level >= MAX_LEVEL) throw new LedgerError('INTERNAL', 'a group below depth 256');
      const child = new GroupDraft(d.level + 1, undefined);
      const h = build(child, 1, depth, run, lo, hi);
      write(run[lo]![0], child);
      d.setInternal(p, h);
      return h;
    }
    const mid = splitAt(run, lo, hi, depth);
    const l = build(d, 2 * p, depth + 1, run, lo, mid);
    const r = build(d, 2 * p + 1, depth + 1, run, mid, hi);
    const h = nodeHash(l, r);
    d.setInternal(p, h);
    return h;
  };
  const update = (job: Job, d: GroupDraft, p: number, depth: number, lo: number, hi: number): Uint8Array => {
    if (lo === hi) return d.hashAt(p);
    const k = d.kind[p];
    if (k === KIND_INTERNAL) {
      let h: Uint8Array;
      if (p >= BOTTOM) h = updateGroup(job.children!.get(p)!);
      else {
        const mid = splitAt(sorted, lo, hi, depth);
        const l = update(job, d, 2 * p, depth + 1, lo, mid);
        h = nodeHash(l, update(job, d, 2 * p + 1, depth + 1, mid, hi));
      }
      d.setInternal(p, h);
      return h;
    }
    // An empty position or a leaf: rebuilt from the updates under it and the leaf, unless an update replaces it.
    if (k === KIND_LEAF) {
      const key = d.keyAt(p);
      if (!holds(sorted, lo, hi, key)) {
        const run = sortedUnique([...sorted.slice(lo, hi), [new Uint8Array(key), new Uint8Array(d.valueAt(p))]]);
        return build(d, p, depth, run, 0, run.length);
      }
    }
    return build(d, p, depth, sorted, lo, hi);
  };
  const updateGroup = (job: Job): Uint8Array => {
    const d = new GroupDraft(job.level, job.group);
    const h = update(job, d, 1, job.level * GROUP_LEVELS, job.lo, job.hi);
    write(sorted[job.lo]![0], d);
    return h;
  };
  const root = new Uint8Array(updateGroup(top));
  return { root, writes };
}

/**
 * The proof of `key` in the stored tree (membership or non-membership), read one group at a time.
 * Returns the proof bytes and, for a member, its value hash.
 * @throws LedgerError STORE_FORMAT on a malformed or missing group
 */
export async function proveStored(reader: NodeReader, key: Uint8Array): Promise<{ proof: Uint8Array; valueHash: Uint8Array | null }> {
  const bits: boolean[] = [];
  const siblings: Uint8Array[] = [];
  const end = (depth: number, terminal: StateProof['terminal']): Uint8Array => encodeStateProof({ depth, bitmap: packBits(bits), siblings, terminal });
  let depth = 0;
  for (let level = 0; ; level++) {
    const [bytes] = await reader.getNodes([groupPath(key, level)]);
    if (bytes === undefined) {
      if (level > 0) throw storeFormat(`the group at level ${level} on the path of ${toHex(key)} is missing`);
      return { proof: end(0, { kind: 'empty' }), valueHash: null };
    }
    const g = decodeGroup(bytes);
    let p = 1;
    for (;;) {
      const k = g.kind[p];
      if (k === KIND_EMPTY) return { proof: end(depth, { kind: 'empty' }), valueHash: null };
      if (k === KIND_LEAF) {
        const present = compareBytes(g.key(p), key) === 0;
        const terminal: StateProof['terminal'] = present ? { kind: 'leaf' } : { kind: 'other-leaf', key: new Uint8Array(g.key(p)), valueHash: new Uint8Array(g.valueHash(p)) };
        return { proof: end(depth, terminal), valueHash: present ? new Uint8Array(g.valueHash(p)) : null };
      }
      if (p >= BOTTOM) break; // the top of the next group down
      const bit = keyBit(key, depth);
      const sibling = 2 * p + 1 - bit;
      const nonEmpty = g.kind[sibling] !== KIND_EMPTY;
      bits.push(nonEmpty);
      if (nonEmpty) siblings.push(new Uint8Array(g.hash(sibling)));
      p = 2 * p + bit;
      depth++;
    }
  }
}

/** A NodeReader over a Map of hex group key -> group bytes (in-memory trees, tests, the bench). */
export class MemoryNodes implements NodeReader {
  readonly nodes = new Map<string, Uint8Array>();
  async getNodes(paths: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return paths.map((p) => this.nodes.get(toHex(p)));
  }
  apply(update: TreeUpdate): void {
    for (const [k, { node }] of update.writes) this.nodes.set(k, node);
  }
}
