import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex, u16be, u32be, u64be, i64be, lp16, utf8 } from '../../ledger/bytes.js';
import { TAG, eventId, genesisHash, headerHash, sha256, taggedHash } from '../../ledger/hash.js';

const nodeSha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return toHex(h.digest());
};

describe('domain-separated hashing (DESIGN.md section 4)', () => {
  it('has the 13 tags of the design plus the peer-envelope tag and the data subject\'s three (issue 21) and the trail opening and certificate key, each distinct', () => {
    expect(Object.values(TAG).sort()).toEqual(
      [
        'ledger:genesis:v1', 'ledger:event:v1', 'ledger:header:v1', 'ledger:vote:v1', 'ledger:ttc:v1', 'ledger:records:v1', 'ledger:result:v1',
        'ledger:commit:v1', 'ledger:attr:v1', 'ledger:smt-key:v1', 'ledger:smt-leaf:v1', 'ledger:smt-node:v1', 'ledger:record:v1',
        'ledger:peer:v1',
        'ledger:grant-subject:v1', 'ledger:consent-subject:v1', 'ledger:trail:v1', 'ledger:request:v1',
        'ledger:trail-opening:v1', 'ledger:trail-certificate:v1',
      ].sort(),
    );
  });
  it('SHA-256 of nothing is the RFC 6234 value', () => {
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('event id = SHA-256("ledger:event:v1" || body), checked against Node crypto', () => {
    const body = utf8('an event body');
    expect(toHex(eventId(body))).toBe(nodeSha(utf8('ledger:event:v1'), body));
    expect(toHex(genesisHash(body))).toBe(nodeSha(utf8('ledger:genesis:v1'), body));
    expect(toHex(headerHash(body))).toBe(nodeSha(utf8('ledger:header:v1'), body));
  });
  it('tagged hashes of the same bytes under different tags differ', () => {
    const seen = new Set(Object.values(TAG).map((t) => toHex(taggedHash(t, utf8('x')))));
    expect(seen.size).toBe(20);
  });
});

describe('fixed-width big-endian integers and length prefixes', () => {
  it('encodes u16, u32, u64, i64 big-endian', () => {
    expect(toHex(u16be(0x1234))).toBe('1234');
    expect(toHex(u32be(0xdeadbeef))).toBe('deadbeef');
    expect(toHex(u64be(2n ** 64n - 1n))).toBe('ffffffffffffffff');
    expect(toHex(u64be(1n))).toBe('0000000000000001');
    expect(toHex(i64be(-1n))).toBe('ffffffffffffffff');
    expect(toHex(lp16(utf8('证')))).toBe('0003e8af81');
  });
  it('refuses values out of range', () => {
    expect(() => u16be(65536)).toThrow(RangeError);
    expect(() => u32be(-1)).toThrow(RangeError);
    expect(() => u64be(-1n)).toThrow(RangeError);
    expect(() => u64be(2n ** 64n)).toThrow(RangeError);
    expect(() => i64be(2n ** 63n)).toThrow(RangeError);
  });
});
