/**
 * @module api/tile-path
 * C2SP tlog-tiles paths, pure: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where N is
 * written in zero-padded 3-digit path elements, all but the last prefixed with `x` (index 1234067
 * is `x001/x234/067`), L is 0..63 and W 1..255, both without leading zeros.
 */

export const TILE_WIDTH = 256;
/** Tree levels per tile level: a tile at level L holds the hashes of level-8L subtrees. */
export const TILE_HEIGHT = 8;

export interface TileRef {
  /** 'entries' for an entry bundle, else the tile level 0..63. */
  level: number | 'entries';
  index: number;
  /** 256 for a full tile, else the partial width 1..255. */
  width: number;
}

/** N as path elements: `x001/x234/067`. */
export function encodeTileIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('a tile index is a non-negative safe integer');
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The path of a tile or entry bundle, without a leading slash (`tile/0/x001/x234/067.p/8`). */
export function tilePath(t: TileRef): string {
  const suffix = t.width === TILE_WIDTH ? '' : `.p/${t.width}`;
  return `tile/${t.level}/${encodeTileIndex(t.index)}${suffix}`;
}

/**
 * Parses the part of a tile path after `tile/` (`0/x001/x234/067.p/8`, `entries/000`); undefined
 * for anything the spec does not allow (leading zeros in L or W, a missing `x`, groups that are
 * not three digits, a level over 63, a width of 0 or over 255).
 */
export function parseTilePath(rest: string): TileRef | undefined {
  const parts = rest.split('/');
  if (parts.length < 2) return undefined;
  const levelText = parts[0]!;
  let level: number | 'entries';
  if (levelText === 'entries') level = 'entries';
  else if (/^(0|[1-9]\d?)$/.test(levelText) && Number(levelText) <= 63) level = Number(levelText);
  else return undefined;
  let elems = parts.slice(1);
  let width = TILE_WIDTH;
  // a partial tile: the last element is `.p` suffix's width, the one before ends in `.p`
  if (elems.length >= 2 && elems[elems.length - 2]!.endsWith('.p')) {
    const w = elems[elems.length - 1]!;
    if (!/^[1-9]\d{0,2}$/.test(w) || Number(w) > 255) return undefined;
    width = Number(w);
    elems = [...elems.slice(0, -2), elems[elems.length - 2]!.slice(0, -2)];
  }
  if (elems.length === 0 || elems.length > 6) return undefined;
  let index = 0;
  for (let i = 0; i < elems.length; i++) {
    const e = elems[i]!;
    const last = i === elems.length - 1;
    const m = last ? /^(\d{3})$/.exec(e) : /^x(\d{3})$/.exec(e);
    if (!m) return undefined;
    index = index * 1000 + Number(m[1]);
  }
  // one encoding per index: no leading `x000` groups
  if (elems.length > 1 && elems[0] === 'x000') return undefined;
  if (!Number.isSafeInteger(index)) return undefined;
  return { level, index, width };
}

/**
 * The width of tile (level, index) in a tree of `size` leaves: 256 when full, the partial width
 * when it is the rightmost partial tile, 0 when it does not exist (C2SP tlog-tiles: the partial tile
 * at level l has floor(size / 256^l) mod 256 entries). Entry bundles count as level 0.
 */
export function tileWidthAt(level: number, index: number, size: number): number {
  const hashesAtLevel = Math.floor(size / TILE_WIDTH ** level);
  const start = index * TILE_WIDTH;
  if (hashesAtLevel >= start + TILE_WIDTH) return TILE_WIDTH;
  if (hashesAtLevel > start) return hashesAtLevel - start;
  return 0;
}
