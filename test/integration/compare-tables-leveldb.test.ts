/**
 * The rebuild's comparison (replay/compare-tables.ts, issue 20) on real LevelDB (never
 * mocked): it reads both tables in large batches with the next batch always in flight, and
 * classic-level may end a batch short at its byte limit, so tables of many batches, with
 * differences on and around the batch boundaries, must give exactly the differences there are,
 * in key order, whichever side holds the longer table.
 */
import { Level } from 'level';
import { existsSync } from 'node:fs';
import { MemoryLevel } from 'memory-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, u64be } from '../../ledger/bytes.js';
import type { AnyDb, AnySublevel } from '../../ledger/state-store.js';
import { compareTables, type DifferenceSink } from '../../replay/compare-tables.js';
import { tempDir } from '../helpers/temp.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const dirs: Array<{ remove(): void }> = [];
const dbs: AnyDb[] = [];
afterAll(async () => {
  for (const db of dbs) await db.close();
  dirs.forEach((d) => d.remove());
});

async function openLevel(opts: { multithreading?: boolean } = {}): Promise<AnyDb> {
  const dir = tempDir('compare-tables');
  dirs.push(dir);
  // multithreading: the comparison's reader threads open it too (replay/compare-tables.ts)
  const db = new Level<Uint8Array, Uint8Array>(dir.path, { ...VIEW, multithreading: opts.multithreading ?? true } as never) as unknown as AnyDb;
  await db.open();
  dbs.push(db);
  return db;
}

const N = 40_000; // about five of the comparison's read batches
const key = (i: number) => u64be(BigInt(i));
// values of 600 bytes: 8,192 of them pass the 4 MiB a read of the comparison holds, so reads end short too
const value = (i: number, tag = 0) => {
  const v = new Uint8Array(600);
  v[0] = tag;
  v.set(u64be(BigInt(i)), 1);
  return v;
};

async function fill(sub: AnySublevel, put: (i: number) => Uint8Array | undefined): Promise<void> {
  for (let from = 0; from < N; from += 10_000) {
    const ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = [];
    for (let i = from; i < from + 10_000; i++) {
      const v = put(i);
      if (v !== undefined) ops.push({ type: 'put', key: key(i), value: v });
    }
    await sub.batch(ops as never);
  }
}

// The reader threads run from dist/ (plain JavaScript), as the CLI runs them.
const BUILT = new URL('../../dist/replay/compare-tables.js', import.meta.url);
let built: typeof import('../../replay/compare-tables.js');
beforeAll(async () => {
  if (!existsSync(BUILT)) throw new Error('dist/replay/compare-tables.js is missing: run `npm run build` first');
  built = (await import(BUILT.href)) as typeof import('../../replay/compare-tables.js');
});

type Compare = (stored: AnySublevel, rebuilt: AnySublevel, diff: DifferenceSink) => Promise<number>;
/** The comparison on this thread, and on two reader threads: the same differences in the same order. */
const WAYS: Array<[string, (db: AnyDb) => Promise<{ compare: Compare; close(): Promise<void> }>]> = [
  ['on this thread', async () => ({ compare: compareTables, close: async () => undefined })],
  [
    'on reader threads',
    async (db) => {
      const readers = await built.TableReaders.open(db, db);
      if (readers === undefined) throw new Error('the reader threads did not open the database');
      return { compare: readers.compare.bind(readers), close: () => readers.close() };
    },
  ],
];

