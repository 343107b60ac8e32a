/**
 * @module ledger/merkle-log
 * The channel's RFC 9162 Merkle log, persisted in LevelDB (DESIGN.md section 7: "stored so that
 * any proof against any past size is produced with O(log n) reads, never rereading the events").
 *
 * Storage: the hash of every *complete* subtree, keyed by (level, index): node (l, i) covers the
 * leaves [i * 2^l, (i + 1) * 2^l). Level 0 holds the leaf hashes. A complete subtree never changes
 * once written, so a node written for size n serves every later size too. Any RFC subtree
 * [start, start + size) that appears in a proof is the concatenation of at most log2(size) + 1
 * complete nodes (the binary digits of its size), so a root, an inclusion proof or a consistency
 * proof for any past size is one batched read of O(log n) nodes.
 *
 * Appends are staged: a MerkleStage computes the new size and root in memory from the right edge
 * of the tree (the "frontier", as in a compact range) and hands back its writes as batch
 * operations, so that the consensus node commits them in the same atomic LevelDB batch as its
 * block (DESIGN.md section 8). Until `commit` is called after that batch, the log is unchanged.
 */
import type { AbstractSublevel } from 'abstract-level';
import { LedgerError } from '../errors/ledger-error.js';
import { consistencyRanges, inclusionRanges, type Range } from './merkle.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './merkle-verify.js';

/** Version of this folder's layout; a store of another version is refused. */
export const MERKLE_LOG_FORMAT = 1;

type Bytes = Uint8Array;
/**
 * A sublevel of a LevelDB (or in-memory abstract-level) database with binary keys and values.
 * A sublevel, so that its writes can join the root database's atomic batch (`sublevel` option).
 */
export type BinaryLevel = AbstractSublevel<any, any, Bytes, Bytes>;

/** A batch operation in abstract-level's form, aimed at the log's own sublevel. */
export type MerkleBatchOp =
  | { type: 'put'; sublevel: BinaryLevel; key: Bytes; value: Bytes }
  | { type: 'del'; sublevel: BinaryLevel; key: Bytes };

const KEY_FORMAT = Uint8Array.of(0x46); // 'F'
const KEY_SIZE = Uint8Array.of(0x53); // 'S'
const NODE_PREFIX = 0x4e; // 'N' || u8 level || u64be index

function nodeKey(level: number, index: number): Bytes {
  const k = new Uint8Array(10);
  k[0] = NODE_PREFIX;
  k[1] = level;
  new DataView(k.buffer).setBigUint64(2, BigInt(index), false);
  return k;
}

function u64(n: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), false);
  return b;
}

function readU64(b: Bytes): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, false);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LedgerError('STORE_FORMAT', 'merkle log size beyond 2^53', {});
  return Number(v);
}

function log2Exact(n: number): number {
  let l = 0;
  while (2 ** l < n) l++;
  return l;
}

/** The complete nodes that make up subtree [start, start + size), left to right. */
export function rangeNodes(r: Range): Array<[level: number, index: number]> {
  const out: Array<[number, number]> = [];
  let { start, size } = r;
  while (size > 0) {
    let k = 1; // the largest power of two <= size
    while (k * 2 <= size) k *= 2;
    const level = log2Exact(k);
    out.push([level, start / k]);
    start += k;
    size -= k;
  }
  return out;
}

/** Folds complete nodes (left to right) into their subtree's hash: right to left, as RFC 9162 splits. */
function foldRight(hashes: Bytes[]): Bytes {
  let h = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return h;
}

interface FrontierEntry {
  level: number;
  hash: Bytes;
}

/**
 * Appends staged in memory over a base (the committed log, or an earlier stage that is not yet
 * committed: the node cuts block h+1 while block h awaits its commit).
 */
export class MerkleStage {
  readonly baseSize: number;
  private currentSize: number;
  private frontier: FrontierEntry[];
  private readonly newNodes: Array<[level: number, index: number, hash: Bytes]> = [];

  /** @internal use MerkleLog.stage() or MerkleStage.fork() */
  constructor(
    private readonly log: MerkleLog,
    baseSize: number,
    frontier: FrontierEntry[],
  ) {
    this.baseSize = baseSize;
    this.currentSize = baseSize;
    this.frontier = frontier.slice();
  }

  get size(): number {
    return this.currentSize;
  }

