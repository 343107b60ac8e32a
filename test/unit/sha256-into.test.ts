import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { sha256 } from '../../ledger/hash.js';
import { sha256BlocksCompressed, sha256Into } from '../../ledger/sha256-into.js';

function into(data: Uint8Array): string {
  const out = new Uint8Array(40);
  sha256Into(data, out, 4);
  // nothing outside [4, 36) is touched
  expect([...out.subarray(0, 4), ...out.subarray(36)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  return toHex(out.subarray(4, 36));
}

describe('sha256Into (the state tree hash)', () => {
  it('FIPS 180-4 examples: "abc" and the empty message', () => {
    expect(into(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(into(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('equals Node crypto and @noble/hashes for every length 0..300 (padding in one or two blocks)', () => {
    for (let n = 0; n <= 300; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 255);
      const want = createHash('sha256').update(data).digest('hex');
      expect(into(data), `length ${n}`).toBe(want);
      expect(toHex(sha256(data)), `length ${n}`).toBe(want);
    }
  });
  it('equals Node crypto on random inputs, and hashes only the given length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (data, cut) => {
        expect(into(data)).toBe(createHash('sha256').update(data).digest('hex'));
        const n = data.length === 0 ? 0 : cut % data.length;
        const out = new Uint8Array(32);
        sha256Into(data, out, 0, n);
        expect(toHex(out)).toBe(createHash('sha256').update(data.subarray(0, n)).digest('hex'));
      }),
    );
  });
  it('counts the 64-byte blocks it compresses (the padded message: length + 9 bytes, rounded up)', () => {
    const out = new Uint8Array(32);
    for (const [length, blocks] of [[0, 1], [55, 1], [56, 2], [64, 2], [119, 2], [120, 3], [1000, 16]] as const) {
      const before = sha256BlocksCompressed();
      sha256Into(new Uint8Array(length), out);
      expect(sha256BlocksCompressed() - before, `length ${length}`).toBe(blocks);
    }
  });
});
