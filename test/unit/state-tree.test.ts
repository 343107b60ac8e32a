import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, u16be, u8, utf8 } from '../../ledger/bytes.js';
import {
  EMPTY_HASH,
  MemoryNodes,
  smtLeafHash as leafHash,
  smtNodeHash as nodeHash,
  proveFromEntries,
  proveStored,
  stateKey,
  stateRootOf,
  updateStoredTree,
  verifyStateProof,
  type Entry,
} from '../../ledger/state-tree.js';
import { decodeStateProof, smtLeafHash, smtNodeHash } from '../../ledger/state-tree-verify.js';
import { naivePath, naiveRoot } from '../helpers/naive-smt.js';

const h32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Entries with distinct keys; small key spaces force shared prefixes. */
const entriesArb = fc.uniqueArray(fc.tuple(h32, h32), { maxLength: 40, selector: (e) => toHex(e[0]) });
/** Keys that share long prefixes: the first bytes fixed, so leaves sit deep. */
const deepKey = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 1, maxLength: 1 })).map(([a, b]) => {
  const k = new Uint8Array(32).fill(0xaa);
  k[30] = a;
  k[31] = b[0]!;
  return k;
});
const deepEntriesArb = fc.uniqueArray(fc.tuple(deepKey, h32), { maxLength: 12, selector: (e) => toHex(e[0]) });

function sha(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(createHash('sha256').update(concatBytes(...parts)).digest());
}

describe('state tree: keys and hashes (DESIGN.md section 9)', () => {
  it('key = SHA-256("ledger:smt-key:v1" || u8 len type || type || u16 len id || id)', () => {
    const t = utf8('cert');
    const id = utf8('11100000MB0000000X:BDC:2026-000123');
    expect(stateKey('cert', '11100000MB0000000X:BDC:2026-000123')).toEqual(sha(utf8('ledger:smt-key:v1'), u8(t.length), t, u16be(id.length), id));
    expect(toHex(stateKey('dept', 'a'))).not.toBe(toHex(stateKey('cert', 'a')));
  });
  it('the Node-crypto leaf and node hashes equal the pure ones', () => {
    fc.assert(
      fc.property(h32, h32, (a, b) => {
        // (the fast hashes return Buffers, a Uint8Array subclass: compared as hex)
        expect(toHex(leafHash(a, b))).toBe(toHex(smtLeafHash(a, b)));
        expect(toHex(nodeHash(a, b))).toBe(toHex(smtNodeHash(a, b)));
        expect(toHex(leafHash(a, b))).toBe(toHex(sha(utf8('ledger:smt-leaf:v1'), a, b)));
        expect(toHex(nodeHash(a, b))).toBe(toHex(sha(utf8('ledger:smt-node:v1'), a, b)));
      }),
    );
  });
  it('the empty tree has root 32 zero bytes; one entry is its leaf', () => {
    expect(stateRootOf([])).toEqual(EMPTY_HASH);
    const k = stateKey('dept', 'x');
    const v = new Uint8Array(32).fill(7);
    expect(stateRootOf([[k, v]])).toEqual(smtLeafHash(k, v));
  });
  it('stateRootOf equals the naive definition, whatever the order', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer(), (entries, seed) => {
        const shuffled = [...entries].sort((a, b) => ((toHex(a[0]).charCodeAt(seed & 31) ^ seed) & 7) - ((toHex(b[0]).charCodeAt(seed & 31) ^ seed) & 7));
        expect(stateRootOf(entries)).toEqual(naiveRoot(entries));
        expect(stateRootOf(shuffled)).toEqual(naiveRoot(entries));
      }),
    );
    fc.assert(
      fc.property(deepEntriesArb, (entries) => {
        expect(stateRootOf(entries)).toEqual(naiveRoot(entries));
      }),
    );
  });
  it('rejects duplicate keys', () => {
    const k = stateKey('dept', 'x');
    expect(() => stateRootOf([[k, EMPTY_HASH], [k, EMPTY_HASH]])).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});

