/**
 * The replay's write path (ledger/staged-writes.ts, issue 20) on real LevelDB (the `level`
 * package; never mocked): the node's own commits (one batch per block, consensus/node-core.ts)
 * leave some bytes on disk; wiping its state and projections and rebuilding them with `--apply`
 * through the stage, flushed after every block, every few blocks or once, gives back exactly the
 * same LevelDB contents, key by key; a rebuild that changes nothing leaves every key as it was.
 */
import { Level } from 'level';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBenchChain } from '../../bench/groups/rebuild.js';
import { toHex } from '../../ledger/bytes.js';
import { PROJECTION_TABLES } from '../../ledger/projections.js';
import type { AnyDb, AnySublevel } from '../../ledger/state-store.js';
import { rebuild, STATE_TABLES } from '../../replay/rebuild.js';
import { buildScenarioChain } from '../helpers/scenario-chain.js';
import { tempDir } from '../helpers/temp.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const dirs: Array<{ remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

function openLevel(prefix: string, opts: { multithreading?: boolean } = {}): AnyDb {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return new Level<Uint8Array, Uint8Array>(dir.path, { ...VIEW, multithreading: opts.multithreading ?? false } as never) as unknown as AnyDb;
}

/** Every key and value of the database, in key order, as hex. */
async function contents(db: AnyDb): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of db.iterator(VIEW as never) as AsyncIterable<[Uint8Array, Uint8Array]>) out.push(`${toHex(k)}=${toHex(v)}`);
  return out;
}

/** Deletes the node's state and projections (what the rebuild must give back). */
async function wipe(db: AnyDb): Promise<void> {
  for (const name of [...PROJECTION_TABLES, ...STATE_TABLES]) await (db.sublevel(name, VIEW) as unknown as AnySublevel).clear();
}

async function expectSameAfterRebuild(db: AnyDb, genesis: Parameters<typeof rebuild>[0]['genesis'], flushKeys: number): Promise<void> {
  const before = await contents(db);
  expect(before.length).toBeGreaterThan(100);
  const untouched = await rebuild({ db, genesis, flushKeys });
  expect(untouched).toMatchObject({ ok: true, stateRootsMatch: true, differences: 0, applied: false });
  expect(await contents(db)).toEqual(before);

  await wipe(db);
  const repaired = await rebuild({ db, genesis, apply: true, flushKeys });
  expect(repaired).toMatchObject({ ok: true, stateRootsMatch: true, applied: true });
  expect(repaired.differences).toBeGreaterThan(0);
  expect(repaired.writes.written).toBeLessThanOrEqual(repaired.writes.staged);
  const after = await contents(db);
  expect(after.length).toBe(before.length);
  for (let i = 0; i < before.length; i++) if (after[i] !== before[i]) expect({ index: i, entry: after[i] }).toEqual({ index: i, entry: before[i] });
}

describe('rebuild through the staged write path, on LevelDB', () => {
  it('gives back the scenario chain node\'s LevelDB contents key by key, flushed after every block', async () => {
    const db = openLevel('staged-scenario');
    const { chain } = await buildScenarioChain({ db });
    expect(chain.height).toBeGreaterThan(5n);
    await expectSameAfterRebuild(db, chain.genesis, 1);
    await db.close();
  });

  it('gives back the bench mix chain node\'s LevelDB contents key by key, flushed every few blocks and once', async () => {
    const db = openLevel('staged-bench');
    const chain = await buildBenchChain(2_500, () => undefined, db);
    expect(chain.events).toBe(2_500);
    await expectSameAfterRebuild(db, chain.genesis, 2_000);
    await expectSameAfterRebuild(db, chain.genesis, 1 << 30);
    await db.close();
  });
});

describe('the comparison on reader threads (replay/compare-tables.ts), on LevelDB', () => {
  it('reports what the comparison on the main thread reports, on a tampered bench chain, and repairs it the same', async () => {
    // the reader threads run from dist/, as the CLI runs them
    const built = new URL('../../dist/replay/rebuild.js', import.meta.url);
    if (!existsSync(built)) throw new Error('dist/replay/rebuild.js is missing: run `npm run build` first');
    const { rebuild: builtRebuild } = (await import(built.href)) as typeof import('../../replay/rebuild.js');
    const { openScratchArea } = (await import(new URL('../../dist/replay/scratch-area.js', import.meta.url).href)) as typeof import('../../replay/scratch-area.js');
    const dir = tempDir('staged-readers');
    dirs.push(dir);
    const db = new Level<Uint8Array, Uint8Array>(`${dir.path}/db`, { ...VIEW, multithreading: true } as never) as unknown as AnyDb;
    const chain = await buildBenchChain(3_000, () => undefined, db);
    const before = await contents(db);
    // tamper: a projection record deleted, a state record changed, an index entry that should not be there
    const access = db.sublevel('proj-access', VIEW) as unknown as AnySublevel;
    const [firstAccess] = (await access.keys({ limit: 1 } as never).all()) as Uint8Array[];
    await access.del(firstAccess! as never);
    const records = db.sublevel('state-records', VIEW) as unknown as AnySublevel;
    const [recordKey, recordValue] = ((await records.iterator({ limit: 1 } as never).all()) as Array<[Uint8Array, Uint8Array]>)[0]!;
    await records.put(recordKey as never, Uint8Array.from([...recordValue, 0]) as never);
    await (db.sublevel('proj-cert-by-holder', VIEW) as unknown as AnySublevel).put(new Uint8Array([0xff, 1]) as never, new Uint8Array(0) as never);

    const run = async (compareThreads: 1 | 2, apply = false) => {
      const scratch = await openScratchArea(`${dir.path}/db`);
      try {
        return await builtRebuild({ db, genesis: chain.genesis, area: scratch.db, compareThreads, apply });
      } finally {
        await scratch.remove();
      }
    };
    const strip = (r: Awaited<ReturnType<typeof run>>) => ({ ...r, seconds: 0, eventsPerSecond: 0, phasesMs: null, cpuSeconds: null, gcPauseMs: 0, comparison: r.comparison?.entries });
    const one = await run(1);
    const two = await run(2);
    expect(one.comparison?.readers).toBe(1);
    expect(two.comparison?.readers).toBe(2);
    expect(two.differences).toBe(3);
    expect(two.byTable).toEqual({ 'proj-access': 1, 'proj-cert-by-holder': 1, 'state-records': 1 });
    expect(strip(two)).toEqual(strip(one));
    // and the repair from the reader threads' differences gives the node's bytes back
    expect(await run(2, true)).toMatchObject({ applied: true, differences: 3 });
    expect(await contents(db)).toEqual(before);
    await db.close();
  });
});
