/** C2SP tlog-tiles paths and widths, from the spec's own examples (c2sp.org/tlog-tiles). */
import { describe, expect, it } from 'vitest';
import { encodeTileIndex, parseTilePath, tilePath, tileWidthAt } from '../../api/tile-path.js';
import { specTileIndex } from '../helpers/tlog-client.js';

describe('tile paths', () => {
  it('encode the index in x-prefixed 3-digit elements (spec: 1234067 is x001/x234/067)', () => {
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(67)).toBe('067');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(tilePath({ level: 'entries', index: 1000, width: 8 })).toBe('tile/entries/x001/000.p/8');
    for (const n of [0, 1, 999, 1000, 65535, 1234067, 2 ** 40]) expect(encodeTileIndex(n)).toBe(specTileIndex(n));
  });

  it('parse exactly the paths the spec allows', () => {
    expect(parseTilePath('0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('1/000.p/17')).toEqual({ level: 1, index: 0, width: 17 });
    expect(parseTilePath('entries/x001/000.p/8')).toEqual({ level: 'entries', index: 1000, width: 8 });
    expect(parseTilePath('63/000')).toEqual({ level: 63, index: 0, width: 256 });
    for (const bad of ['64/000', '00/000', '01/000', '0/1', '0/0000', '0/001/002', '0/x001', '0/000.p/0', '0/000.p/256', '0/000.p/017', '0/x000/001', 'entry/000', '0/', '0/000.p', '0/000/.p/5', '-1/000']) {
      expect(parseTilePath(bad), bad).toBeUndefined();
    }
  });

  it('give the widths of the spec example: a tree of 70,000 entries', () => {
    // 273 full level-0 tiles, one partial of width 112, one full level-1 tile, a partial of 17, a partial level-2 tile of 1
    expect(tileWidthAt(0, 272, 70_000)).toBe(256);
    expect(tileWidthAt(0, 273, 70_000)).toBe(112);
    expect(tileWidthAt(0, 274, 70_000)).toBe(0);
    expect(tileWidthAt(1, 0, 70_000)).toBe(256);
    expect(tileWidthAt(1, 1, 70_000)).toBe(17);
    expect(tileWidthAt(2, 0, 70_000)).toBe(1);
    expect(tileWidthAt(3, 0, 70_000)).toBe(0);
    // a tree of 256: one full level-0 tile and a partial level-1 tile of width 1
    expect(tileWidthAt(0, 0, 256)).toBe(256);
    expect(tileWidthAt(1, 0, 256)).toBe(1);
  });
});