  /**
   * Appends one leaf hash; returns its index (its log position).
   * @throws LedgerError BAD_LENGTH when the leaf hash is not 32 bytes
   */
  append(leafHashValue: Bytes): number {
    if (!(leafHashValue instanceof Uint8Array) || leafHashValue.length !== HASH_SIZE) {
      throw new LedgerError('BAD_LENGTH', `a leaf hash is ${HASH_SIZE} bytes`, { length: leafHashValue?.length ?? null });
    }
    const index = this.currentSize;
    const leaf = new Uint8Array(leafHashValue);
    this.newNodes.push([0, index, leaf]);
    this.frontier.push({ level: 0, hash: leaf });
    this.currentSize++;
    // Merge equal-level neighbours: each merge completes a subtree ending at the new size.
    for (;;) {
      const n = this.frontier.length;
      if (n < 2 || this.frontier[n - 1]!.level !== this.frontier[n - 2]!.level) break;
      const right = this.frontier.pop()!;
      const left = this.frontier.pop()!;
      const level = left.level + 1;
      const hash = nodeHash(left.hash, right.hash);
      this.newNodes.push([level, this.currentSize / 2 ** level - 1, hash]);
      this.frontier.push({ level, hash });
    }
    return index;
  }

  /** The tree head after the staged appends. */
  root(): Bytes {
    if (this.frontier.length === 0) return EMPTY_ROOT;
    return foldRight(this.frontier.map((f) => f.hash));
  }

  /** The writes that make these appends durable (to commit in one batch with the block). */
  writes(): MerkleBatchOp[] {
    const db = this.log.db;
    const ops: MerkleBatchOp[] = this.newNodes.map(([level, index, hash]) => ({ type: 'put', sublevel: db, key: nodeKey(level, index), value: hash }));
    ops.push({ type: 'put', sublevel: db, key: KEY_SIZE, value: u64(this.currentSize) });
    return ops;
  }

  /** A new stage that continues from this one (for the next block, before this one commits). */
  fork(): MerkleStage {
    return new MerkleStage(this.log, this.currentSize, this.frontier);
  }

  /** @internal */
  frontierCopy(): FrontierEntry[] {
    return this.frontier.slice();
  }
}

/** The persistent log. Open with `MerkleLog.open(db)`; one instance per store. */
export class MerkleLog {
  private committedSize = 0;
  private frontier: FrontierEntry[] = [];

  private constructor(readonly db: BinaryLevel) {}

  /**
   * Opens (or initialises) the log in `db`, which must use binary ('view') keys and values.
   * @throws LedgerError STORE_FORMAT for a store of another format version or a damaged one
   */
  static async open(db: BinaryLevel): Promise<MerkleLog> {
    const log = new MerkleLog(db);
    const [format, size] = await db.getMany([KEY_FORMAT, KEY_SIZE]);
    if (format === undefined) {
      if (size !== undefined) throw new LedgerError('STORE_FORMAT', 'merkle log has a size but no format version: the store is damaged', {});
      await db.put(KEY_FORMAT, Uint8Array.of(0, 0, 0, MERKLE_LOG_FORMAT));
    } else {
      const version = format.length === 4 ? new DataView(format.buffer, format.byteOffset, 4).getUint32(0, false) : -1;
      if (version !== MERKLE_LOG_FORMAT) {
        throw new LedgerError('STORE_FORMAT', `merkle log format version ${version} is not supported (this build reads version ${MERKLE_LOG_FORMAT})`, {
          found: version,
          supported: MERKLE_LOG_FORMAT,
        });
      }
    }
    log.committedSize = size === undefined ? 0 : readU64(size);
    const nodes = rangeNodes({ start: 0, size: log.committedSize });
    const hashes = await log.readNodes(nodes);
    log.frontier = nodes.map(([level], i) => ({ level, hash: hashes[i]! }));
    return log;
  }

  /** The committed size. */
  get size(): number {
    return this.committedSize;
  }

  /** A stage over the committed log. */
  stage(): MerkleStage {
    return new MerkleStage(this, this.committedSize, this.frontier);
  }

  /**
   * Records that a stage's writes were committed (call after the batch holding `stage.writes()`
   * was written). Stages must be committed in order.
   */
  commit(stage: MerkleStage): void {
    if (stage.baseSize !== this.committedSize) {
      throw new LedgerError('INTERNAL', `merkle stage based on size ${stage.baseSize} committed over size ${this.committedSize}`, {});
    }
    this.committedSize = stage.size;
    this.frontier = stage.frontierCopy();
  }

  /** The committed root (from memory, no read). */
  root(): Bytes {
    return this.frontier.length === 0 ? EMPTY_ROOT : foldRight(this.frontier.map((f) => f.hash));
  }

