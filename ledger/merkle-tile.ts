/**
 * @module ledger/merkle-tile
 * How the persistent Merkle log (format 2, ledger/merkle-log.ts) groups its complete subtrees into
 * tiles, as C2SP tlog-tiles and Tessera do: tile (L, N) holds the complete nodes of tree levels
 * 8L to 8L + 7 below the level-(8L + 8) node N, i.e. the rows of 256, 128, ..., 2 nodes of a
 * perfect subtree of height 8, bottom row first. One LevelDB value per tile instead of one per
 * node: a block of 1,000 leaves writes about 5 tiles instead of about 2,000 nodes, and a proof
 * still reads O(log n) values (at most a few tiles per tile level).
 *
 * Value of a tile whose bottom row holds `w` complete nodes (1 <= w <= 256): row r (0..7) holds
 * floor(w / 2^r) hashes, the rows concatenated, bottom first, 32 bytes each; a full tile (w = 256)
 * is 510 hashes. `w` follows from the value's length (the count is strictly increasing in w).
 * In memory the log keeps a tile at fixed row offsets (ROW_START) so that nodes are written in place.
 * Pure: no Node imports.
 */
import { putSafeU64be } from './bytes.js';
import { HASH_SIZE } from './merkle-hash.js';

/** Tree levels per tile (C2SP tlog-tiles' tile height). */
export const TILE_HEIGHT = 8;
/** Nodes in a full tile's bottom row. */
export const TILE_WIDTH = 256;
/** Hashes in a full tile: rows of 256, 128, ..., 2. */
export const TILE_HASHES = 510;
/** Bytes of a full tile. */
export const TILE_BYTES = TILE_HASHES * HASH_SIZE;

/** Nodes a full row r holds: 2^(8 - r). */
export const ROW_WIDTH: readonly number[] = Array.from({ length: TILE_HEIGHT }, (_, r) => TILE_WIDTH / 2 ** r);
/** Where row r starts in a full tile, in hashes: 0, 256, 384, ..., 508. */
export const ROW_START: readonly number[] = Array.from({ length: TILE_HEIGHT }, (_, r) => 2 * TILE_WIDTH - 2 ** (TILE_HEIGHT + 1 - r));

/** The key of tile (L, N) in the log's sublevel: 'T' || u8 L || u64be N. */
export const TILE_KEY_PREFIX = 0x54; // 'T'

/** Where a node lives: tile (level, index), row and position in the row. */
export interface TileSlot {
  tileLevel: number;
  tileIndex: number;
  row: number;
  position: number;
}

/** The tile slot of the complete node (level, index) (node (l, i) covers leaves [i * 2^l, (i + 1) * 2^l)). */
export function tileSlot(level: number, index: number): TileSlot {
  const row = level % TILE_HEIGHT;
  const width = ROW_WIDTH[row]!;
  const tileIndex = Math.floor(index / width); // indexes go beyond 2^32: no bitwise operators
  return { tileLevel: (level - row) / TILE_HEIGHT, tileIndex, row, position: index - tileIndex * width };
}

/** A key `prefix || u8 level || u64be index` (tiles here; nodes in format 1). Requires index < 2^53. */
export function levelIndexKey(prefix: number, level: number, index: number): Uint8Array {
  const k = new Uint8Array(10);
  k[0] = prefix;
  k[1] = level;
  putSafeU64be(k, 2, index);
  return k;
}

/** The key of tile (tileLevel, tileIndex). */
export const tileKey = (tileLevel: number, tileIndex: number): Uint8Array => levelIndexKey(TILE_KEY_PREFIX, tileLevel, tileIndex);

/** The number of hashes in a tile whose bottom row holds `width` nodes. */
export function tileHashCount(width: number): number {
  let n = 0;
  for (let r = 0; r < TILE_HEIGHT; r++) n += Math.floor(width / 2 ** r);
  return n;
}

/** bottom-row width by hash count (0 where no width gives that count) */
const WIDTH_BY_COUNT: Uint16Array = (() => {
  const t = new Uint16Array(TILE_HASHES + 1);
  for (let w = 1; w <= TILE_WIDTH; w++) t[tileHashCount(w)] = w;
  return t;
})();

/** The bottom-row width of a stored tile value, or 0 when no tile is that long (a damaged value). */
export function storedTileWidth(value: Uint8Array): number {
  if (value.length === 0 || value.length % HASH_SIZE !== 0 || value.length > TILE_BYTES) return 0;
  return WIDTH_BY_COUNT[value.length / HASH_SIZE]!;
}

/**
 * The stored value of a tile kept at fixed row offsets (`fixed`, TILE_BYTES long) with `width`
 * bottom-row nodes. A full tile is `fixed` itself (not copied: the caller no longer changes it
 * once full); a partial one is a packed copy.
 */
export function packTile(fixed: Uint8Array, width: number): Uint8Array {
  if (width === TILE_WIDTH) return fixed;
  const out = new Uint8Array(tileHashCount(width) * HASH_SIZE);
  let at = 0;
  for (let r = 0; r < TILE_HEIGHT; r++) {
    const n = Math.floor(width / 2 ** r) * HASH_SIZE;
    const from = ROW_START[r]! * HASH_SIZE;
    out.set(fixed.subarray(from, from + n), at);
    at += n;
  }
  return out;
}

/** A stored tile value laid out at fixed row offsets (a new TILE_BYTES buffer). Requires storedTileWidth(value) = width > 0. */
export function unpackTile(value: Uint8Array, width: number): Uint8Array {
  const fixed = new Uint8Array(TILE_BYTES);
  let at = 0;
  for (let r = 0; r < TILE_HEIGHT; r++) {
    const n = Math.floor(width / 2 ** r) * HASH_SIZE;
    fixed.set(value.subarray(at, at + n), ROW_START[r]! * HASH_SIZE);
    at += n;
  }
  return fixed;
}

/**
 * The hash at (row, position) of a stored tile value (a view into it), or undefined when the tile
 * does not hold that node (too narrow, or a damaged value).
 */
export function storedTileNode(value: Uint8Array, row: number, position: number): Uint8Array | undefined {
  const width = storedTileWidth(value);
  if (width === 0 || position >= Math.floor(width / 2 ** row)) return undefined;
  let at = position;
  for (let r = 0; r < row; r++) at += Math.floor(width / 2 ** r);
  return value.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE);
}
