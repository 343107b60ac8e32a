/**
 * The grouped storage of the state tree (ledger/state-tree.ts: four binary levels per stored
 * group): whatever the layout, roots and proofs are the binary tree's of DESIGN.md section 9, so
 * they are compared with the naive reference and with proofs built from the entries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import {
  decodeGroup,
  groupPath,
  MemoryNodes,
  proveFromEntries,
  proveStored,
  stateKey,
  stateRootOf,
  updateStoredTree,
  verifyStateProof,
  type Entry,
} from '../../ledger/state-tree.js';
import { naiveRoot } from '../helpers/naive-smt.js';

const h32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Keys equal to a base except in their last `bits` bits: leaves in the deepest groups (depth up to 256). */
function keysDifferingInLast(bits: number, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const k = new Uint8Array(32).fill(0x5c);
    const v = (i * 2654435761) >>> (32 - bits);
    for (let b = 0; b < bits; b++) {
      const bit = 255 - b;
      if ((v >> b) & 1) k[bit >> 3]! |= 0x80 >> (bit & 7);
      else k[bit >> 3]! &= ~(0x80 >> (bit & 7));
    }
    if (!out.some((o) => toHex(o) === toHex(k))) out.push(k);
  }
  return out;
}

async function check(nodes: MemoryNodes, entries: Entry[], probes: Uint8Array[]): Promise<void> {
  const root = stateRootOf(entries);
  for (const k of probes) {
    const stored = await proveStored(nodes, k);
    expect(toHex(stored.proof)).toBe(toHex(proveFromEntries(entries, k)));
    const present = entries.find((e) => toHex(e[0]) === toHex(k));
    expect(stored.valueHash === null ? null : toHex(stored.valueHash)).toBe(present ? toHex(present[1]) : null);
    expect(verifyStateProof(root, k, present ? present[1] : null, stored.proof)).toEqual({ ok: true, present: present !== undefined });
  }
}

describe('state tree groups', () => {
  it('one key: the root group holds a single leaf; two keys differing in bit 255: leaves at depth 256', async () => {
    const nodes = new MemoryNodes();
    const [a, b] = keysDifferingInLast(1, 2);
    const one: Entry[] = [[a!, new Uint8Array(32).fill(1)]];
    let u = await updateStoredTree(nodes, one);
    nodes.apply(u);
    expect(u.writes.size).toBe(1);
    expect(u.root).toEqual(naiveRoot(one));
    await check(nodes, one, [a!, b!]);
    const two: Entry[] = [...one, [b!, new Uint8Array(32).fill(2)]];
    u = await updateStoredTree(nodes, [two[1]!]);
    nodes.apply(u);
    expect(u.root).toEqual(naiveRoot(two));
    // the root group and one group per level down to level 63 (depth 252..256)
    expect(u.writes.size).toBe(64);
    expect([...u.writes.values()].some((w) => w.path[0] === 63)).toBe(true);
    await check(nodes, two, [a!, b!, new Uint8Array(32)]);
  });

  it('random batches of keys sharing long prefixes: roots equal the naive tree, proofs equal the in-memory proofs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }), h32), { minLength: 1, maxLength: 4 }), async (batches) => {
        const nodes = new MemoryNodes();
        const state = new Map<string, Entry>();
        for (const [bits, count, v] of batches) {
          const batch: Entry[] = keysDifferingInLast(bits, count).map((k, i) => [k, new Uint8Array(v).fill(i, 0, 1)]);
          const u = await updateStoredTree(nodes, batch);
          nodes.apply(u);
          for (const e of batch) state.set(toHex(e[0]), e);
          expect(u.root).toEqual(naiveRoot([...state.values()]));
        }
        const entries = [...state.values()];
        await check(nodes, entries, [...entries.slice(0, 4).map((e) => e[0]), ...keysDifferingInLast(12, 3)]);
      }),
      { numRuns: 40 },
    );
  });

  it('a batch of 1,000 updates over 20,000 keys writes each group it passes once, far fewer than binary nodes', async () => {
    const nodes = new MemoryNodes();
    const entries: Entry[] = Array.from({ length: 20_000 }, (_, i) => [stateKey('cert', `c${i}`), new Uint8Array(32).fill(i & 255)]);
    nodes.apply(await updateStoredTree(nodes, entries));
    const batch: Entry[] = entries.slice(0, 1000).map(([k]) => [k, new Uint8Array(32).fill(7)]);
    const u = await updateStoredTree(nodes, batch);
    nodes.apply(u);
    // levels 0..2 (1 + 16 + 256 groups) plus about one group per key below; a binary layout writes ~8,000 nodes
    expect(u.writes.size).toBeLessThan(2500);
    const after = entries.map(([k], i): Entry => [k, i < 1000 ? new Uint8Array(32).fill(7) : new Uint8Array(32).fill(i & 255)]);
    expect(u.root).toEqual(stateRootOf(after));
    await check(nodes, after, [entries[3]![0], entries[12_345]![0], stateKey('cert', 'absent')]);
  });

  it('group keys: u8 level and the prefix of 4 x level bits', () => {
    const k = new Uint8Array(32).fill(0xff);
    expect(toHex(groupPath(k, 0))).toBe('00');
    expect(toHex(groupPath(k, 1))).toBe('01f0');
    expect(toHex(groupPath(k, 2))).toBe('02ff');
    expect(toHex(groupPath(k, 3))).toBe('03fff0');
    expect(groupPath(k, 63).length).toBe(33);
  });

  it('malformed or missing groups are STORE_FORMAT errors, never a wrong root', async () => {
    const nodes = new MemoryNodes();
    const entries: Entry[] = Array.from({ length: 300 }, (_, i) => [stateKey('grant', `g${i}`), new Uint8Array(32).fill(i & 255)]);
    nodes.apply(await updateStoredTree(nodes, entries));
    const rootBytes = nodes.nodes.get('00')!;
    expect(() => decodeGroup(rootBytes.subarray(0, rootBytes.length - 1))).toThrowError(expect.objectContaining({ code: 'STORE_FORMAT' }));
    expect(() => decodeGroup(new Uint8Array(3))).toThrowError(expect.objectContaining({ code: 'STORE_FORMAT' }));
    const overlap = new Uint8Array(rootBytes);
    overlap[7]! |= overlap[3]! & 0xfe; // a position both internal and a leaf
    expect(() => decodeGroup(overlap)).toThrowError(expect.objectContaining({ code: 'STORE_FORMAT' }));
    const orphan = new Uint8Array(8);
    orphan[7] = 0x04; // position 2 a leaf with no internal node above it
    expect(() => decodeGroup(orphan)).toThrowError(expect.objectContaining({ code: 'STORE_FORMAT' }));
    // drop a level-1 group: updates and proofs through it fail loudly
    const victim = [...nodes.nodes.keys()].find((k) => k.startsWith('01'))!;
    nodes.nodes.delete(victim);
    const under = entries.find(([k]) => toHex(groupPath(k, 1)) === victim)!;
    await expect(proveStored(nodes, under[0])).rejects.toMatchObject({ code: 'STORE_FORMAT' });
    await expect(updateStoredTree(nodes, [[under[0], new Uint8Array(32)]])).rejects.toMatchObject({ code: 'STORE_FORMAT' });
  });
});
