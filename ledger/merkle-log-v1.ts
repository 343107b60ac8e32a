/**
 * @module ledger/merkle-log-v1
 * The Merkle log's format 1 layout, kept only to migrate such a store to format 2 (issue 28):
 * one value per complete node, key 'N' || u8 level || u64be index, value its 32-byte hash; 'S'
 * holds the size as u64be (the same key and meaning in format 2). ledger/merkle-log.ts reads the
 * leaf hashes from here, appends them to fresh tiles, checks that the root is unchanged, and only
 * then records format 2 and clears these keys.
 */
import { LedgerError } from '../errors/ledger-error.js';
import { readSafeU64be } from './bytes.js';
import { HASH_SIZE, nodeHash } from './merkle-hash.js';
import { levelIndexKey } from './merkle-tile.js';

type Bytes = Uint8Array;

/** The part of an abstract-level sublevel that the migration uses. */
export interface Format1Store {
  getMany(keys: Bytes[]): Promise<Array<Bytes | undefined>>;
  iterator(options: { gte: Bytes; lt: Bytes }): { nextv(size: number): Promise<Array<[Bytes, Bytes]>>; close(): Promise<void> };
  clear(options: { gte: Bytes; lt: Bytes }): Promise<void>;
}

const NODE_PREFIX = 0x4e; // 'N'

/** The format 1 key of node (level, index). */
export const format1NodeKey = (level: number, index: number): Bytes => levelIndexKey(NODE_PREFIX, level, index);

/** The complete nodes of the tree [0, size), largest first (the binary digits of size). */
function prefixNodes(size: number): Array<[level: number, index: number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const k = 2 ** level;
    if (size - start >= k) {
      out.push([level, start / k]);
      start += k;
    }
  }
  return out;
}

/**
 * The root of a format 1 log of `size` leaves, from its stored nodes (what the migrated log must
 * reproduce). Requires size >= 1.
 * @throws LedgerError STORE_FORMAT when a node is missing or damaged
 */
export async function format1Root(db: Format1Store, size: number): Promise<Bytes> {
  const nodes = prefixNodes(size);
  const values = await db.getMany(nodes.map(([l, i]) => format1NodeKey(l, i)));
  const hashes = values.map((v, i) => {
    if (v === undefined || v.length !== HASH_SIZE) {
      const [level, index] = nodes[i]!;
      throw new LedgerError('STORE_FORMAT', `merkle log (format 1) node (level ${level}, index ${index}) is missing or damaged`, { level, index });
    }
    return v;
  });
  let h = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return h;
}

/**
 * The leaf hashes [0, size) of a format 1 log, in order, `chunk` at a time.
 * @throws LedgerError STORE_FORMAT when a leaf is missing or damaged
 */
export async function* format1Leaves(db: Format1Store, size: number, chunk = 4096): AsyncGenerator<Bytes[]> {
  const it = db.iterator({ gte: format1NodeKey(0, 0), lt: format1NodeKey(0, size) });
  try {
    let next = 0;
    while (next < size) {
      const entries = await it.nextv(Math.min(chunk, size - next));
      if (entries.length === 0) break;
      const leaves: Bytes[] = [];
      for (const [key, value] of entries) {
        if (key.length !== 10 || readSafeU64be(key, 2) !== next || value.length !== HASH_SIZE) break;
        leaves.push(value);
        next++;
      }
      if (leaves.length !== entries.length) break;
      yield leaves;
    }
    if (next !== size) throw new LedgerError('STORE_FORMAT', `merkle log (format 1) leaf ${next} is missing or damaged`, { index: next });
  } finally {
    await it.close();
  }
}

/** Deletes every format 1 node (after the migration recorded format 2). */
export async function clearFormat1Nodes(db: Format1Store): Promise<void> {
  await db.clear({ gte: Uint8Array.of(NODE_PREFIX), lt: Uint8Array.of(NODE_PREFIX + 1) });
}
