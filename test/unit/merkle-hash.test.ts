/**
 * ledger/merkle-hash.ts, the one definition of the RFC 9162 section 2.1.1 hashes and the compact
 * frontier: its fast SHA-256 path gives the bytes of @noble/hashes on every input length, and the
 * frontier's root equals the recursive tree head (ledger/merkle.ts) at every size.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../ledger/bytes.js';
import { EMPTY_ROOT, leafHash, MerkleFrontier, nodeHash } from '../../ledger/merkle-hash.js';
import { rootHash } from '../../ledger/merkle.js';
import { smtLeafHash, smtNodeHash } from '../../ledger/state-tree-verify.js';
import { tagBytes, TAG } from '../../ledger/hash.js';

describe('RFC 9162 hashes (ledger/merkle-hash.ts)', () => {
  it('leaf and node hashes equal SHA-256 over the prefixed bytes, for any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (data, l, r) => {
        expect(leafHash(data)).toEqual(sha256(concatBytes(Uint8Array.of(0), data)));
        expect(nodeHash(l, r)).toEqual(sha256(concatBytes(Uint8Array.of(1), l, r)));
      }),
    );
    expect(EMPTY_ROOT).toEqual(sha256(new Uint8Array(0)));
  });

  it('the frontier root is the tree head at every size from 0 to 300', () => {
    const f = new MerkleFrontier();
    const leaves: Uint8Array[] = [];
    for (let n = 0; n <= 300; n++) {
      expect(f.size).toBe(BigInt(n));
      expect(f.root(), `size ${n}`).toEqual(rootHash(leaves));
      const leaf = leafHash(Uint8Array.of(n & 0xff, n >> 8));
      leaves.push(leaf);
      f.append(leaf);
    }
  });

  it('the state-tree hashes equal the tagged SHA-256 of DESIGN.md section 9', () => {
    const a = sha256(Uint8Array.of(1));
    const b = sha256(Uint8Array.of(2));
    expect(smtLeafHash(a, b)).toEqual(sha256(concatBytes(tagBytes(TAG.smtLeaf), a, b)));
    expect(smtNodeHash(a, b)).toEqual(sha256(concatBytes(tagBytes(TAG.smtNode), a, b)));
  });
});
