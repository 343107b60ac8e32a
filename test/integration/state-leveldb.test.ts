/**
 * The state store on real LevelDB (the `level` package; never mocked): blocks applied and
 * committed in one batch each, then the database closed and reopened: the root, the records,
 * proofs and the event-id index (its Bloom filter rebuilt from disk) survive.
 */
import { Level } from 'level';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyStateRecord } from '../../ledger/state-tree-verify.js';
import { BlockState } from '../../ledger/state-machine.js';
import { StateStore, type AnyDb } from '../../ledger/state-store.js';
import { certIssued } from '../helpers/payloads.js';
import { World } from '../helpers/world.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('state store on LevelDB', () => {
  it('commits blocks atomically and reopens with the same root, records, proofs and id index', async () => {
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
    const w = await World.create({ db });
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
    const events = Array.from({ length: 300 }, (_, i) => w.event('dept.realestate', certIssued(`C-${i}`)));
    const r1 = await w.block(events.slice(0, 150));
    const r2 = await w.block(events.slice(150));
    expect(new Set([...r1.codes, ...r2.codes])).toEqual(new Set(['OK']));
    const root = w.store.stateRoot;
    await db.close();

    const db2 = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
    const store = await StateStore.open(db2);
    expect(store.stateRoot).toEqual(root);
    expect(store.height).toBe(3n);
    const p = await store.prove('cert', 'C-42');
    expect(verifyStateRecord(root, 'cert', 'C-42', p.recordBytes, p.proof)).toEqual({ ok: true, present: true });
    const absent = await store.prove('cert', 'C-999');
    expect(verifyStateRecord(root, 'cert', 'C-999', null, absent.proof)).toEqual({ ok: true, present: false });
    // a retry of an old event after the restart is still dropped; the next sequence continues
    const b = BlockState.open(store, { rules: w.rules, height: 4n, logSize: w.logSize });
    const next = w.event('dept.realestate', certIssued('C-300'));
    await b.prefetch([events[7]!, next]);
    const check = () => true;
    expect(b.apply(events[7]!, { recordTime: 1n, offset: 0n }, check)).toEqual({ kind: 'drop', reason: 'RETRIED_DUPLICATE' });
    expect(b.apply(next, { recordTime: 1n, offset: 1n }, check)).toMatchObject({ kind: 'include', code: 0 });
    const { writes } = await b.finish();
    await store.writeBatch(writes);
    b.markCommitted();
    expect(store.height).toBe(4n);
    await db2.close();
  });
});
