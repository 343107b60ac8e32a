import fc from 'fast-check';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../ledger/bytes.js';
import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootFromInclusionProof,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from '../../ledger/merkle.js';
import { describeMerkleCheck } from '../../ledger/merkle-verify.js';
import { VECTORS_DIR, readVectorJson } from '../helpers/vectors.js';

interface Facts {
  leaf_inputs: string[];
  leaf_hashes: string[];
  roots_by_tree_size: Record<string, string>;
}

const facts = readVectorJson<Facts>('merkle-rfc6962-facts', 'rfc6962_leaves_roots.json');
const b64 = (s: string | null | undefined): Uint8Array => new Uint8Array(Buffer.from(s ?? '', 'base64'));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
  });
}

describe('RFC 6962 / 9162 tree heads (merkle-rfc6962-facts)', () => {
  it('leaf hashes are SHA-256(0x00 || leaf)', () => {
    facts.leaf_inputs.forEach((input, i) => expect(toHex(leafHash(fromHex(input))), `leaf ${i}`).toBe(facts.leaf_hashes[i]));
  });
  it('roots of the trees of 0..8 leaves', () => {
    const leaves = facts.leaf_hashes.map((h) => fromHex(h));
    for (const [size, root] of Object.entries(facts.roots_by_tree_size)) {
      expect(toHex(rootHash(leaves.slice(0, Number(size)))), `size ${size}`).toBe(root);
    }
    expect(toHex(EMPTY_ROOT)).toBe(facts.roots_by_tree_size['0']);
  });
});

describe('transparency-dev inclusion and consistency cases', () => {
  const root = join(VECTORS_DIR, 'merkle-transparency-dev', 'testdata');
  const files = walk(root).sort();
  it('has all 196 cases', () => expect(files.length).toBe(196));
  const leaves = facts.leaf_hashes.map((h) => fromHex(h));
  for (const file of files) {
    const name = relative(root, file);
    const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    it(`${name}: ${v.wantErr ? 'rejected' : 'accepted'} (${String(v.desc)})`, () => {
      const proof = ((v.proof as string[] | null) ?? []).map(b64);
      if (name.startsWith('inclusion')) {
        const r = verifyInclusion(b64(v.leafHash as string), Number(v.leafIdx), Number(v.treeSize), proof, b64(v.root as string));
        expect(r.ok, `${name} ${r.code ?? ''}`).toBe(!v.wantErr);
        if (!v.wantErr && Number(v.treeSize) <= 8 && toHex(b64(v.root as string)) === facts.roots_by_tree_size[String(v.treeSize)]) {
          expect(inclusionProof(leaves.slice(0, Number(v.treeSize)), Number(v.leafIdx)).map(toHex), `${name}: our proof`).toEqual(proof.map(toHex));
        }
      } else {
        const r = verifyConsistency(Number(v.size1), Number(v.size2), b64(v.root1 as string), b64(v.root2 as string), proof);
        expect(r.ok, `${name} ${r.code ?? ''}`).toBe(!v.wantErr);
        if (!v.wantErr && Number(v.size2) <= 8 && toHex(b64(v.root2 as string)) === facts.roots_by_tree_size[String(v.size2)]) {
          expect(consistencyProof(leaves.slice(0, Number(v.size2)), Number(v.size1)).map(toHex), `${name}: our proof`).toEqual(proof.map(toHex));
        }
      }
    });
  }
});

function flipBit(h: Uint8Array, pick: number): Uint8Array {
  h[pick % h.length] = h[pick % h.length]! ^ (1 << pick % 8);
  return h;
}

const leavesOf = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i & 0xff, i >> 8)));

