/**
 * ledger/root-batch.ts (issue 19): a block's sublevel writes, written as one chained batch of the
 * root database with pre-prefixed keys, leave the database key by key as abstract-level's own
 * sublevel batch does: nested sublevels, binary and empty keys, a key written twice (the later
 * value wins), deletes, an fsynced batch; on LevelDB itself (classic-level, through `level` as the
 * node opens it) and on memory-level (the simulation's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../ledger/bytes.js';
import { writeRootBatch, type RootBatchWrite } from '../../ledger/root-batch.js';
import type { AnyDb, AnySublevel } from '../../ledger/state-store.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function openDb(kind: 'leveldb' | 'memory'): Promise<AnyDb> {
  if (kind === 'memory') {
    const db = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
    await db.open();
    return db;
  }
  const dir = mkdtempSync(join(tmpdir(), 'root-batch-'));
  dirs.push(dir);
  const db = new Level<Uint8Array, Uint8Array>(dir, VIEW) as unknown as AnyDb;
  await db.open();
  return db;
}

/** The node's layout in miniature: top-level sublevels and one nested under another. */
function sublevels(db: AnyDb): AnySublevel[] {
  const area = db.sublevel('state-tree', VIEW) as unknown as AnyDb;
  return [area as unknown as AnySublevel, db.sublevel('blocks', VIEW) as unknown as AnySublevel, area.sublevel('inner', VIEW) as unknown as AnySublevel];
}

/** Blocks of operations: binary keys (0x00, 0xff), an empty key, repeated keys, deletes. */
function blocksOf(subs: AnySublevel[]): RootBatchWrite[][] {
  const out: RootBatchWrite[][] = [];
  for (let block = 0; block < 5; block++) {
    const ops: RootBatchWrite[] = [];
    for (let i = 0; i < 300; i++) {
      const key = Uint8Array.of(i % 5 === 0 ? 0xff : 0x00, i & 0xff, i >> 8, block % 2);
      ops.push({ type: 'put', sublevel: subs[i % subs.length]!, key, value: Uint8Array.of(block, i & 0xff, 7) });
    }
    ops.push({ type: 'put', sublevel: subs[1]!, key: new Uint8Array(0), value: Uint8Array.of(block) });
    ops.push({ type: 'put', sublevel: subs[0]!, key: utf8('head'), value: Uint8Array.of(1) });
    ops.push({ type: 'put', sublevel: subs[0]!, key: utf8('head'), value: Uint8Array.of(2, block) }); // the later wins
    if (block > 0) {
      ops.push({ type: 'del', sublevel: subs[1]!, key: Uint8Array.of(0x00, 1, 0, (block - 1) % 2) });
      ops.push({ type: 'del', sublevel: subs[2]!, key: Uint8Array.of(0x00, 2, 0, 9) }); // never written
    }
    out.push(ops);
  }
  return out;
}

async function contents(db: AnyDb): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of db.iterator(VIEW as never) as AsyncIterable<[Uint8Array, Uint8Array]>) out.push(`${toHex(k)}=${toHex(v)}`);
  return out;
}

describe('root batch', () => {
  for (const kind of ['leveldb', 'memory'] as const) {
    it(`leaves the same ${kind} database, key by key, as the sublevel batch`, async () => {
      const reference = await openDb(kind);
      for (const ops of blocksOf(sublevels(reference))) await reference.batch(ops as never, { sync: true } as never);
      const expected = await contents(reference);
      const db = await openDb(kind);
      for (const ops of blocksOf(sublevels(db))) await writeRootBatch(db, ops, { sync: true });
      const got = await contents(db);
      expect(got.length).toBeGreaterThan(500);
      expect(got).toEqual(expected);
      // called on a sublevel (as a store may be), the batch still goes to the root
      const again = await openDb(kind);
      const subs = sublevels(again);
      for (const ops of blocksOf(subs)) await writeRootBatch(subs[1] as unknown as AnyDb, ops);
      expect(await contents(again)).toEqual(expected);
      await Promise.all([reference.close(), db.close(), again.close()]);
    });
  }

  it('refuses a sublevel of another database and a malformed operation, writing nothing', async () => {
    const db = await openDb('memory');
    const other = await openDb('memory');
    const [mine] = sublevels(db);
    const [theirs] = sublevels(other);
    const put = (sublevel: AnySublevel): RootBatchWrite => ({ type: 'put', sublevel, key: Uint8Array.of(1), value: Uint8Array.of(2) });
    await expect(writeRootBatch(db, [put(mine!), put(theirs!)])).rejects.toThrow(/another database/);
    await expect(writeRootBatch(db, [put(mine!), { type: 'put', sublevel: mine!, key: Uint8Array.of(3) }])).rejects.toThrow(/malformed put/);
    expect(await contents(db)).toEqual([]);
  });
});
