import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../ledger/bytes.js';
import { proveFromEntries, recordValueHash, stateKey, stateRootOf, verifyStateProof, type Entry } from '../../ledger/state-tree.js';
import { naiveRoot } from '../helpers/naive-smt.js';

const dir = new URL('../vectors/state-tree/', import.meta.url);
const tree = JSON.parse(readFileSync(new URL('tree.json', dir), 'utf8')) as {
  entries: Array<{ type: string; id: string; key: string; record: string; valueHash: string }>;
  root: string;
};
interface Case {
  name: string;
  root: string;
  type: string;
  id: string;
  valueHash: string | null;
  proof: string;
  expect: { ok: boolean; present?: boolean; code?: string };
}
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'tree.json')
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Case);

describe('state-tree vectors (test/vectors/state-tree)', () => {
  const entries: Entry[] = tree.entries.map((e) => [fromHex(e.key), fromHex(e.valueHash)]);
  it('tree.json: keys, value hashes and the root recompute', () => {
    for (const e of tree.entries) {
      expect(toHex(stateKey(e.type, e.id)), `${e.type}/${e.id} key`).toBe(e.key);
      expect(toHex(recordValueHash(fromHex(e.record))), `${e.type}/${e.id} value hash`).toBe(e.valueHash);
    }
    expect(toHex(stateRootOf(entries))).toBe(tree.root);
    expect(toHex(naiveRoot(entries))).toBe(tree.root);
  });
  it('has the three positive kinds and more negative cases than positive', () => {
    const names = cases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['present', 'absent-empty', 'absent-other-leaf']));
    expect(cases.filter((c) => !c.expect.ok).length).toBeGreaterThan(cases.filter((c) => c.expect.ok).length);
  });
  for (const c of cases) {
    it(`${c.name}`, () => {
      expect(c.root).toBe(tree.root);
      const key = stateKey(c.type, c.id);
      const got = verifyStateProof(fromHex(c.root), key, c.valueHash === null ? null : fromHex(c.valueHash), fromHex(c.proof));
      expect(got.ok, c.name).toBe(c.expect.ok);
      if (got.ok) {
        expect(got.present, c.name).toBe(c.expect.present);
        expect(toHex(proveFromEntries(entries, key)), `${c.name}: the proof recomputes`).toBe(c.proof);
      } else if (c.expect.code !== undefined) expect(got.code, c.name).toBe(c.expect.code);
    });
  }
});