  /** The root of the tree of the first `size` leaves, for any size up to the committed size. */
  async rootAt(size: number): Promise<Bytes> {
    this.checkSize(size, 'size');
    if (size === 0) return EMPTY_ROOT;
    if (size === this.committedSize) return this.root();
    return (await this.rangeHashes([{ start: 0, size }]))[0]!;
  }

  /** The leaf hash at `index` (< committed size). */
  async leafHashAt(index: number): Promise<Bytes> {
    this.checkIndex(index, this.committedSize);
    return (await this.readNodes([[0, index]]))[0]!;
  }

  /**
   * The RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves.
   * Requires 0 <= index < size <= committed size.
   */
  async inclusionProof(index: number, size: number = this.committedSize): Promise<Bytes[]> {
    this.checkSize(size, 'size');
    this.checkIndex(index, size);
    return this.rangeHashes(inclusionRanges(index, size));
  }

  /**
   * The RFC 9162 consistency proof from `oldSize` to `newSize` leaves.
   * Requires 0 <= oldSize <= newSize <= committed size; empty when oldSize is 0 or newSize.
   */
  async consistencyProof(oldSize: number, newSize: number = this.committedSize): Promise<Bytes[]> {
    this.checkSize(newSize, 'newSize');
    this.checkSize(oldSize, 'oldSize');
    if (oldSize > newSize) {
      throw new LedgerError('BAD_ARGUMENT', `old size ${oldSize} is beyond the new size ${newSize}`, { oldSize, newSize });
    }
    if (oldSize === 0 || oldSize === newSize) return [];
    return this.rangeHashes(consistencyRanges(oldSize, newSize));
  }

  /**
   * The hashes of `count` consecutive complete subtrees at `level`, from index `start` (the C2SP
   * tlog-tiles hashes: a tile at tile level L holds level-8L nodes). Requires every one of them
   * complete in the committed log: (start + count) * 2^level <= committed size.
   * @throws LedgerError BAD_ARGUMENT when a requested subtree is not complete yet
   */
  async completeNodes(level: number, start: number, count: number): Promise<Bytes[]> {
    if (!Number.isSafeInteger(level) || level < 0 || level > 63 || !Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 0) {
      throw new LedgerError('BAD_ARGUMENT', 'level, start and count must be non-negative integers (level at most 63)', {});
    }
    if ((start + count) * 2 ** level > this.committedSize) {
      throw new LedgerError('BAD_ARGUMENT', `subtrees ${start}..${start + count - 1} at level ${level} are not complete in a log of ${this.committedSize}`, { level, start, count, logSize: this.committedSize });
    }
    const nodes: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) nodes.push([level, start + i]);
    return this.readNodes(nodes);
  }

  private checkSize(size: number, what: string): void {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new LedgerError('BAD_ARGUMENT', `${what} must be a non-negative integer`, { [what]: String(size) });
    }
    if (size > this.committedSize) {
      throw new LedgerError('BAD_ARGUMENT', `${what} ${size} is beyond the log's size ${this.committedSize}`, { [what]: size, logSize: this.committedSize });
    }
  }

  private checkIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new LedgerError('BAD_ARGUMENT', `leaf index ${String(index)} is not below the tree size ${size}`, { index: String(index), size });
    }
  }

  /** The hashes of several subtrees, with one batched read of all their complete nodes. */
  private async rangeHashes(ranges: Range[]): Promise<Bytes[]> {
    const perRange = ranges.map(rangeNodes);
    const unique = new Map<string, [number, number]>();
    for (const nodes of perRange) for (const n of nodes) unique.set(`${n[0]}:${n[1]}`, n);
    const list = [...unique.values()];
    const hashes = await this.readNodes(list);
    const byId = new Map<string, Bytes>();
    list.forEach((n, i) => byId.set(`${n[0]}:${n[1]}`, hashes[i]!));
    return perRange.map((nodes) => foldRight(nodes.map((n) => byId.get(`${n[0]}:${n[1]}`)!)));
  }

  private async readNodes(nodes: Array<[number, number]>): Promise<Bytes[]> {
    if (nodes.length === 0) return [];
    const values = await this.db.getMany(nodes.map(([l, i]) => nodeKey(l, i)));
    return values.map((v, i) => {
      if (v === undefined || v.length !== HASH_SIZE) {
        const [l, idx] = nodes[i]!;
        throw new LedgerError('STORE_FORMAT', `merkle log node (level ${l}, index ${idx}) is missing or damaged`, { level: l, index: idx });
      }
      return v;
    });
  }
}