describe('state tree: batched updates over stored nodes', () => {
  it('any sequence of batches gives the root of the final entry set', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(entriesArb, deepEntriesArb), { minLength: 1, maxLength: 5 }), async (batches) => {
        const nodes = new MemoryNodes();
        const state = new Map<string, Entry>();
        for (const batch of batches) {
          const u = await updateStoredTree(nodes, batch);
          nodes.apply(u);
          for (const e of batch) state.set(toHex(e[0]), e);
          expect(u.root).toEqual(naiveRoot([...state.values()]));
        }
      }),
      { numRuns: 60 },
    );
  });
  it('an update of n keys in one batch hashes shared upper nodes once (fewer writes than n x depth)', async () => {
    const nodes = new MemoryNodes();
    const entries: Entry[] = Array.from({ length: 4096 }, (_, i) => [stateKey('cert', `c${i}`), new Uint8Array(32).fill(i & 255)]);
    nodes.apply(await updateStoredTree(nodes, entries));
    const batch: Entry[] = entries.slice(0, 1000).map(([k]) => [k, new Uint8Array(32).fill(9)]);
    const u = await updateStoredTree(nodes, batch);
    // about 1000 leaves plus the shared upper levels, far below 1000 x ~12 path nodes
    expect(u.writes.size).toBeLessThan(1000 * 5);
    expect(u.root).toEqual(stateRootOf(entries.map(([k], i) => [k, i < 1000 ? new Uint8Array(32).fill(9) : new Uint8Array(32).fill(i & 255)])));
  });
});

