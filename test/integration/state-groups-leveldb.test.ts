/**
 * The grouped state tree on real LevelDB (the `level` package; never mocked): after blocks of
 * many certificates and transfers, the database is reopened with no group cache, so every proof
 * reads its groups from disk; each proof and the root are compared with the binary tree built
 * from all stored records (DESIGN.md section 9). A store whose tree is in another layout (the
 * first, one record per binary node, wrote no layout marker) is refused on open.
 */
import { Level } from 'level';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../ledger/bytes.js';
import { recordValueHash, splitRecordKey } from '../../ledger/state-records.js';
import { StateStore, type AnyDb, type AnySublevel } from '../../ledger/state-store.js';
import { proveFromEntries, stateKey, stateRootOf, type Entry } from '../../ledger/state-tree.js';
import { b32, certIssued } from '../helpers/payloads.js';
import { World } from '../helpers/world.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const open = (path: string) => new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;

describe('grouped state tree on LevelDB', () => {
  it('reopened without caches, every proof read from disk equals the proof from all records', async () => {
    const path = join(dir, 'a');
    const db = open(path);
    const w = await World.create({ db });
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
    const cert = (i: number) => w.event('dept.realestate', certIssued(`C-${i}`, 'BDC', { holderCommitment: b32(i & 255) }));
    for (let b = 0; b < 4; b++) await w.block(Array.from({ length: 400 }, (_, i) => cert(b * 400 + i)));
    const moves = Array.from({ length: 300 }, (_, i) =>
      w.event('dept.realestate', { certificateTransferred: { certificateId: `C-${i * 5}`, newHolderCommitment: b32(200), documentSha256: new Uint8Array(0), reason: '' } }),
    );
    expect(new Set((await w.block(moves)).codes)).toEqual(new Set(['OK']));
    const root = w.store.stateRoot;
    await db.close();

    const db2 = open(path);
    const store = await StateStore.open(db2, { nodeCacheDepth: -1, recordCacheSize: 1 });
    expect(toHex(store.stateRoot)).toBe(toHex(root));
    const entries: Entry[] = [];
    for await (const [k, v] of store.records.iterator()) {
      const [type, id] = splitRecordKey(new TextDecoder().decode(k));
      entries.push([stateKey(type, id), recordValueHash(new Uint8Array(v))]);
    }
    expect(entries.length).toBe(1 + 1 + 1600); // the authority, the department, the certificates
    expect(toHex(stateRootOf(entries))).toBe(toHex(root));
    for (const id of ['C-0', 'C-5', 'C-1', 'C-1599', 'C-777', 'C-1600', 'nope']) {
      const p = await store.prove('cert', id);
      expect(toHex(p.proof), id).toBe(toHex(proveFromEntries(entries, stateKey('cert', id))));
    }
    await db2.close();
  });

  it('refuses a store whose tree has no layout marker', async () => {
    const path = join(dir, 'b');
    const db = open(path);
    const meta = db.sublevel('state-meta', { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnySublevel;
    await meta.put(utf8('root'), new Uint8Array(32).fill(1));
    await meta.put(utf8('height'), new Uint8Array(8));
    await db.close();
    await expect(StateStore.open(open(path))).rejects.toMatchObject({ code: 'STORE_FORMAT' });
  });
});
