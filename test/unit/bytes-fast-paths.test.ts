import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { putSafeU64be, putU64be, readSafeU64be, u64be, utf8 } from '../../ledger/bytes.js';
import { atBytes, keyAt, RecordReader, RecordWriter } from '../../ledger/projection-records.js';

// The replay's fast paths must give exactly the bytes of TextEncoder and DataView.
const encoder = new TextEncoder();
const viaDataView = (n: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, false);
  return out;
};

describe('bytes fast paths', () => {
  it('utf8 equals TextEncoder for any string (ASCII, non-ASCII, lone surrogates, long)', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ minLength: 60, maxLength: 80 }), fc.constantFrom('\ud800', 'a\udc00b', '', 'é', '部门')), (s) => {
      expect(utf8(s)).toEqual(encoder.encode(s));
    }));
  });
  it('putSafeU64be and readSafeU64be equal DataView for every safe integer, and refuse 2^53 and more', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.maxSafeNat()), (n) => {
      const out = new Uint8Array(9).fill(0xaa);
      putSafeU64be(out, 1, n);
      expect(out.subarray(1)).toEqual(viaDataView(BigInt(n)));
      expect(out[0]).toBe(0xaa);
      expect(readSafeU64be(out, 1)).toBe(n);
    }));
    expect(readSafeU64be(viaDataView(2n ** 53n), 0)).toBeUndefined();
    expect(readSafeU64be(viaDataView(2n ** 64n - 1n), 0)).toBeUndefined();
  });
  it('u64be and putU64be equal DataView.setBigUint64 across the range', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0, 3), (n, at) => {
      expect(u64be(n)).toEqual(viaDataView(n));
      const out = new Uint8Array(at + 8).fill(0xaa);
      putU64be(out.subarray(0), at, n);
      expect(out.subarray(at)).toEqual(viaDataView(n));
      expect(out.subarray(0, at)).toEqual(new Uint8Array(at).fill(0xaa));
    }));
    for (const n of [0n, 1n, 0xffffffffn, 0x100000000n, 2n ** 64n - 1n]) expect(u64be(n)).toEqual(viaDataView(n));
    expect(() => u64be(-1n)).toThrow(RangeError);
    expect(() => u64be(2n ** 64n)).toThrow(RangeError);
  });
  it('keyAt and atBytes write u64 height || u32 index', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 40 }), (height, index, prefix) => {
      const at = new Uint8Array(12);
      const v = new DataView(at.buffer);
      v.setBigUint64(0, height, false);
      v.setUint32(8, index, false);
      expect(atBytes({ height, index })).toEqual(at);
      expect(keyAt(prefix, { height, index })).toEqual(new Uint8Array([...prefix, ...at]));
    }));
  });
});

describe('RecordWriter scratch buffer', () => {
  it('writers made while another is open, grown past the scratch, or written after finish give the right bytes', () => {
    const at = { height: 7n, index: 3 };
    const outer = new RecordWriter(at).str('outer');
    const inner = new RecordWriter(at).str('inner').finish(); // made while outer holds the scratch
    const big = 'x'.repeat(10_000);
    const grown = new RecordWriter(at).str(big).finish(); // grows past the scratch
    const o = outer.u32(9).finish();
    const r = new RecordReader(o);
    expect(r.at).toEqual(at);
    expect(r.str()).toBe('outer');
    expect(r.u32()).toBe(9);
    r.end();
    const ri = new RecordReader(inner);
    expect(ri.str()).toBe('inner');
    ri.end();
    const rg = new RecordReader(grown);
    expect(rg.str()).toBe(big);
    rg.end();
    // a finished writer no longer shares the scratch: writing to it later leaves others intact
    const w = new RecordWriter(at).str('first');
    const first = w.finish();
    const other = new RecordWriter(at).str('other');
    w.u8(1);
    expect(w.finish()).toEqual(new Uint8Array([...first, 1]));
    const ro = new RecordReader(other.finish());
    expect(ro.str()).toBe('other');
    ro.end();
    expect(new RecordReader(first).str()).toBe('first');
  });
});