describe.each(WAYS)('the comparison on LevelDB, %s', (_name, open) => {
  it('finds exactly the changed, missing and extra keys across many read batches', async () => {
    const db = await openLevel();
    const { compare, close } = await open(db);
    const compareTables = compare;
    const stored = db.sublevel('stored', VIEW) as unknown as AnySublevel;
    const rebuilt = db.sublevel('rebuilt', VIEW) as unknown as AnySublevel;
    const changed = new Set([0, 8191, 8192, 8193, 16_384, 30_001]);
    const missing = new Set([1, 8_190, 24_576]); // rebuilt has it, stored does not
    const extra = new Set([2, 16_383, N - 1]); // stored has it, rebuilt does not
    await fill(rebuilt, (i) => (extra.has(i) ? undefined : value(i)));
    await fill(stored, (i) => (missing.has(i) ? undefined : value(i, changed.has(i) ? 1 : 0)));
    const seen: string[] = [];
    const read = await compareTables(stored, rebuilt, (k, expected, found) => {
      const i = Number(BigInt(`0x${toHex(k)}`));
      // both values whole, byte for byte
      if (expected !== undefined) expect(toHex(expected)).toBe(toHex(value(i)));
      if (found !== undefined) expect(toHex(found)).toBe(toHex(value(i, changed.has(i) ? 1 : 0)));
      seen.push(`${i}:${expected === undefined ? 'extra' : found === undefined ? 'missing' : expected[0] === 0 && found[0] === 1 ? 'changed' : 'wrong'}`);
    });
    expect(read).toBe(2 * N - missing.size - extra.size);
    const want = [...[...changed].map((i) => `${i}:changed`), ...[...missing].map((i) => `${i}:missing`), ...[...extra].map((i) => `${i}:extra`)];
    want.sort((a, b) => Number(a.split(':')[0]) - Number(b.split(':')[0]));
    expect(seen).toEqual(want);
    // and a table against itself: nothing
    let none = 0;
    await compareTables(stored, stored, () => none++);
    expect(none).toBe(0);
    await close();
  });

  it('orders keys byte by byte whatever their lengths, with empty values, in nested sublevels', async () => {
    const db = await openLevel();
    const { compare, close } = await open(db);
    // the node database's own rebuild area: tables nested in the sublevel `rebuild`
    const stored = db.sublevel('t', VIEW) as unknown as AnySublevel;
    const rebuilt = (db.sublevel('rebuild', VIEW) as unknown as AnySublevel).sublevel('t', VIEW) as unknown as AnySublevel;
    const b = (...xs: number[]) => new Uint8Array(xs);
    await stored.batch([{ type: 'put', key: b(1), value: b() }, { type: 'put', key: b(1, 0), value: b(9) }, { type: 'put', key: b(1, 0, 0), value: b() }, { type: 'put', key: b(2), value: b(1, 2) }] as never);
    await rebuilt.batch([{ type: 'put', key: b(1), value: b() }, { type: 'put', key: b(1, 0), value: b() }, { type: 'put', key: b(1, 1), value: b() }, { type: 'put', key: b(2), value: b(1, 2) }] as never);
    const seen: string[] = [];
    await compare(stored, rebuilt, (k, expected, found) => seen.push(`${toHex(k)} ${expected === undefined ? '-' : toHex(expected)} ${found === undefined ? '-' : toHex(found)}`));
    // 0100: values differ (empty against 09); 010000: stored only; 0101: rebuilt only
    expect(seen).toEqual(['0100  09', '010000 - ', '0101  -']);
    await close();
  });

  it('reads the whole of a table against an empty one, on either side', async () => {
    const db = await openLevel();
    const { compare, close } = await open(db);
    const compareTables = compare;
    const full = db.sublevel('full', VIEW) as unknown as AnySublevel;
    const empty = db.sublevel('empty', VIEW) as unknown as AnySublevel;
    await fill(full, (i) => value(i));
    let extra = 0;
    let missing = 0;
    await compareTables(full, empty, (_k, expected) => (expected === undefined ? extra++ : missing++));
    expect([extra, missing]).toEqual([N, 0]);
    extra = 0;
    await compareTables(empty, full, (_k, expected) => (expected === undefined ? extra++ : missing++));
    expect([extra, missing]).toEqual([0, N]);
    await close();
  });
});

describe('the reader threads', () => {
  it('are not used where they cannot share the database: a LevelDB opened without multithreading, memory-level', async () => {
    const single = await openLevel({ multithreading: false });
    expect(await built.TableReaders.open(single, single)).toBeUndefined();
    const memory = new MemoryLevel(VIEW);
    expect(await built.TableReaders.open(memory, memory)).toBeUndefined();
    // and the database is still this thread's to use and close
    await single.put(new Uint8Array([1]) as never, new Uint8Array([2]) as never);
  });
});
