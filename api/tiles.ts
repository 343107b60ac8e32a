/**
 * @module api/tiles
 * C2SP tlog-tiles served from the stored Merkle log (ledger/merkle-log.ts stores every complete
 * subtree): the hash i of tile (L, N) is the complete subtree at tree level 8L, index 256N + i;
 * entry bundles hold the log's entries, the event ids, each as a big-endian u16 length (32) and
 * the id. A tile or bundle is served at widths the log's size allows (full once complete; a partial
 * width W when at least W of its hashes exist: complete subtrees never change, so a partial tile
 * of any size the log has passed is still exact).
 */
import { LedgerError } from '../errors/ledger-error.js';
import { eventId } from '../ledger/hash.js';
import type { ApiContext } from './context.js';
import { TILE_HEIGHT, TILE_WIDTH, tileWidthAt, type TileRef } from './tile-path.js';

/** The bytes of a tile (concatenated 32-byte hashes) or an entry bundle. NOT_FOUND when the log is not that large. */
export async function tileBytes(ctx: ApiContext, ref: TileRef): Promise<Uint8Array> {
  const size = ctx.merkle.size;
  const level = ref.level === 'entries' ? 0 : ref.level;
  const available = tileWidthAt(level, ref.index, size);
  if (available === 0 || available < ref.width) {
    throw new LedgerError('NOT_FOUND', `tile ${ref.level}/${ref.index} of width ${ref.width} does not exist in a log of ${size} entries`, { logSize: size });
  }
  const start = ref.index * TILE_WIDTH;
  if (ref.level !== 'entries') {
    const hashes = await ctx.merkle.completeNodes(TILE_HEIGHT * ref.level, start, ref.width);
    const out = new Uint8Array(32 * hashes.length);
    hashes.forEach((h, i) => out.set(h, 32 * i));
    return out;
  }
  return entryBundle(ctx, start, ref.width);
}

/** Entries [start, start + count) (event ids, by log position), u16-length-prefixed. */
async function entryBundle(ctx: ApiContext, start: number, count: number): Promise<Uint8Array> {
  const out = new Uint8Array(34 * count);
  let filled = 0;
  // Log positions are in block order: find the block holding `start`, then walk forward.
  let height = await blockHolding(ctx, BigInt(start));
  while (filled < count) {
    const block = await ctx.blocks.block(height);
    if (block === undefined) throw new LedgerError('INTERNAL', `block ${height} is missing while reading entries`, {});
    const first = block.header!.logSize - BigInt(block.events.length);
    for (let i = 0; i < block.events.length && filled < count; i++) {
      const position = first + BigInt(i);
      if (position < BigInt(start + filled)) continue;
      out[34 * filled] = 0;
      out[34 * filled + 1] = 32;
      out.set(eventId(block.events[i]!.event!.body), 34 * filled + 2);
      filled++;
    }
    height++;
  }
  return out;
}

/** The height of the block whose events include log position `position` (binary search on log sizes). */
async function blockHolding(ctx: ApiContext, position: bigint): Promise<bigint> {
  let lo = 1n;
  let hi = ctx.blocks.head.height;
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    const h = await ctx.blocks.header(mid);
    if (h === undefined) throw new LedgerError('INTERNAL', `header ${mid} is missing`, {});
    if (h.logSize > position) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}
