/**
 * @module ledger/merkle-log
 * The channel's RFC 9162 Merkle log, persisted in LevelDB (DESIGN.md section 7: "stored so that
 * any proof against any past size is produced with O(log n) reads, never rereading the events").
 *
 * Storage (format 2): the hash of every *complete* subtree. Node (l, i) covers the leaves
 * [i * 2^l, (i + 1) * 2^l); level 0 holds the leaf hashes. The nodes are grouped into tiles of 8
 * levels, one LevelDB value per tile (ledger/merkle-tile.ts, the layout of C2SP tlog-tiles). A
 * complete subtree never changes once written, so a node written for size n serves every later
 * size too. Any RFC subtree [start, start + size) that appears in a proof is the concatenation of
 * at most log2(size) + 1 complete nodes (the binary digits of its size), so a root, an inclusion
 * proof or a consistency proof for any past size is one batched read of O(log n) tiles.
 *
 * Appends are staged: a MerkleStage keeps the tiles at the right edge of the tree in memory (one
 * per tile level: they hold the "frontier", the perfect subtrees of the current size), hashes each
 * new node into its tile in place, and hands back the touched tiles as batch operations, so that
 * the consensus node commits them in the same atomic LevelDB batch as its block (DESIGN.md
 * section 8). Until `commit` is called after that batch, the log is unchanged.
 *
 * Format 1 (one value per node, issue 28 measured it at a third of Tessera's append rate) is
 * migrated in place when opened: see MerkleLog.open.
 */
import type { AbstractSublevel } from 'abstract-level';
import { LedgerError } from '../errors/ledger-error.js';
import { bytesEqual, putSafeU64be, readSafeU64be } from './bytes.js';
import { clearFormat1Nodes, format1Leaves, format1Root, type Format1Store } from './merkle-log-v1.js';
import { consistencyRanges, inclusionRanges, type Range } from './merkle.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash, nodeHashInto } from './merkle-hash.js';
import { packTile, ROW_START, storedTileNode, storedTileWidth, TILE_BYTES, TILE_HEIGHT, TILE_WIDTH, tileKey, tileSlot, unpackTile } from './merkle-tile.js';

/** Version of this folder's layout: 2 = tiles. A store of version 1 is migrated; any other is refused. */
export const MERKLE_LOG_FORMAT = 2;

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

function u64(n: number): Bytes {
  const b = new Uint8Array(8);
  putSafeU64be(b, 0, n);
  return b;
}