describe('state proofs', () => {
  it('stored proofs equal in-memory proofs and verify for present and absent keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(entriesArb, deepEntriesArb), fc.oneof(h32, deepKey), async (entries, probe) => {
        const nodes = new MemoryNodes();
        const u = await updateStoredTree(nodes, entries);
        nodes.apply(u);
        const root = stateRootOf(entries);
        expect(u.root).toEqual(root);
        for (const [k, v] of [...entries.slice(0, 3), [probe, null] as const]) {
          const present = entries.find((e) => toHex(e[0]) === toHex(k));
          const stored = await proveStored(nodes, k);
          const mem = proveFromEntries(entries, k);
          expect(stored.proof).toEqual(mem);
          const vh = present ? present[1] : null;
          expect(stored.valueHash).toEqual(vh);
          expect(verifyStateProof(root, k, vh, mem)).toEqual({ ok: true, present: vh !== null });
          // the naive path agrees on depth and siblings
          const p = decodeStateProof(mem);
          if (!p.ok) throw new Error(p.message);
          const n = naivePath(entries, k);
          expect(p.proof.depth).toBe(n.depth);
          expect(p.proof.siblings).toEqual(n.siblings.filter((s) => toHex(s) !== toHex(EMPTY_HASH)));
          void v;
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a proof fails when any byte of proof, key, value hash or root changes, or with extra or missing bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(entriesArb, deepEntriesArb), h32, fc.nat(), fc.integer({ min: 1, max: 255 }), async (entries, absentKey, pos, flip) => {
        const root = stateRootOf(entries);
        const cases: Array<[Uint8Array, Uint8Array | null]> = [[absentKey, null]];
        if (entries.length > 0) cases.push([entries[pos % entries.length]![0], entries[pos % entries.length]![1]]);
        for (const [key, vh] of cases) {
          if (vh === null && entries.some((e) => toHex(e[0]) === toHex(key))) continue;
          const proof = proveFromEntries(entries, key);
          expect(verifyStateProof(root, key, vh, proof).ok).toBe(true);
          const mutate = (b: Uint8Array, i: number) => {
            const c = new Uint8Array(b);
            c[i % c.length]! ^= flip;
            return c;
          };
          expect(verifyStateProof(root, key, vh, mutate(proof, pos)).ok, 'proof byte').toBe(false);
          if (vh) expect(verifyStateProof(root, mutate(key, pos), vh, proof).ok, 'key byte').toBe(false);
          else {
            // an absence proof covers every key on the same path: a change within its first d bits breaks it
            const d = (proof[0]! << 8) | proof[1]!;
            if (d > 0) {
              const bit = pos % d;
              const k2 = new Uint8Array(key);
              k2[bit >> 3]! ^= 0x80 >> (bit & 7);
              expect(verifyStateProof(root, k2, vh, proof).ok, 'key bit on the path').toBe(false);
            }
          }
          if (vh) expect(verifyStateProof(root, key, mutate(vh, pos), proof).ok, 'value byte').toBe(false);
          expect(verifyStateProof(mutate(root, pos), key, vh, proof).ok, 'root byte').toBe(false);
          expect(verifyStateProof(root, key, vh, concatBytes(proof, u8(0))), 'extra byte').toEqual(expect.objectContaining({ ok: false, code: 'MALFORMED' }));
          expect(verifyStateProof(root, key, vh, proof.subarray(0, proof.length - 1)).ok, 'missing byte').toBe(false);
          // membership asked of an absence proof and the reverse
          expect(verifyStateProof(root, key, vh === null ? new Uint8Array(32) : null, proof)).toEqual(expect.objectContaining({ ok: false, code: 'WRONG_KIND' }));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a bitmap whose popcount differs from the sibling count, and nonzero bitmap padding', () => {
    const entries: Entry[] = Array.from({ length: 20 }, (_, i) => [stateKey('grant', `g${i}`), new Uint8Array(32).fill(i)]);
    const root = stateRootOf(entries);
    const [k, v] = entries[3]!;
    const proof = proveFromEntries(entries, k);
    const p = decodeStateProof(proof);
    if (!p.ok) throw new Error(p.message);
    const { depth, bitmap } = p.proof;
    // find a zero bit within the depth and set it: one sibling more announced than present
    let i = 0;
    while (i < depth && (bitmap[i >> 3]! & (0x80 >> (i & 7))) !== 0) i++;
    if (i < depth) {
      const more = new Uint8Array(proof);
      more[2 + (i >> 3)]! |= 0x80 >> (i & 7);
      expect(verifyStateProof(root, k, v, more)).toEqual(expect.objectContaining({ ok: false }));
    }
    // clear a set bit: one sibling too many for the bitmap, so the terminal lands on sibling bytes
    const firstSet = [...Array(depth).keys()].find((j) => (bitmap[j >> 3]! & (0x80 >> (j & 7))) !== 0)!;
    const fewer = new Uint8Array(proof);
    fewer[2 + (firstSet >> 3)]! &= ~(0x80 >> (firstSet & 7));
    expect(verifyStateProof(root, k, v, fewer).ok).toBe(false);
    if (depth & 7) {
      const pad = new Uint8Array(proof);
      pad[2 + ((depth - 1) >> 3)]! |= 1;
      expect(verifyStateProof(root, k, v, pad)).toEqual(expect.objectContaining({ ok: false, code: 'MALFORMED' }));
    }
  });

  it('an absence proof whose other leaf is the key itself or off the path is rejected', () => {
    const entries: Entry[] = Array.from({ length: 8 }, (_, i) => [stateKey('cert', `c${i}`), new Uint8Array(32).fill(i)]);
    const root = stateRootOf(entries);
    for (let n = 0; n < 200; n++) {
      const k = stateKey('cert', `absent${n}`);
      const proof = proveFromEntries(entries, k);
      const p = decodeStateProof(proof);
      if (!p.ok || p.proof.terminal.kind !== 'other-leaf') continue;
      const self = new Uint8Array(proof);
      self.set(k, proof.length - 64);
      expect(verifyStateProof(root, k, null, self)).toEqual(expect.objectContaining({ ok: false, code: 'BAD_OTHER_LEAF' }));
      return;
    }
    throw new Error('no absent-other-leaf case found');
  });
});
