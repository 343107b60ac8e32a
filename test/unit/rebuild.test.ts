/**
 * `ledger rebuild` (replay/rebuild.ts) on the scenario chain: the replay reproduces every
 * header's state root and bit-identical projections; one altered, missing or extra projection
 * record is reported with the height and event that last changed it, and --apply repairs it; a
 * block whose state root or result code does not replay is named by its height; a node that ran
 * without projections gets exactly the projections of one that ran with them, and so does one
 * that catches up from committed blocks (the core's peer path).
 */
import { MemoryLevel } from 'memory-level';
import { describe, expect, it } from 'vitest';
import { NodeCore } from '../../consensus/node-core.js';
import { rebuild, REBUILD_AREA, type RebuildProgress } from '../../replay/rebuild.js';
import { toHex, u64be } from '../../ledger/bytes.js';
import { atBytes, idPrefix, keyAt } from '../../ledger/projection-records.js';
import { PROJECTION_TABLES, Projections } from '../../ledger/projections.js';
import { Queries } from '../../ledger/queries.js';
import type { AnyDb, AnySublevel } from '../../ledger/state-store.js';
import { decode, encode } from '../../proto/codec.js';
import type { TestChain } from '../helpers/chain.js';
import { buildScenarioChain } from '../helpers/scenario-chain.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const table = (c: TestChain, name: string) => c.db.sublevel(name, VIEW) as unknown as AnySublevel;

async function entries(s: AnySublevel): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [k, v] of s.iterator() as AsyncIterable<[Uint8Array, Uint8Array]>) out.push([toHex(k), toHex(v)]);
  return out;
}

