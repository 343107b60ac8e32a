import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../ledger/bytes.js';
import { SMALL_ORDER_ENCODINGS, verifyEd25519Noble } from '../../ledger/ed25519-rule.js';
import {
  isAcceptablePublicKey,
  publicKeyFromSeed,
  selfTestEd25519,
  signEd25519,
  verifyEd25519,
  type Ed25519Backend,
} from '../../ledger/signature.js';
import { readVectorJson } from '../helpers/vectors.js';

const BACKENDS: Ed25519Backend[] = ['node', 'noble'];

interface Rfc8032 {
  vectors: Array<{ name: string; secret_key: string; public_key: string; message: string; signature: string }>;
}
interface Wycheproof {
  testGroups: Array<{ publicKey: { pk: string }; tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string }> }>;
}
interface Cctv {
  number: number;
  key: string;
  sig: string;
  msg: string;
  flags: string[] | null;
}
interface Speccheck {
  message: string;
  pub_key: string;
  signature: string;
}

describe('Ed25519 rule: RFC 8032 section 7.1', () => {
  const { vectors } = readVectorJson<Rfc8032>('rfc8032', 'rfc8032_7_1_ed25519.json');
  for (const v of vectors) {
    it(`${v.name}: public key, signature and verification on both backends`, () => {
      const seed = fromHex(v.secret_key);
      expect(toHex(publicKeyFromSeed(seed)), v.name).toBe(v.public_key);
      expect(toHex(signEd25519(seed, fromHex(v.message))), v.name).toBe(v.signature);
      for (const b of BACKENDS) {
        expect(verifyEd25519(fromHex(v.public_key), fromHex(v.message), fromHex(v.signature), b), `${v.name} ${b}`).toBe(true);
      }
      expect(isAcceptablePublicKey(fromHex(v.public_key)), v.name).toBe(true);
    });
  }
});

describe('Ed25519 rule: Wycheproof ed25519_test.json, every expected result', () => {
  const w = readVectorJson<Wycheproof>('wycheproof', 'ed25519_test.json');
  const cases = w.testGroups.flatMap((g) => g.tests.map((t) => ({ pk: g.publicKey.pk, ...t })));
  it('has all 151 cases', () => expect(cases.length).toBe(151));
  for (const b of BACKENDS) {
    it(`${b} backend agrees with every tcId`, () => {
      for (const t of cases) {
        const got = verifyEd25519(fromHex(t.pk), fromHex(t.msg), fromHex(t.sig), b);
        expect(got, `wycheproof tcId ${t.tcId} (${t.comment}) on ${b}`).toBe(t.result === 'valid');
      }
    });
  }
});

describe('Ed25519 rule: ed25519-speccheck', () => {
  const cases = readVectorJson<Speccheck[]>('ed25519-speccheck', 'cases.json');
  for (const b of BACKENDS) {
    it(`${b} backend gives exactly XXXVXXXXXXXX`, () => {
      const row = cases.map((c) => (verifyEd25519(fromHex(c.pub_key), fromHex(c.message), fromHex(c.signature), b) ? 'V' : 'X')).join('');
      expect(row).toBe('XXXVXXXXXXXX');
    });
  }
  it('the start-up self-test passes on this Node build', () => {
    expect(() => selfTestEd25519()).not.toThrow();
  });
});