describe('proofs: properties', () => {
  it('every inclusion proof verifies; the implied root is the tree head', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, seed) => {
        const leaves = leavesOf(n);
        const i = seed % n;
        const proof = inclusionProof(leaves, i);
        const root = rootHash(leaves);
        expect(verifyInclusion(leaves[i]!, i, n, proof, root)).toEqual({ ok: true });
        const r = rootFromInclusionProof(leaves[i]!, BigInt(i), BigInt(n), proof);
        expect(r.ok && toHex(r.root)).toBe(toHex(root));
      }),
      { numRuns: 200 },
    );
  });
  it('every consistency proof verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, seed) => {
        const leaves = leavesOf(n);
        const m = 1 + (seed % n); // 0 < m <= n
        const proof = consistencyProof(leaves, m);
        expect(verifyConsistency(m, n, rootHash(leaves.slice(0, m)), rootHash(leaves), proof)).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });
  // (A larger size with the same proof and root can verify on the left edge of the tree: a root
  // commits to its size only together with the size's true root, which is why checkpoints carry
  // both. So the size is mutated to one the index cannot be in.)
  it('any mutated inclusion proof, index, size or root is rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 5 }), (n, seed, pick, kind) => {
        const leaves = leavesOf(n);
        const i = seed % n;
        const proof: Uint8Array[] = inclusionProof(leaves, i).map((h) => new Uint8Array(h));
        let root = rootHash(leaves);
        let idx = i;
        let size = n;
        const leaf = leaves[i]!;
        if (kind === 0 && proof.length > 0) flipBit(proof[pick % proof.length]!, pick);
        else if (kind === 1) proof.push(leaves[0]!);
        else if (kind === 2 && proof.length > 0) proof.pop();
        else if (kind === 3) idx = (i + 1 + (pick % (n - 1))) % n;
        else if (kind === 4) size = i; // the index is no longer below the size
        else {
          root = flipBit(new Uint8Array(root), pick);
        }
        if (kind === 0 && proof.length === 0) return; // a single-leaf tree has nothing to mutate
        if (kind === 2 && inclusionProof(leaves, i).length === 0) return;
        expect(verifyInclusion(leaf, idx, size, proof, root).ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
  it('any mutated consistency proof or root is rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), (n, seed, pick, kind) => {
        const leaves = leavesOf(n);
        const m = 1 + (seed % (n - 1)); // 0 < m < n
        const proof: Uint8Array[] = consistencyProof(leaves, m).map((h) => new Uint8Array(h));
        let oldRoot = rootHash(leaves.slice(0, m));
        let newRoot = rootHash(leaves);
        if (kind === 0) flipBit(proof[pick % proof.length]!, pick);
        else if (kind === 1) proof.push(leaves[0]!);
        else if (kind === 2) {
          oldRoot = flipBit(new Uint8Array(oldRoot), pick);
        } else {
          newRoot = flipBit(new Uint8Array(newRoot), pick);
        }
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof).ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
  it('checks never throw on malformed input, and say why', () => {
    const leaves = leavesOf(5);
    const root = rootHash(leaves);
    expect(verifyInclusion(new Uint8Array(31), 0, 5, [], root)).toEqual({ ok: false, code: 'BAD_INPUT' });
    expect(verifyInclusion(leaves[0]!, 5, 5, [], root)).toEqual({ ok: false, code: 'INDEX_BEYOND_SIZE' });
    expect(verifyInclusion(leaves[0]!, -1, 5, [], root)).toEqual({ ok: false, code: 'BAD_INPUT' });
    expect(verifyInclusion(leaves[0]!, 0, 5, null as unknown as Uint8Array[], root)).toEqual({ ok: false, code: 'BAD_INPUT' });
    expect(verifyInclusion(leaves[0]!, 0, 5, [new Uint8Array(5)], root)).toEqual({ ok: false, code: 'BAD_INPUT' });
    expect(verifyInclusion(leaves[0]!, 0, 5, [], root)).toEqual({ ok: false, code: 'PROOF_TOO_SHORT' });
    expect(verifyConsistency(5, 3, root, root, [])).toEqual({ ok: false, code: 'SIZE_ORDER' });
    expect(verifyConsistency(2, 5, root, root, [])).toEqual({ ok: false, code: 'PROOF_TOO_SHORT' });
    expect(verifyConsistency(0, 5, EMPTY_ROOT, root, [])).toEqual({ ok: false, code: 'EMPTY_OLD_TREE' });
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toEqual({ ok: true });
    expect(verifyConsistency(2n ** 64n, 5, root, root, [])).toEqual({ ok: false, code: 'BAD_INPUT' });
  });
  it('building a proof beyond the size is a typed error', () => {
    expect(() => inclusionProof(leavesOf(3), 3)).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => consistencyProof(leavesOf(3), 4)).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => rootHash([new Uint8Array(3)])).toThrowError(expect.objectContaining({ code: 'BAD_LENGTH' }));
  });
});

describe('a root mismatch carries both roots', () => {
  const leaves = Array.from({ length: 7 }, (_, i) => leafHash(new Uint8Array([i])));
  const root7 = rootHash(leaves);
  const root4 = rootHash(leaves.slice(0, 4));
  const wrong = new Uint8Array(32).fill(0xab);

  it('inclusion: the given root and the one the proof leads to', () => {
    const check = verifyInclusion(leaves[2]!, 2, 7, inclusionProof(leaves, 2), wrong);
    expect(check).toMatchObject({ ok: false, code: 'ROOT_MISMATCH' });
    expect(toHex(check.expected!)).toBe(toHex(wrong));
    expect(toHex(check.computed!)).toBe(toHex(root7));
    expect(describeMerkleCheck(check)).toBe(`ROOT_MISMATCH: expected root ${toHex(wrong)}, the proof gives ${toHex(root7)}`);
  });

  it('consistency: old and new roots, each with what the proof computes', () => {
    const proof = consistencyProof(leaves, 4);
    const old = verifyConsistency(4, 7, wrong, root7, proof);
    // size 4 is a power of two: the old root is the proof's first hash, so a wrong old root
    // shows in the new root the proof computes
    expect(old.ok).toBe(false);
    expect(old.expected).toBeDefined();
    expect(old.computed).toBeDefined();
    expect(toHex(old.expected!)).not.toBe(toHex(old.computed!));
    const fresh = verifyConsistency(4, 7, root4, wrong, proof);
    expect(fresh).toMatchObject({ ok: false, code: 'NEW_ROOT_MISMATCH' });
    expect(toHex(fresh.expected!)).toBe(toHex(wrong));
    expect(toHex(fresh.computed!)).toBe(toHex(root7));
  });
});
