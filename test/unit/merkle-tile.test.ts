import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../ledger/bytes.js';
import { leafHash } from '../../ledger/merkle-hash.js';
import { packTile, ROW_START, storedTileNode, storedTileWidth, TILE_BYTES, TILE_HASHES, tileHashCount, tileKey, tileSlot, unpackTile } from '../../ledger/merkle-tile.js';

/** A tile at fixed row offsets whose node (row, position) is leafHash(row, position). */
function fixedTile(width: number): Uint8Array {
  const fixed = new Uint8Array(TILE_BYTES);
  for (let r = 0; r < 8; r++) for (let p = 0; p < Math.floor(width / 2 ** r); p++) fixed.set(leafHash(Uint8Array.of(r, p)), (ROW_START[r]! + p) * 32);
  return fixed;
}

describe('Merkle log tiles (format 2 layout)', () => {
  it('rows of 256, 128, ..., 2 at fixed offsets; a full tile is 510 hashes', () => {
    expect(ROW_START).toEqual([0, 256, 384, 448, 480, 496, 504, 508]);
    expect(tileHashCount(256)).toBe(TILE_HASHES);
    expect(TILE_HASHES).toBe(510);
  });

  it('every width packs, is recognised from its length alone, unpacks, and serves exactly its complete nodes', () => {
    for (let w = 1; w <= 256; w++) {
      const fixed = fixedTile(w);
      const packed = packTile(fixed, w);
      expect(packed.length, `width ${w}`).toBe(tileHashCount(w) * 32);
      expect(storedTileWidth(packed), `width ${w}`).toBe(w);
      expect(bytesEqual(unpackTile(packed, w), fixed), `width ${w} unpacks to its fixed layout`).toBe(true);
      for (let r = 0; r < 8; r++) {
        const n = Math.floor(w / 2 ** r);
        if (n > 0) expect(storedTileNode(packed, r, n - 1), `width ${w} row ${r}`).toEqual(leafHash(Uint8Array.of(r, n - 1)));
        expect(storedTileNode(packed, r, n), `width ${w} row ${r} beyond`).toBeUndefined();
      }
    }
  });

  it('a value of no tile length is damaged (width 0)', () => {
    for (const len of [0, 31, 33, 32 * 2, TILE_BYTES + 32]) expect(storedTileWidth(new Uint8Array(len)), `length ${len}`).toBe(0);
    expect(storedTileNode(new Uint8Array(33), 0, 0)).toBeUndefined();
  });

  it('places node (level, index) in tile (level div 8, index div 2^(8 - level mod 8)), beyond 2^32 too', () => {
    expect(tileSlot(0, 255)).toEqual({ tileLevel: 0, tileIndex: 0, row: 0, position: 255 });
    expect(tileSlot(0, 256)).toEqual({ tileLevel: 0, tileIndex: 1, row: 0, position: 0 });
    expect(tileSlot(7, 3)).toEqual({ tileLevel: 0, tileIndex: 1, row: 7, position: 1 });
    expect(tileSlot(8, 300)).toEqual({ tileLevel: 1, tileIndex: 1, row: 0, position: 44 });
    expect(tileSlot(3, 2 ** 40 + 5)).toEqual({ tileLevel: 0, tileIndex: 2 ** 35, row: 3, position: 5 });
    expect(Array.from(tileKey(2, 2 ** 40 + 1))).toEqual([0x54, 2, 0, 0, 1, 0, 0, 0, 0, 1]);
  });
});