describe('Ed25519 rule: C2SP CCTV ed25519vectors.json', () => {
  const vectors = readVectorJson<Cctv[]>('cctv-ed25519', 'ed25519vectors.json');
  it('has all 914 vectors; both backends agree on each; the rule accepts 43', () => {
    expect(vectors.length).toBe(914);
    let accepted = 0;
    for (const v of vectors) {
      const args = [fromHex(v.key), utf8(v.msg), fromHex(v.sig)] as const;
      const node = verifyEd25519(...args, 'node');
      const noble = verifyEd25519(...args, 'noble');
      expect(noble, `CCTV vector ${v.number} [${(v.flags ?? []).join(',')}]: backends differ`).toBe(node);
      if (node) accepted++;
    }
    expect(accepted).toBe(43);
  });
  it('accepts no vector flagged low_order_A/R or non_canonical_A/R', () => {
    const refused = ['low_order_A', 'low_order_R', 'non_canonical_A', 'non_canonical_R'];
    for (const v of vectors) {
      if ((v.flags ?? []).some((f) => refused.includes(f))) {
        expect(verifyEd25519(fromHex(v.key), utf8(v.msg), fromHex(v.sig)), `CCTV vector ${v.number}`).toBe(false);
      }
    }
  });
});

describe('Ed25519 rule: public keys and malformed input', () => {
  it('rejects each small-order encoding as a public key', () => {
    for (const h of SMALL_ORDER_ENCODINGS) expect(isAcceptablePublicKey(fromHex(h)), h).toBe(false);
  });
  it('rejects non-canonical y >= p and x = 0 with the sign bit set', () => {
    const yIsP = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    const oneWithSign = fromHex('0100000000000000000000000000000000000000000000000000000000000080');
    expect(isAcceptablePublicKey(yIsP)).toBe(false);
    expect(isAcceptablePublicKey(oneWithSign)).toBe(false);
  });
  it('gives false, never a throw, on wrong lengths and types', () => {
    const seed = new Uint8Array(32).fill(9);
    const pk = publicKeyFromSeed(seed);
    const sig = signEd25519(seed, utf8('m'));
    for (const b of BACKENDS) {
      expect(verifyEd25519(pk.subarray(0, 31), utf8('m'), sig, b)).toBe(false);
      expect(verifyEd25519(pk, utf8('m'), sig.subarray(0, 63), b)).toBe(false);
      expect(verifyEd25519(new Uint8Array(0), utf8('m'), new Uint8Array(0), b)).toBe(false);
      expect(verifyEd25519(pk, 'm' as unknown as Uint8Array, sig, b)).toBe(false);
      expect(verifyEd25519(null as unknown as Uint8Array, utf8('m'), sig, b)).toBe(false);
    }
    expect(isAcceptablePublicKey(new Uint8Array(33))).toBe(false);
  });
  it('refuses a seed that is not 32 bytes with BAD_ARGUMENT', () => {
    expect(() => signEd25519(new Uint8Array(31), utf8('m'))).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});

describe('Ed25519 rule: properties', () => {
  const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const msgArb = fc.uint8Array({ minLength: 0, maxLength: 200 });
  it('random keys and messages: both backends accept a fresh signature', () => {
    fc.assert(
      fc.property(seedArb, msgArb, (seed, msg) => {
        const pk = publicKeyFromSeed(seed);
        const sig = signEd25519(seed, msg);
        return verifyEd25519(pk, msg, sig, 'node') && verifyEd25519Noble(pk, msg, sig);
      }),
      { numRuns: 60 },
    );
  });
  it('any flipped bit in key, message or signature is rejected by both backends', () => {
    fc.assert(
      fc.property(seedArb, msgArb, fc.nat(), fc.integer({ min: 0, max: 2 }), (seed, msg, bitSeed, target) => {
        const pk = publicKeyFromSeed(seed);
        const sig = signEd25519(seed, msg);
        const parts = [new Uint8Array(pk), new Uint8Array(msg), new Uint8Array(sig)];
        const t = target === 1 && msg.length === 0 ? 2 : target;
        const part = parts[t]!;
        const bit = bitSeed % (part.length * 8);
        part[bit >> 3]! ^= 1 << (bit & 7);
        const [p, m, s] = parts as [Uint8Array, Uint8Array, Uint8Array];
        return !verifyEd25519(p, m, s, 'node') && !verifyEd25519(p, m, s, 'noble');
      }),
      { numRuns: 60 },
    );
  });
});
