/**
 * @module ledger/sha256-into
 * SHA-256 (FIPS 180-4) in plain JavaScript that writes the digest into the caller's buffer.
 * The state tree hashes about ten thousand 82-byte inputs per block; Node's `crypto.hash` is no
 * faster for inputs this small (the call dominates, measured 0.61 us against 0.56 us here) and
 * allocates an off-heap Buffer per digest, which showed up as garbage-collector time in the
 * profile. This one allocates nothing per call. Its results are checked against Node's crypto
 * and @noble/hashes in test/unit/sha256-into.test.ts.
 * Pure: no Node imports.
 */

// FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// FIPS 180-4 section 5.3.3: the initial hash value.
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/**
 * 64-byte blocks compressed since the module loaded: what the bench measures the replay's hashing
 * by (issue 20: SHA-256 is one of the limits a replay sits against). Counting only.
 */
let compressed = 0;
/** The 64-byte blocks sha256Into has compressed in this thread (a count for the bench, never for a result). */
export function sha256BlocksCompressed(): number {
  return compressed;
}

const W = new Int32Array(64);
const H = new Int32Array(8);
/** The message block being compressed (16 big-endian words). */
const BLOCK = new Uint8Array(64);

function compress(block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) W[i] = (block[at]! << 24) | (block[at + 1]! << 16) | (block[at + 2]! << 8) | block[at + 3]!;
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/**
 * Writes SHA-256(`input[0, length)`) into `out[outAt, outAt + 32)`. `length` defaults to the
 * whole input; messages up to 2^32 - 1 bytes (the length is written as a 64-bit big-endian bit count).
 */
export function sha256Into(input: Uint8Array, out: Uint8Array, outAt = 0, length = input.length): void {
  compressed += Math.floor((length + 72) / 64); // the padded message's blocks: ceil((length + 1 + 8) / 64)
  H.set(IV);
  let at = 0;
  for (; at + 64 <= length; at += 64) compress(input, at);
  const rest = length - at;
  BLOCK.fill(0);
  for (let i = 0; i < rest; i++) BLOCK[i] = input[at + i]!;
  BLOCK[rest] = 0x80;
  if (rest >= 56) {
    compress(BLOCK, 0);
    BLOCK.fill(0);
  }
  // bit length, big-endian u64 (the high word is length / 2^29)
  const hi = Math.floor(length / 0x20000000);
  const lo = (length << 3) >>> 0;
  BLOCK[56] = hi >>> 24;
  BLOCK[57] = hi >>> 16;
  BLOCK[58] = hi >>> 8;
  BLOCK[59] = hi;
  BLOCK[60] = lo >>> 24;
  BLOCK[61] = lo >>> 16;
  BLOCK[62] = lo >>> 8;
  BLOCK[63] = lo;
  compress(BLOCK, 0);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[outAt + 4 * i] = v >>> 24;
    out[outAt + 4 * i + 1] = v >>> 16;
    out[outAt + 4 * i + 2] = v >>> 8;
    out[outAt + 4 * i + 3] = v;
  }
}
