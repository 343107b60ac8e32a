import fc from 'fast-check';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { MerkleLog, type BinaryLevel } from '../../ledger/merkle-log.js';
import { format1NodeKey } from '../../ledger/merkle-log-v1.js';
import { tileKey } from '../../ledger/merkle-tile.js';
import { consistencyProof, inclusionProof, leafHash, nodeHash, rootHash, verifyConsistency, verifyInclusion } from '../../ledger/merkle.js';
import { tempDir } from '../helpers/temp.js';

type Db = Level<Uint8Array, Uint8Array>;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function openStore(path?: string): Promise<{ db: Db; merkle: BinaryLevel; path: string }> {
  let dir = path;
  if (dir === undefined) {
    const t = tempDir('merkle');
    cleanups.push(t.remove);
    dir = t.path;
  }
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  cleanups.push(() => (db.status === 'open' ? db.close() : undefined));
  const merkle = db.sublevel<Uint8Array, Uint8Array>('merkle', { keyEncoding: 'view', valueEncoding: 'view' });
  return { db, merkle, path: dir };
}

const leavesOf = (n: number, salt = 0): Uint8Array[] => Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(salt, i & 0xff, (i >> 8) & 0xff, i >> 16)));

async function appendCommitted(db: Db, log: MerkleLog, leaves: Uint8Array[]): Promise<void> {
  const stage = log.stage();
  for (const l of leaves) stage.append(l);
  await db.batch(stage.writes());
  log.commit(stage);
}