describe('rebuild', () => {
  it('reproduces every header state root, and the stored state and projections bit for bit', async () => {
    const { chain } = await buildScenarioChain();
    const heights: bigint[] = [];
    const compared: Array<NonNullable<RebuildProgress['compared']>> = [];
    const r = await rebuild({ db: chain.db, genesis: chain.genesis, onProgress: (p) => (p.compared !== undefined ? compared.push(p.compared) : heights.push(p.height)) });
    expect(r).toMatchObject({ ok: true, stateRootsMatch: true, firstMismatch: null, differences: 0, firstDifference: null, applied: false, head: chain.height.toString() });
    expect(r.blocks).toBe(Number(chain.height));
    expect(heights).toEqual(Array.from({ length: Number(chain.height) }, (_, i) => BigInt(i + 1)));
    // then the comparison, table by table, in entries: never going back, ending at what it read
    expect(r.comparison).toEqual({ entries: expect.any(Number), readers: 1, cpuSeconds: { process: expect.any(Number), main: expect.any(Number) } });
    expect(compared.length).toBeGreaterThan(1);
    for (let i = 1; i < compared.length; i++) {
      expect(compared[i]!.entries).toBeGreaterThanOrEqual(compared[i - 1]!.entries);
      expect(compared[i]!.table).toBeGreaterThanOrEqual(compared[i - 1]!.table);
      expect(compared[i]!.total).toBeGreaterThanOrEqual(compared[i]!.entries);
    }
    const last = compared[compared.length - 1]!;
    expect(last).toEqual({ entries: r.comparison!.entries, total: r.comparison!.entries, table: last.tables, tables: last.tables });
    // the estimate (twice the keys written to the compared tables, deletes included) errs high, a little
    expect(compared[0]!.total).toBeGreaterThanOrEqual(r.comparison!.entries);
    expect(compared[0]!.total).toBeLessThanOrEqual(r.comparison!.entries * 1.05);
    expect(r.events).toBe(Number(chain.core.merkle.size));
    expect(await entries(table(chain, REBUILD_AREA))).toEqual([]); // the area is cleared
  });

  it('reports one altered projection record with the event and height that last changed it; --apply repairs it', async () => {
    const { chain, facts } = await buildScenarioChain();
    const q = new Queries(chain.core.state, chain.projections!);
    const target = (await q.accessBySubject(facts.subject)).items[2]!;
    const access = table(chain, 'proj-access');
    const key = atBytes(target.at);
    const good = (await access.get(key))!;
    const bad = new Uint8Array(good);
    bad[bad.length - 1]! ^= 1; // the record count
    await access.put(key, bad);

    const r = await rebuild({ db: chain.db, genesis: chain.genesis });
    expect(r.stateRootsMatch).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.differences).toBe(1);
    expect(r.byTable).toEqual({ 'proj-access': 1 });
    expect(r.firstDifference).toMatchObject({
      table: 'proj-access',
      keyHex: toHex(key),
      expected: toHex(good),
      found: toHex(bad),
      changedBy: { height: target.at.height.toString(), index: target.at.index, eventId: toHex(target.eventId) },
    });

    const fixed = await rebuild({ db: chain.db, genesis: chain.genesis, apply: true });
    expect(fixed).toMatchObject({ ok: true, applied: true, differences: 1 });
    expect(await access.get(key)).toEqual(good);
    expect(await rebuild({ db: chain.db, genesis: chain.genesis })).toMatchObject({ ok: true, differences: 0 });
  });

  it('reports a missing and an extra index entry at the lowest height', async () => {
    const { chain, facts } = await buildScenarioChain();
    const q = new Queries(chain.core.state, chain.projections!);
    const stolen = (await q.certificatesByIssuer('dept.realestate')).items.find((c) => c.record.certificateId === 'C-stolen')!;
    const issuer = table(chain, 'proj-cert-by-issuer');
    const stolenAt = stolen.record.definingEvent!;
    const loc = await chain.locate(facts.events.stolen!);
    const stolenKey = keyAt(idPrefix('dept.realestate'), { height: loc.height, index: loc.index });
    expect(await issuer.get(stolenKey)).toBeDefined();
    await issuer.del(stolenKey);
    const forgedAt = { height: chain.height, index: 0 };
    const forgedKey = keyAt(idPrefix('dept.tax'), forgedAt);
    await issuer.put(forgedKey, atBytes(forgedAt));
    const r = await rebuild({ db: chain.db, genesis: chain.genesis });
    expect(r.differences).toBe(2);
    expect(r.firstDifference).toMatchObject({ table: 'proj-cert-by-issuer', found: null, changedBy: { height: stolenAt.height.toString() } });
    expect(r.firstDifference!.changedBy!.eventId).toBe(toHex(stolen.record.definingEvent!.eventId));
    await rebuild({ db: chain.db, genesis: chain.genesis, apply: true });
    expect((await q.certificatesByIssuer('dept.realestate')).items.map((c) => c.record.certificateId)).toContain('C-stolen');
    expect((await q.certificatesByIssuer('dept.tax')).items).toEqual([]);
  });

  it('names the first height whose state root does not replay, and never applies then', async () => {
    const { chain } = await buildScenarioChain();
    const blocks = table(chain, 'blocks');
    const h = 7n;
    const block = decode('Block', (await blocks.get(u64be(h)))!);
    block.header!.stateRoot = new Uint8Array(32).fill(7);
    await blocks.put(u64be(h), encode('Block', block));
    const r = await rebuild({ db: chain.db, genesis: chain.genesis, apply: true });
    expect(r).toMatchObject({ ok: false, stateRootsMatch: false, applied: false, blocks: 6 });
    expect(r.firstMismatch).toMatchObject({ height: '7', what: 'state_root', expected: '07'.repeat(32) });
  });

  it('names a block whose stored result code differs from the replay', async () => {
    const { chain } = await buildScenarioChain();
    const blocks = table(chain, 'blocks');
    const h = 5n;
    const block = decode('Block', (await blocks.get(u64be(h)))!);
    expect(block.events.length).toBeGreaterThan(1);
    block.events[1]!.resultCode = block.events[1]!.resultCode === 0 ? 5 : 0;
    await blocks.put(u64be(h), encode('Block', block));
    const r = await rebuild({ db: chain.db, genesis: chain.genesis });
    expect(r.firstMismatch).toMatchObject({ height: '5', what: 'result of event 1' });
  });

  it('gives a node that ran without projections exactly the projections of one that ran with them', async () => {
    const a = (await buildScenarioChain()).chain;
    const b = (await buildScenarioChain({ projections: false })).chain;
    const before = await rebuild({ db: b.db, genesis: b.genesis });
    expect(before.stateRootsMatch).toBe(true);
    expect(before.differences).toBeGreaterThan(0);
    expect(Object.keys(before.byTable).every((t) => t.startsWith('proj-'))).toBe(true); // the state was right
    expect(await rebuild({ db: b.db, genesis: b.genesis, apply: true })).toMatchObject({ ok: true, applied: true });
    for (const name of PROJECTION_TABLES) expect(await entries(table(b, name)), name).toEqual(await entries(table(a, name)));
  });

  it('a node catching up from committed blocks (the peer path) writes the same projections', async () => {
    const a = (await buildScenarioChain()).chain;
    const db = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
    const projections = await Projections.open(db, { limits: a.genesis.limits });
    const b = await NodeCore.open({ genesis: a.genesis, nodeIndex: 1, key: a.nodeKey, db, hooks: [projections.hook], syncWrites: false });
    await b.handle({ kind: 'start', nowMs: 0 });
    for (let h = 1n; h <= a.height; h++) {
      const out = await b.handle({ kind: 'block', from: 2, block: (await a.core.blocks.blockBytes(h))!, commit: (await a.core.blocks.commit(h))! });
      expect(out.some((o) => o.kind === 'committed' && o.viaPeer)).toBe(true);
    }
    expect(b.blocks.head.height).toBe(a.height);
    for (const name of PROJECTION_TABLES) {
      expect(await entries(db.sublevel(name, VIEW) as unknown as AnySublevel), name).toEqual(await entries(table(a, name)));
    }
  });
});
