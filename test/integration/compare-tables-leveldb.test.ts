/**
 * The rebuild's comparison (replay/rebuild.ts compareTables, issue 20) on real LevelDB (never
 * mocked): it reads both tables in large batches with the next batch always in flight, and
 * classic-level may end a batch short at its byte limit, so tables of many batches, with
 * differences on and around the batch boundaries, must give exactly the differences there are,
 * in key order, whichever side holds the longer table.
 */
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, u64be } from '../../ledger/bytes.js';
import type { AnyDb, AnySublevel } from '../../ledger/state-store.js';
import { compareTables } from '../../replay/rebuild.js';
import { tempDir } from '../helpers/temp.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const dirs: Array<{ remove(): void }> = [];
const dbs: AnyDb[] = [];
afterAll(async () => {
  for (const db of dbs) await db.close();
  dirs.forEach((d) => d.remove());
});

async function openLevel(): Promise<AnyDb> {
  const dir = tempDir('compare-tables');
  dirs.push(dir);
  const db = new Level<Uint8Array, Uint8Array>(dir.path, VIEW) as unknown as AnyDb;
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

describe('compareTables on LevelDB', () => {
  it('finds exactly the changed, missing and extra keys across many read batches', async () => {
    const db = await openLevel();
    const stored = db.sublevel('stored', VIEW) as unknown as AnySublevel;
    const rebuilt = db.sublevel('rebuilt', VIEW) as unknown as AnySublevel;
    const changed = new Set([0, 8191, 8192, 8193, 16_384, 30_001]);
    const missing = new Set([1, 8_190, 24_576]); // rebuilt has it, stored does not
    const extra = new Set([2, 16_383, N - 1]); // stored has it, rebuilt does not
    await fill(rebuilt, (i) => (extra.has(i) ? undefined : value(i)));
    await fill(stored, (i) => (missing.has(i) ? undefined : value(i, changed.has(i) ? 1 : 0)));
    const seen: string[] = [];
    await compareTables(stored, rebuilt, (k, expected, found) => {
      const i = Number(BigInt(`0x${toHex(k)}`));
      seen.push(`${i}:${expected === undefined ? 'extra' : found === undefined ? 'missing' : expected[0] === 0 && found[0] === 1 ? 'changed' : 'wrong'}`);
    });
    const want = [...[...changed].map((i) => `${i}:changed`), ...[...missing].map((i) => `${i}:missing`), ...[...extra].map((i) => `${i}:extra`)];
    want.sort((a, b) => Number(a.split(':')[0]) - Number(b.split(':')[0]));
    expect(seen).toEqual(want);
    // and a table against itself: nothing
    let none = 0;
    await compareTables(stored, stored, () => none++);
    expect(none).toBe(0);
  });

  it('reads the whole of a table against an empty one, on either side', async () => {
    const db = await openLevel();
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
  });
});