describe('persistent Merkle log (LevelDB) against the pure functions', () => {
  it('roots and proofs for every past size match, appended in random batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 20, maxLength: 20 }), async (batches, pairs) => {
        const { db, merkle } = await openStore();
        const log = await MerkleLog.open(merkle);
        const total = batches.reduce((a, b) => a + b, 0);
        const leaves = leavesOf(total);
        let at = 0;
        for (const b of batches) {
          const stage = log.stage();
          for (let i = 0; i < b; i++) expect(stage.append(leaves[at + i]!)).toBe(at + i);
          expect(toHex(stage.root())).toBe(toHex(rootHash(leaves.slice(0, at + b))));
          await db.batch(stage.writes());
          log.commit(stage);
          at += b;
        }
        expect(log.size).toBe(total);
        expect(toHex(log.root())).toBe(toHex(rootHash(leaves)));
        for (const [a, b] of pairs) {
          const size = 1 + (a % total);
          const index = b % size;
          const m = b % (size + 1);
          const prefix = leaves.slice(0, size);
          expect(toHex(await log.rootAt(size))).toBe(toHex(rootHash(prefix)));
          const ip = await log.inclusionProof(index, size);
          expect(ip.map(toHex)).toEqual(inclusionProof(prefix, index).map(toHex));
          expect(verifyInclusion(leaves[index]!, index, size, ip, rootHash(prefix)).ok).toBe(true);
          const cp = await log.consistencyProof(m, size);
          expect(cp.map(toHex)).toEqual(consistencyProof(prefix, m).map(toHex));
          if (m > 0) expect(verifyConsistency(m, size, rootHash(leaves.slice(0, m)), rootHash(prefix), cp).ok).toBe(true);
          expect(toHex(await log.leafHashAt(index))).toBe(toHex(leaves[index]!));
        }
        await db.close();
      }),
      { numRuns: 12 },
    );
  });

  it('reopens at the committed size and root', async () => {
    const { db, merkle, path } = await openStore();
    let log = await MerkleLog.open(merkle);
    const leaves = leavesOf(1000);
    await appendCommitted(db, log, leaves.slice(0, 613));
    await appendCommitted(db, log, leaves.slice(613));
    await db.close();
    const again = await openStore(path);
    log = await MerkleLog.open(again.merkle);
    expect(log.size).toBe(1000);
    expect(toHex(log.root())).toBe(toHex(rootHash(leaves)));
    expect((await log.inclusionProof(999, 1000)).map(toHex)).toEqual(inclusionProof(leaves, 999).map(toHex));
  });

  it('staged appends that were never written leave the log at its old size (crash before commit)', async () => {
    const { db, merkle, path } = await openStore();
    const log = await MerkleLog.open(merkle);
    const leaves = leavesOf(300);
    await appendCommitted(db, log, leaves.slice(0, 100));
    const stage = log.stage();
    for (const l of leaves.slice(100)) stage.append(l);
    expect(stage.size).toBe(300);
    expect(log.size).toBe(100); // nothing changes until commit
    // crash: the process dies before the batch is written
    await db.close();
    const again = await openStore(path);
    const reopened = await MerkleLog.open(again.merkle);
    expect(reopened.size).toBe(100);
    expect(toHex(reopened.root())).toBe(toHex(rootHash(leaves.slice(0, 100))));
    await expect(reopened.inclusionProof(150, 300)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    // and it continues correctly from there
    await appendCommitted(again.db, reopened, leaves.slice(100, 200));
    expect(toHex(reopened.root())).toBe(toHex(rootHash(leaves.slice(0, 200))));
  });

  it('a forked stage (next block before this one commits) commits in order', async () => {
    const { db, merkle } = await openStore();
    const log = await MerkleLog.open(merkle);
    const leaves = leavesOf(50);
    const first = log.stage();
    leaves.slice(0, 20).forEach((l) => first.append(l));
    const second = first.fork();
    leaves.slice(20).forEach((l) => second.append(l));
    expect(toHex(second.root())).toBe(toHex(rootHash(leaves)));
    expect(() => log.commit(second)).toThrowError(expect.objectContaining({ code: 'INTERNAL' }));
    await db.batch(first.writes());
    log.commit(first);
    await db.batch(second.writes());
    log.commit(second);
    expect(log.size).toBe(50);
    expect((await log.consistencyProof(20, 50)).map(toHex)).toEqual(consistencyProof(leaves, 20).map(toHex));
  });

  it('refuses bad input with typed errors', async () => {
    const { db, merkle } = await openStore();
    const log = await MerkleLog.open(merkle);
    expect(() => log.stage().append(new Uint8Array(31))).toThrowError(expect.objectContaining({ code: 'BAD_LENGTH' }));
    await appendCommitted(db, log, leavesOf(10));
    await expect(log.inclusionProof(10, 10)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(log.inclusionProof(0, 11)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(log.consistencyProof(5, 11)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(log.consistencyProof(6, 5)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(log.rootAt(-1)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(log.leafHashAt(1.5)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('refuses a data folder of an unknown format version, and a damaged one', async () => {
    const { merkle } = await openStore();
    await merkle.put(Uint8Array.of(0x46), Uint8Array.of(0, 0, 0, 3));
    await expect(MerkleLog.open(merkle)).rejects.toMatchObject({ code: 'STORE_FORMAT', details: { found: 3, supported: 2 } });

    const other = await openStore();
    const log = await MerkleLog.open(other.merkle);
    await appendCommitted(other.db, log, leavesOf(300));
    // delete tile (0, 1), the right edge of level 0 (leaves 256..299): reopening needs it
    await other.merkle.del(tileKey(0, 1));
    await expect(MerkleLog.open(other.merkle)).rejects.toMatchObject({ code: 'STORE_FORMAT' });
    // a tile cut short is refused on read too: tile (0, 0) with its last hash missing
    const again = await openStore();
    const log2 = await MerkleLog.open(again.merkle);
    await appendCommitted(again.db, log2, leavesOf(600));
    const full = (await again.merkle.get(tileKey(0, 0)))!;
    await again.merkle.put(tileKey(0, 0), full.subarray(0, full.length - 32));
    await expect(log2.inclusionProof(3, 600)).rejects.toMatchObject({ code: 'STORE_FORMAT' });
  });

  it('crosses tile levels: 70,000 leaves (tile level 1 fills at 65,536) in blocks of 1,000', async () => {
    const { db, merkle, path } = await openStore();
    let log = await MerkleLog.open(merkle);
    const leaves = leavesOf(70_000, 7);
    for (let at = 0; at < leaves.length; at += 1000) await appendCommitted(db, log, leaves.slice(at, at + 1000));
    expect(toHex(log.root())).toBe(toHex(rootHash(leaves)));
    await db.close();
    log = await MerkleLog.open((await openStore(path)).merkle);
    expect(toHex(log.root())).toBe(toHex(rootHash(leaves)));
    for (const [index, size] of [[0, 70_000], [65_535, 65_536], [65_536, 65_537], [69_999, 70_000], [12_345, 66_000], [256, 257]] as const) {
      expect((await log.inclusionProof(index, size)).map(toHex), `inclusion ${index} in ${size}`).toEqual(inclusionProof(leaves.slice(0, size), index).map(toHex));
    }
    for (const [old, size] of [[1, 70_000], [65_536, 70_000], [65_535, 65_537], [256, 65_536], [30_000, 69_999]] as const) {
      expect((await log.consistencyProof(old, size)).map(toHex), `consistency ${old} to ${size}`).toEqual(consistencyProof(leaves.slice(0, size), old).map(toHex));
    }
    expect(toHex(await log.rootAt(65_536))).toBe(toHex(rootHash(leaves.slice(0, 65_536))));
    // the C2SP tiles' hashes: level 8 nodes 0..255 are tile level 1, index 0, the full bottom row
    const level8 = await log.completeNodes(8, 0, 256);
    expect(toHex(level8[255]!)).toBe(toHex(rootHash(leaves.slice(255 * 256, 256 * 256))));
  }, 60_000);
});

/** Writes a format 1 store (one value per complete node, as before issue 28) of `leaves`. */
async function writeFormat1(merkle: BinaryLevel, leaves: Uint8Array[]): Promise<void> {
  const ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = [{ type: 'put', key: Uint8Array.of(0x46), value: Uint8Array.of(0, 0, 0, 1) }];
  const size = new Uint8Array(8);
  new DataView(size.buffer).setBigUint64(0, BigInt(leaves.length));
  ops.push({ type: 'put', key: Uint8Array.of(0x53), value: size });
  let row = leaves;
  for (let level = 0; row.length > 0; level++) {
    row.forEach((h, i) => ops.push({ type: 'put', key: format1NodeKey(level, i), value: h }));
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < row.length; i += 2) up.push(nodeHash(row[i]!, row[i + 1]!));
    row = up;
  }
  await merkle.batch(ops);
}

describe('migrating a format 1 store (one value per node) to tiles', () => {
  it('keeps the size, root and every proof, records format 2 and deletes the old nodes', async () => {
    const { db, merkle, path } = await openStore();
    const leaves = leavesOf(1_500, 3);
    await writeFormat1(merkle, leaves);
    const log = await MerkleLog.open(merkle);
    expect(log.size).toBe(1_500);
    expect(toHex(log.root())).toBe(toHex(rootHash(leaves)));
    expect(Array.from((await merkle.get(Uint8Array.of(0x46)))!)).toEqual([0, 0, 0, 2]);
    expect(await merkle.keys({ gte: Uint8Array.of(0x4e), lt: Uint8Array.of(0x4f) }).all()).toEqual([]);
    expect((await log.inclusionProof(700, 1_200)).map(toHex)).toEqual(inclusionProof(leaves.slice(0, 1_200), 700).map(toHex));
    expect((await log.consistencyProof(999, 1_500)).map(toHex)).toEqual(consistencyProof(leaves, 999).map(toHex));
    // and it grows from there, and reopens as format 2
    await appendCommitted(db, log, leavesOf(100, 4));
    await db.close();
    const again = await MerkleLog.open((await openStore(path)).merkle);
    expect(toHex(again.root())).toBe(toHex(rootHash([...leaves, ...leavesOf(100, 4)])));
  });

  it('old nodes left by a migration that stopped after recording format 2 are cleared at the next open', async () => {
    const { db, merkle } = await openStore();
    const log = await MerkleLog.open(merkle);
    await appendCommitted(db, log, leavesOf(10));
    await merkle.put(format1NodeKey(0, 3), leafHash(Uint8Array.of(1)));
    const again = await MerkleLog.open(merkle);
    expect(toHex(again.root())).toBe(toHex(rootHash(leavesOf(10))));
    expect(await merkle.keys({ gte: Uint8Array.of(0x4e), lt: Uint8Array.of(0x4f) }).all()).toEqual([]);
  });

  it('an empty format 1 store becomes an empty format 2 store', async () => {
    const { merkle } = await openStore();
    await merkle.put(Uint8Array.of(0x46), Uint8Array.of(0, 0, 0, 1));
    const log = await MerkleLog.open(merkle);
    expect(log.size).toBe(0);
    expect(Array.from((await merkle.get(Uint8Array.of(0x46)))!)).toEqual([0, 0, 0, 2]);
  });

  it('refuses a damaged format 1 store and leaves it at format 1', async () => {
    const { merkle } = await openStore();
    const leaves = leavesOf(40, 5);
    await writeFormat1(merkle, leaves);
    await merkle.del(format1NodeKey(0, 17)); // a leaf
    await expect(MerkleLog.open(merkle)).rejects.toMatchObject({ code: 'STORE_FORMAT', details: { index: 17 } });
    expect(Array.from((await merkle.get(Uint8Array.of(0x46)))!)).toEqual([0, 0, 0, 1]);
    // a leaf that differs from what its parents were hashed from: the roots disagree
    await merkle.put(format1NodeKey(0, 17), leafHash(Uint8Array.of(99)));
    await expect(MerkleLog.open(merkle)).rejects.toMatchObject({ code: 'STORE_FORMAT', message: expect.stringMatching(/do not give the root/) });
    expect(Array.from((await merkle.get(Uint8Array.of(0x46)))!)).toEqual([0, 0, 0, 1]);
  });
});
