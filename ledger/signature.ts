/**
 * @module ledger/signature
 * Ed25519 signing and verification under the rule of DESIGN.md section 4, with two backends that
 * give one answer:
 *  - `node` (default, the server path): byte pre-screen (canonical encodings, small-order
 *    blocklist, S < L; never a decompression of R in JS), then OpenSSL's cofactorless
 *    `crypto.verify` with cached KeyObjects;
 *  - `noble`: the pure implementation in ledger/ed25519-rule.ts (what the browser runs).
 * A start-up self-test runs the ed25519-speccheck row on the node backend and refuses to verify
 * anything if the linked OpenSSL disagrees with the rule.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from './bytes.js';
import {
  isAcceptablePublicKeyPure,
  prescreenSignature,
  PUBLIC_KEY_LENGTH,
  SEED_LENGTH,
  SIGNATURE_LENGTH,
  verifyEd25519Noble,
} from './ed25519-rule.js';
import { SPECCHECK_CASES, SPECCHECK_EXPECTED_ROW } from './ed25519-selftest-vectors.js';
import { LedgerError } from '../errors/ledger-error.js';

export type Ed25519Backend = 'node' | 'noble';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw 32-byte key follows. */
const SPKI_PREFIX = fromHex('302a300506032b6570032100');
/** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

/** Bounded caches: a key's acceptability and its KeyObject. Oldest entries are evicted first. */
const MAX_CACHED_KEYS = 4096;
const acceptableCache = new Map<string, boolean>();
const publicKeyObjects = new Map<string, KeyObject>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHED_KEYS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, value);
  return value;
}

/**
 * The public-key part of the rule (32 bytes, canonical, on the curve, not of small order). Cached
 * by key bytes. Never throws.
 */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) return false;
  const hex = toHex(publicKey);
  const cached = acceptableCache.get(hex);
  if (cached !== undefined) return cached;
  return remember(acceptableCache, hex, isAcceptablePublicKeyPure(publicKey));
}

function publicKeyObject(publicKey: Uint8Array, hex: string): KeyObject {
  let key = publicKeyObjects.get(hex);
  if (key === undefined) {
    const der = new Uint8Array(SPKI_PREFIX.length + PUBLIC_KEY_LENGTH);
    der.set(SPKI_PREFIX, 0);
    der.set(publicKey, SPKI_PREFIX.length);
    key = remember(publicKeyObjects, hex, createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
  }
  return key;
}

let selfTestPassed = false;

/**
 * Runs the ed25519-speccheck cases on the node backend and throws SELF_TEST_FAILED unless the
 * result is exactly `XXXVXXXXXXXX` (DESIGN.md section 4: Node may be linked to another OpenSSL).
 * Called automatically before the first node-backend verification; cheap (12 verifications).
 */
export function selfTestEd25519(): void {
  if (selfTestPassed) return;
  let row = '';
  for (const [m, pk, sig] of SPECCHECK_CASES) {
    row += verifyNodeUnchecked(fromHex(pk), fromHex(m), fromHex(sig)) ? 'V' : 'X';
  }
  if (row !== SPECCHECK_EXPECTED_ROW) {
    throw new LedgerError(
      'SELF_TEST_FAILED',
      `Ed25519 self-test failed: Node's crypto gives ${row} on ed25519-speccheck, the rule requires ${SPECCHECK_EXPECTED_ROW}; ` +
        'this Node build (its OpenSSL) cannot be used for verification',
      { got: row, expected: SPECCHECK_EXPECTED_ROW, openssl: process.versions.openssl },
    );
  }
  selfTestPassed = true;
}

function verifyNodeUnchecked(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(message instanceof Uint8Array)) return false;
  if (!isAcceptablePublicKey(publicKey)) return false;
  if (!prescreenSignature(signature)) return false;
  try {
    return nodeVerify(null, message, publicKeyObject(publicKey, toHex(publicKey)), signature);
  } catch {
    return false;
  }
}

/**
 * Verifies an Ed25519 signature under the rule of DESIGN.md section 4. Wrong lengths or types
 * give false, never a throw (the only throw is SELF_TEST_FAILED on a broken Node build).
 * @param backend 'node' (default: pre-screen + OpenSSL) or 'noble' (pure; what browsers run)
 */
export function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  backend: Ed25519Backend = 'node',
): boolean {
  if (backend === 'noble') return verifyEd25519Noble(publicKey, message, signature);
  if (!selfTestPassed) selfTestEd25519();
  return verifyNodeUnchecked(publicKey, message, signature);
}

/** Private KeyObjects, keyed by the seed array's identity (never by its value). */
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>();

function privateKeyObject(seed: Uint8Array): KeyObject {
  let key = privateKeyObjects.get(seed);
  if (key === undefined) {
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
      throw new LedgerError('BAD_ARGUMENT', `an Ed25519 secret key is a ${SEED_LENGTH}-byte seed`, {
        length: seed instanceof Uint8Array ? seed.length : null,
      });
    }
    const der = new Uint8Array(PKCS8_PREFIX.length + SEED_LENGTH);
    der.set(PKCS8_PREFIX, 0);
    der.set(seed, PKCS8_PREFIX.length);
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    der.fill(0);
    privateKeyObjects.set(seed, key);
  }
  return key;
}

/**
 * Signs `message` (RFC 8032 section 5.1.6, pure Ed25519) with a 32-byte seed.
 * @throws LedgerError BAD_ARGUMENT when the seed is not 32 bytes
 */
export function signEd25519(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  const sig = nodeSign(null, message, privateKeyObject(secretKey));
  return new Uint8Array(sig.buffer, sig.byteOffset, SIGNATURE_LENGTH);
}

/** The 32-byte public key of a 32-byte seed. */
export function publicKeyFromSeed(secretKey: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - PUBLIC_KEY_LENGTH));
}

export { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, SEED_LENGTH };
