/**
 * @module ledger/ed25519-rule
 * The one Ed25519 acceptance rule of DESIGN.md section 4, in pure TypeScript (no Node imports), so
 * that the browser and offline verifier run exactly what the nodes run:
 *   1. A and R are canonical encodings (y < p, and not x = 0 with the sign bit set);
 *   2. A and R are not of small order;
 *   3. S < L;
 *   4. the cofactorless equation [S]B = R + [k]A holds exactly, k = SHA-512(R || A || M) mod L.
 * This is the "Dalek strict" / LibSodium row of ed25519-speccheck (`XXXVXXXXXXXX`).
 *
 * Two parts: a byte pre-screen (rules 1 to 3, without any curve arithmetic) that the Node backend
 * runs before OpenSSL, and a full verifier built from @noble/curves point functions. noble's own
 * `ed25519.verify` is cofactored and MUST NOT be used (DESIGN.md section 4).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesKey, concatBytes } from './bytes.js';

export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;
export const SEED_LENGTH = 32;

/** The group order L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 section 5.1). */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

/**
 * The 8 canonical encodings of the small-order points (DESIGN.md section 4). With rule 1 applied
 * first, membership in this list is exactly "of small order".
 */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
];

const SMALL_ORDER_BYTES: Uint8Array[] = SMALL_ORDER_ENCODINGS.map((h) => {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return b;
});

function equals32(a: Uint8Array, aOff: number, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[aOff + i] !== b[i]) return false;
  return true;
}

/**
 * Rule 1 on the 32 bytes at `off`: y (little-endian, sign bit cleared) < p = 2^255 - 19, and not
 * (x = 0 with the sign bit set). x = 0 only for y = 1 and y = p - 1, so the second condition is
 * two byte patterns: 01 00..00 80 and ec ff..ff ff.
 */
export function isCanonicalPointEncoding(bytes: Uint8Array, off = 0): boolean {
  if (bytes.length < off + 32) return false;
  const top = bytes[off + 31]! & 0x7f;
  // y >= p  <=>  top == 0x7f, bytes 30..1 == 0xff, byte 0 >= 0xed
  if (top === 0x7f) {
    let allFF = true;
    for (let i = 30; i >= 1; i--) {
      if (bytes[off + i] !== 0xff) {
        allFF = false;
        break;
      }
    }
    if (allFF && bytes[off]! >= 0xed) return false;
  }
  if (bytes[off + 31]! & 0x80) {
    // y = 1 with sign bit: 01 00 .. 00 80
    let isOne = bytes[off] === 0x01;
    for (let i = 1; isOne && i < 31; i++) if (bytes[off + i] !== 0) isOne = false;
    if (isOne) return false;
    // y = p - 1 with sign bit: ec ff .. ff ff
    let isMinusOne = bytes[off] === 0xec;
    for (let i = 1; isMinusOne && i < 31; i++) if (bytes[off + i] !== 0xff) isMinusOne = false;
    if (isMinusOne) return false;
  }
  return true;
}

/** Rule 2 for a canonical encoding: one of the 8 small-order encodings. */
export function isSmallOrderEncoding(bytes: Uint8Array, off = 0): boolean {
  for (const s of SMALL_ORDER_BYTES) if (equals32(bytes, off, s)) return true;
  return false;
}

/** Rule 3: the little-endian scalar S (signature bytes 32..63) is below L. */
export function isScalarBelowOrder(signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false;
  // L in little-endian bytes; compare from the most significant byte down.
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = L_BYTES[i]!;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false; // S == L
}

const L_BYTES: Uint8Array = (() => {
  const b = new Uint8Array(32);
  let v = L;
  for (let i = 0; i < 32; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
})();

/**
 * Rules 1 and 2 on a public key's bytes, without curve arithmetic. A key that passes may still
 * not decode to a curve point: see {@link isAcceptablePublicKeyPure}.
 */
export function prescreenPublicKey(publicKey: Uint8Array): boolean {
  return (
    publicKey instanceof Uint8Array &&
    publicKey.length === PUBLIC_KEY_LENGTH &&
    isCanonicalPointEncoding(publicKey) &&
    !isSmallOrderEncoding(publicKey)
  );
}

/** Rules 1 to 3 on a signature's bytes (R canonical and not small order, S < L). */
export function prescreenSignature(signature: Uint8Array): boolean {
  return (
    signature instanceof Uint8Array &&
    signature.length === SIGNATURE_LENGTH &&
    isCanonicalPointEncoding(signature, 0) &&
    !isSmallOrderEncoding(signature, 0) &&
    isScalarBelowOrder(signature)
  );
}

const Point = ed25519.Point;
type EdPoint = InstanceType<typeof Point>;

/** Strict decoding (RFC 8032 section 5.1.3, y < p); undefined when not a curve point. */
function decodePoint(bytes: Uint8Array): EdPoint | undefined {
  try {
    return Point.fromBytes(bytes, false);
  } catch {
    return undefined;
  }
}

/**
 * The public-key part of the rule, with curve arithmetic: 32 bytes, canonical, decodes to a curve
 * point, not of small order. Never throws.
 */
export function isAcceptablePublicKeyPure(publicKey: Uint8Array): boolean {
  if (!prescreenPublicKey(publicKey)) return false;
  const key = bytesKey(publicKey);
  const known = acceptedKeys.get(key);
  if (known !== undefined) return known;
  const a = decodePoint(publicKey);
  const ok = a !== undefined && !a.isSmallOrder();
  if (acceptedKeys.size >= MAX_REMEMBERED_KEYS) acceptedKeys.delete(acceptedKeys.keys().next().value!);
  acceptedKeys.set(key, ok);
  return ok;
}

/**
 * Answers of the curve part of {@link isAcceptablePublicKeyPure} by key bytes: a pure function's
 * memo, so the answer is identical with or without it (deterministic); it saves the point
 * decompression (a field exponentiation, most of a registration's cost in the fold) for keys seen
 * again. Bounded; oldest first out.
 */
const MAX_REMEMBERED_KEYS = 4096;
const acceptedKeys = new Map<string, boolean>();

function scalarFromLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/**
 * The full rule on @noble/curves point functions. Never throws; wrong lengths give false.
 * @param publicKey 32-byte encoding of A
 * @param message the signed bytes M
 * @param signature 64 bytes R || S
 */
export function verifyEd25519Noble(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(message instanceof Uint8Array)) return false;
  if (!prescreenPublicKey(publicKey) || !prescreenSignature(signature)) return false;
  const a = decodePoint(publicKey);
  const rBytes = signature.subarray(0, 32);
  const r = decodePoint(rBytes);
  if (a === undefined || r === undefined) return false;
  // Rule 2 by arithmetic too (the blocklist already covers canonical encodings; this is cheap
  // insurance that the two agree).
  if (a.isSmallOrder() || r.isSmallOrder()) return false;
  const s = scalarFromLE(signature.subarray(32, 64));
  // k = SHA-512(R || A || M) mod L over the original bytes (RFC 8032 section 5.1.7).
  const k = scalarFromLE(sha512(concatBytes(rBytes, publicKey, message))) % L;
  // Cofactorless: [S]B - [k]A == R exactly.
  const lhs = Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  return lhs.equals(r);
}
