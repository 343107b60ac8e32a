/**
 * ledger/staged-writes.ts: what the stage writes is what per-operation sublevel batches write
 * (same keys under the sublevels' prefixes, the last value of each key, deletes included), and
 * reads go through it: staged, in flight and flushed values are all seen, a staged delete hides
 * the stored value.
 */
import { MemoryLevel } from 'memory-level';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../ledger/bytes.js';
import { StagedWrites, type SublevelWrite } from '../../ledger/staged-writes.js';
import type { AnyDb, AnySublevel } from '../../ledger/state-store.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;

async function open(): Promise<{ db: AnyDb; a: AnySublevel; b: AnySublevel }> {
  const db = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
  await db.open(); // a chained batch needs an open database
  const area = db.sublevel('area', VIEW) as unknown as AnyDb;
  return { db, a: area.sublevel('alpha', VIEW) as unknown as AnySublevel, b: db.sublevel('beta', VIEW) as unknown as AnySublevel };
}

async function contents(db: AnyDb): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of db.iterator(VIEW as never) as AsyncIterable<[Uint8Array, Uint8Array]>) out.push(`${toHex(k)}=${toHex(v)}`);
  return out;
}

/** Blocks of operations with repeated keys, binary keys (0x00, 0xff) and deletes. */
function blocksOf(a: AnySublevel, b: AnySublevel): SublevelWrite[][] {
  const out: SublevelWrite[][] = [];
  for (let block = 0; block < 6; block++) {
    const ops: SublevelWrite[] = [];
    for (let i = 0; i < 40; i++) {
      const key = Uint8Array.of(i % 7 === 0 ? 0xff : 0x00, i, block % 2);
      ops.push({ type: 'put', sublevel: i % 2 === 0 ? a : b, key, value: Uint8Array.of(block, i) });
    }
    ops.push({ type: 'put', sublevel: a, key: utf8('height'), value: Uint8Array.of(block) });
    if (block > 0) ops.push({ type: 'del', sublevel: b, key: Uint8Array.of(0x00, 1, (block - 1) % 2) });
    out.push(ops);
  }
  return out;
}

describe('staged writes', () => {
  it('leave the same database as one sublevel batch per block, whatever the flush cadence', async () => {
    const reference = await open();
    for (const ops of blocksOf(reference.a, reference.b)) await reference.db.batch(ops as never);
    const expected = await contents(reference.db);
    for (const every of [1, 2, 6]) {
      const t = await open();
      const stage = new StagedWrites(t.db);
      blocksOf(t.a, t.b).forEach((ops, i) => {
        stage.add(ops);
        if ((i + 1) % every === 0) void stage.flush();
      });
      await stage.drain();
      expect(await contents(t.db)).toEqual(expected);
      expect(stage.counters.staged).toBe(blocksOf(t.a, t.b).flat().length);
      expect(stage.counters.written).toBeLessThan(stage.counters.staged);
    }
  });

  it('reads through: staged values and deletes first, then a flush in flight, then LevelDB', async () => {
    const t = await open();
    await t.a.put(utf8('stored'), utf8('old'));
    await t.a.put(utf8('gone'), utf8('old'));
    const stage = new StagedWrites(t.db);
    stage.add([
      { type: 'put', sublevel: t.a, key: utf8('stored'), value: utf8('new') },
      { type: 'del', sublevel: t.a, key: utf8('gone') },
      { type: 'put', sublevel: t.b, key: utf8('stored'), value: utf8('other table') },
    ]);
    const read = async () => (await stage.getMany(t.a, [utf8('stored'), utf8('gone'), utf8('absent')])).map((v) => (v === undefined ? undefined : new TextDecoder().decode(v)));
    expect(await read()).toEqual(['new', undefined, undefined]);
    await stage.flush(); // started: in flight until drained
    expect(stage.size).toBe(0);
    expect(await read()).toEqual(['new', undefined, undefined]);
    expect(stage.pendingKeys(t.a).map((k) => new TextDecoder().decode(k))).toEqual(['stored']);
    await stage.drain();
    expect(await read()).toEqual(['new', undefined, undefined]);
    expect(stage.pendingKeys(t.a)).toEqual([]);
    expect(new TextDecoder().decode((await t.b.get(utf8('stored')))!)).toBe('other table');
  });

  it('refuses a sublevel of another database', async () => {
    const t = await open();
    const other = await open();
    expect(() => new StagedWrites(t.db).add([{ type: 'put', sublevel: other.a, key: utf8('k'), value: utf8('v') }])).toThrow(/another database/);
  });
});