function readU64(b: Bytes): number {
  const v = b.length === 8 ? readSafeU64be(b, 0) : undefined;
  if (v === undefined) throw new LedgerError('STORE_FORMAT', 'merkle log size is damaged or beyond 2^53', {});
  return v;
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

/**
 * The tile being filled at the right edge of one tile level, at fixed row offsets (ROW_START).
 * Every node of the frontier lies in one of these (a frontier node at level l is the left one of
 * an incomplete pair, so its row, and its tile, are still being filled).
 */
interface EdgeTile {
  index: number;
  /** complete nodes in the bottom row; row r holds floor(width / 2^r) */
  width: number;
  hashes: Bytes;
  /** written to by the stage that holds it (so its writes include it) */
  dirty: boolean;
}

const copyEdges = (edges: Array<EdgeTile | undefined>): Array<EdgeTile | undefined> =>
  edges.map((e) => (e === undefined ? undefined : { index: e.index, width: e.width, hashes: e.hashes.slice(), dirty: false }));

/** The root of the tree of `size` leaves whose right-edge tiles are `edges`. */
function edgeRoot(size: number, edges: Array<EdgeTile | undefined>): Bytes {
  if (size === 0) return EMPTY_ROOT;
  const hashes = rangeNodes({ start: 0, size }).map(([level, index]) => {
    const slot = tileSlot(level, index);
    const e = edges[slot.tileLevel];
    if (e === undefined || e.index !== slot.tileIndex || slot.position >= Math.floor(e.width / 2 ** slot.row)) {
      throw new LedgerError('INTERNAL', `merkle log frontier node (level ${level}, index ${index}) is not in its edge tile`, { level, index });
    }
    const at = (ROW_START[slot.row]! + slot.position) * HASH_SIZE;
    return e.hashes.subarray(at, at + HASH_SIZE);
  });
  return foldRight(hashes);
}

/**
 * Appends staged in memory over a base (the committed log, or an earlier stage that is not yet
 * committed: the node cuts block h+1 while block h awaits its commit).
 */
export class MerkleStage {
  readonly baseSize: number;
  private currentSize: number;
  /** the right-edge tile of each tile level (index = tile level) */
  private readonly edges: Array<EdgeTile | undefined>;
  /** tiles this stage filled and left behind, to write */
  private readonly finished: Array<{ tileLevel: number; index: number; hashes: Bytes }> = [];

  /** @internal use MerkleLog.stage() or MerkleStage.fork() */
  constructor(
    private readonly log: MerkleLog,
    baseSize: number,
    edges: Array<EdgeTile | undefined>,
  ) {
    this.baseSize = baseSize;
    this.currentSize = baseSize;
    this.edges = copyEdges(edges);
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
    let tileLevel = 0;
    let tile = this.edgeTile(0, Math.floor(index / TILE_WIDTH));
    let row = 0;
    let position = index % TILE_WIDTH;
    tile.hashes.set(leafHashValue, position * HASH_SIZE);
    tile.width = position + 1;
    this.currentSize = index + 1;
    // Node i of a row just completed; when i is odd its left sibling, beside it in the same row,
    // is complete too, and so is their parent (RFC 9162 section 2.1.1: MTH = HASH(0x01 || left || right)).
    let i = index;
    while (i % 2 === 1) {
      const pair = (ROW_START[row]! + position - 1) * HASH_SIZE;
      const parent = (i - 1) / 2;
      if (row + 1 < TILE_HEIGHT) {
        row++;
        position = (position - 1) / 2;
        nodeHashInto(tile.hashes, pair, tile.hashes, (ROW_START[row]! + position) * HASH_SIZE);
      } else {
        // the tile's top pair: their parent opens the next tile level's bottom row
        tileLevel++;
        const upper = this.edgeTile(tileLevel, Math.floor(parent / TILE_WIDTH));
        row = 0;
        position = parent % TILE_WIDTH;
        nodeHashInto(tile.hashes, pair, upper.hashes, position * HASH_SIZE);
        upper.width = position + 1;
        tile = upper;
      }
      i = parent;
    }
    return index;
  }

  /** The edge tile of `tileLevel` that is tile `index`, starting it when the previous one is full. */
  private edgeTile(tileLevel: number, index: number): EdgeTile {
    let e = this.edges[tileLevel];
    if (e === undefined || e.index !== index) {
      if (e === undefined ? index !== 0 : index !== e.index + 1 || e.width !== TILE_WIDTH) {
        throw new LedgerError('INTERNAL', `merkle log tile (${tileLevel}, ${index}) does not follow the edge`, { tileLevel, index });
      }
      if (e !== undefined && e.dirty) this.finished.push({ tileLevel, index: e.index, hashes: e.hashes });
      e = { index, width: 0, hashes: new Uint8Array(TILE_BYTES), dirty: true };
      this.edges[tileLevel] = e;
    }
    e.dirty = true;
    return e;
  }

  /** The tree head after the staged appends. */
  root(): Bytes {
    return edgeRoot(this.currentSize, this.edges);
  }

  /** The writes that make these appends durable (to commit in one batch with the block). */
  writes(): MerkleBatchOp[] {
    const ops = this.tileWrites();
    ops.push({ type: 'put', sublevel: this.log.db, key: KEY_SIZE, value: u64(this.currentSize) });
    return ops;
  }

  /** @internal the tiles this stage wrote to, without the size (the migration from format 1 writes the size last) */
  tileWrites(): MerkleBatchOp[] {
    const db = this.log.db;
    const ops: MerkleBatchOp[] = this.finished.map((t) => ({ type: 'put', sublevel: db, key: tileKey(t.tileLevel, t.index), value: t.hashes }));
    this.edges.forEach((e, tileLevel) => {
      if (e !== undefined && e.dirty) ops.push({ type: 'put', sublevel: db, key: tileKey(tileLevel, e.index), value: packTile(e.hashes, e.width) });
    });
    return ops;
  }

  /** A new stage that continues from this one (for the next block, before this one commits). */
  fork(): MerkleStage {
    return new MerkleStage(this.log, this.currentSize, this.edges);
  }

  /** @internal */
  edgesCopy(): Array<EdgeTile | undefined> {
    return copyEdges(this.edges);
  }
}

/** The persistent log. Open with `MerkleLog.open(db)`; one instance per store. */
export class MerkleLog {
  private committedSize = 0;
  private edges: Array<EdgeTile | undefined> = [];

  private constructor(readonly db: BinaryLevel) {}

  /**
   * Opens (or initialises) the log in `db`, which must use binary ('view') keys and values. A
   * format 1 store (one value per node) is migrated to tiles first: its leaves are appended to
   * fresh tiles, the root is checked against the one its nodes give, and only then is format 2
   * recorded and the old nodes deleted (a crash before that leaves format 1, migrated again at the
   * next open). This reads every leaf once: seconds for a million.
   * @throws LedgerError STORE_FORMAT for a store of another format version or a damaged one
   */
  static async open(db: BinaryLevel): Promise<MerkleLog> {
    const [format, sizeValue] = await db.getMany([KEY_FORMAT, KEY_SIZE]);
    if (format === undefined) {
      if (sizeValue !== undefined) throw new LedgerError('STORE_FORMAT', 'merkle log has a size but no format version: the store is damaged', {});
      await db.put(KEY_FORMAT, Uint8Array.of(0, 0, 0, MERKLE_LOG_FORMAT));
    } else {
      const version = format.length === 4 ? ((format[0]! << 24) | (format[1]! << 16) | (format[2]! << 8) | format[3]!) >>> 0 : -1;
      if (version === 1) await MerkleLog.migrateFormat1(db, sizeValue === undefined ? 0 : readU64(sizeValue));
      // a migration that stopped after recording format 2 left old nodes behind: clear them (a seek when there are none)
      else if (version === MERKLE_LOG_FORMAT) await clearFormat1Nodes(db as unknown as Format1Store);
      else {
        throw new LedgerError('STORE_FORMAT', `merkle log format version ${version} is not supported (this build reads version ${MERKLE_LOG_FORMAT}, and migrates version 1)`, {
          found: version,
          supported: MERKLE_LOG_FORMAT,
        });
      }
    }
    const log = new MerkleLog(db);
    await log.load(sizeValue === undefined ? 0 : readU64(sizeValue));
    return log;
  }

  private static async migrateFormat1(db: BinaryLevel, size: number): Promise<void> {
    const old = db as unknown as Format1Store;
    if (size > 0) {
      const expected = await format1Root(old, size);
      const log = new MerkleLog(db);
      for await (const leaves of format1Leaves(old, size)) {
        const stage = log.stage();
        for (const leaf of leaves) stage.append(leaf);
        await db.batch(stage.tileWrites() as never);
        log.commit(stage);
      }
      if (!bytesEqual(log.root(), expected)) {
        throw new LedgerError('STORE_FORMAT', 'merkle log (format 1) leaves do not give the root its nodes give: the store is damaged', {});
      }
    }
    await db.put(KEY_FORMAT, Uint8Array.of(0, 0, 0, MERKLE_LOG_FORMAT));
    await clearFormat1Nodes(old);
  }

  /** Reads the edge tiles of a log of `size` leaves. */
  private async load(size: number): Promise<void> {
    const wanted: Array<{ index: number; width: number }> = [];
    for (let tileLevel = 0; ; tileLevel++) {
      const count = Math.floor(size / 2 ** (TILE_HEIGHT * tileLevel)); // complete nodes at level 8 * tileLevel
      if (count === 0) break;
      const index = Math.floor((count - 1) / TILE_WIDTH);
      wanted.push({ index, width: count - index * TILE_WIDTH });
    }
    const values = wanted.length === 0 ? [] : await this.db.getMany(wanted.map((w, tileLevel) => tileKey(tileLevel, w.index)));
    this.edges = wanted.map((w, tileLevel) => {
      const v = values[tileLevel];
      if (v === undefined || storedTileWidth(v) !== w.width) {
        throw new LedgerError('STORE_FORMAT', `merkle log tile (${tileLevel}, ${w.index}) is missing or damaged`, { tileLevel, index: w.index });
      }
      return { index: w.index, width: w.width, hashes: unpackTile(v, w.width), dirty: false };
    });
    this.committedSize = size;
  }

  /** The committed size. */
  get size(): number {
    return this.committedSize;
  }

  /** A stage over the committed log. */
  stage(): MerkleStage {
    return new MerkleStage(this, this.committedSize, this.edges);
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
    this.edges = stage.edgesCopy();
  }

  /** The committed root (from memory, no read). */
  root(): Bytes {
    return edgeRoot(this.committedSize, this.edges);
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

  /** The hashes of complete nodes, with one batched read of the tiles holding them. */
  private async readNodes(nodes: Array<[number, number]>): Promise<Bytes[]> {
    if (nodes.length === 0) return [];
    const slots = nodes.map(([l, i]) => tileSlot(l, i));
    const tileOf = new Map<string, number>();
    const keys: Bytes[] = [];
    const which = slots.map((s) => {
      const id = `${s.tileLevel}:${s.tileIndex}`;
      let k = tileOf.get(id);
      if (k === undefined) {
        k = keys.length;
        tileOf.set(id, k);
        keys.push(tileKey(s.tileLevel, s.tileIndex));
      }
      return k;
    });
    const values = await this.db.getMany(keys);
    return slots.map((s, n) => {
      const v = values[which[n]!];
      const hash = v === undefined ? undefined : storedTileNode(v, s.row, s.position);
      if (hash === undefined) {
        const [level, index] = nodes[n]!;
        throw new LedgerError('STORE_FORMAT', `merkle log node (level ${level}, index ${index}) is missing or damaged (tile ${s.tileLevel}/${s.tileIndex})`, { level, index });
      }
      return hash.slice(); // a copy: the caller keeps 32 bytes, not the whole tile
    });
  }
}
