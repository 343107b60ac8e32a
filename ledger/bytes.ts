/**
 * @module ledger/bytes
 * Byte helpers shared by every pure module: hex, concatenation, fixed-width big-endian integers
 * (DESIGN.md section 4: "integers are big-endian fixed width") and constant-shape comparison.
 * Pure: no Node imports.
 */

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]!]!;
  return s;
}

/**
 * A Map key for bytes: one UTF-16 code unit per byte, half the length of hex and several times
 * faster to make (the state machine keys every event id this way). Not for display.
 */
export function bytesKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Parses lowercase or uppercase hex; returns undefined on odd length or a non-hex character. */
export function tryFromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i));
    const lo = hexNibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Parses hex or throws a TypeError naming `what`. */
export function fromHex(hex: string, what = 'hex string'): Uint8Array {
  const out = tryFromHex(hex);
  if (out === undefined) throw new TypeError(`${what} is not valid hex`);
  return out;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic comparison of byte strings (negative, zero, positive). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function u8(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`u8 out of range: ${n}`);
  return Uint8Array.of(n);
}

export function u16be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`u16 out of range: ${n}`);
  return Uint8Array.of(n >>> 8, n & 0xff);
}

export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`u32 out of range: ${n}`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export function u64be(n: bigint): Uint8Array {
  if (n < 0n || n > U64_MAX) throw new RangeError(`u64 out of range: ${n}`);
  const out = new Uint8Array(8);
  putU64be(out, 0, n);
  return out;
}

/**
 * Writes `n` as 8 big-endian bytes at `at`, the bytes DataView.setBigUint64 writes (modulo 2^64).
 * Values below 2^32 (heights, indexes, positions) take a path without a DataView or BigInt
 * arithmetic: the replay writes several per event.
 */
export function putU64be(out: Uint8Array, at: number, n: bigint): void {
  if (n >= 0n && n <= 0xffffffffn) {
    const x = Number(n);
    out[at] = 0;
    out[at + 1] = 0;
    out[at + 2] = 0;
    out[at + 3] = 0;
    out[at + 4] = x >>> 24;
    out[at + 5] = (x >>> 16) & 0xff;
    out[at + 6] = (x >>> 8) & 0xff;
    out[at + 7] = x & 0xff;
    return;
  }
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(at, n, false);
}

/**
 * Writes a safe integer `n` (0 <= n < 2^53) as 8 big-endian bytes at `at`, without BigInt or a
 * DataView (the Merkle log's keys: ledger/merkle-tile.ts).
 */
export function putSafeU64be(out: Uint8Array, at: number, n: number): void {
  const hi = Math.floor(n / 2 ** 32); // beyond 2^32: no bitwise operators on n itself
  const lo = n - hi * 2 ** 32;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

/** Reads 8 big-endian bytes at `at` as a number; undefined when the value is 2^53 or more. */
export function readSafeU64be(bytes: Uint8Array, at: number): number | undefined {
  let v = 0;
  for (let i = 0; i < 8; i++) v = v * 256 + bytes[at + i]!;
  return Number.isSafeInteger(v) ? v : undefined;
}

export function i64be(n: bigint): Uint8Array {
  if (n < I64_MIN || n > I64_MAX) throw new RangeError(`i64 out of range: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, n, false);
  return out;
}

const encoder = new TextEncoder();
/**
 * The UTF-8 bytes of `s` (what TextEncoder gives). Short ASCII strings (ids, record keys) are
 * copied in a loop, several times faster than a call into TextEncoder; anything else goes to it.
 */
export function utf8(s: string): Uint8Array {
  const n = s.length;
  if (n > 64) return encoder.encode(s);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(s);
    out[i] = c;
  }
  return out;
}

/** A length-prefixed byte string: u16 big-endian length, then the bytes (DESIGN.md section 4). */
export function lp16(bytes: Uint8Array): Uint8Array {
  return concatBytes(u16be(bytes.length), bytes);
}

/** A length-prefixed byte string: u32 big-endian length, then the bytes (DESIGN.md section 4). */
export function lp32(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32be(bytes.length), bytes);
}
