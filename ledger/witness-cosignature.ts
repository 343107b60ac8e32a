/**
 * @module ledger/witness-cosignature
 * C2SP tlog-cosignature (Ed25519, `cosignature/v1`) and C2SP signed-note verifier keys ("vkeys"),
 * so that our witness and our verifier agree byte for byte with witnesses and clients written by
 * others (golang.org/x/mod/sumdb/note, torchwood).
 * - vkey: `<name>+<hex key id>+<base64(type byte || public key)>`; type 0x01 is a log's Ed25519
 *   note key, 0x04 an Ed25519 cosigner (witness) key.
 * - cosigner key id: SHA-256(name || 0x0A || 0x04 || public key)[:4].
 * - signature line payload: key id || u64 big-endian POSIX timestamp || Ed25519 signature (64).
 * - signed message: `cosignature/v1\n` `time <timestamp>\n` then the whole checkpoint body.
 * Pure: the browser verifier uses it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, toHex, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { base64, fromBase64, noteKeyId, type NoteSignature } from './checkpoint.js';
import { verifyEd25519Noble as verifyEd25519 } from './ed25519-rule.js';

export const LOG_KEY_TYPE = 0x01;
export const COSIGNER_KEY_TYPE = 0x04;
/** timestamps above 2^63 - 1 are not allowed (tlog-cosignature, Format). */
export const MAX_TIMESTAMP = (1n << 63n) - 1n;

export interface VerifierKey {
  name: string;
  keyType: number;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

/** base64 that must re-encode to the same text (no non-canonical padding bits). */
function fromBase64Strict(s: string): Uint8Array | undefined {
  const b = fromBase64(s);
  return b !== undefined && base64(b) === s ? b : undefined;
}

export function cosignerKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, COSIGNER_KEY_TYPE), publicKey)).subarray(0, 4);
}

function keyIdFor(name: string, keyType: number, publicKey: Uint8Array): Uint8Array {
  return keyType === LOG_KEY_TYPE ? noteKeyId(name, publicKey) : cosignerKeyId(name, publicKey);
}

export function formatVerifierKey(name: string, keyType: number, publicKey: Uint8Array): string {
  return `${name}+${toHex(keyIdFor(name, keyType, publicKey))}+${base64(concatBytes(Uint8Array.of(keyType), publicKey))}`;
}

/**
 * Parses a vkey of type 0x01 or 0x04 and checks that its key id is the one its name and key give.
 * @throws LedgerError BAD_ARGUMENT naming what is wrong
 */
export function parseVerifierKey(vkey: string, what = 'verifier key'): VerifierKey {
  // name and key id hold no '+'; the base64 key may (signed-note, Verifier keys)
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  const parts = second < 0 ? [] : [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  if (parts.length !== 3) throw new LedgerError('BAD_ARGUMENT', `${what} is not <name>+<hex key id>+<base64 key>: ${vkey.slice(0, 120)}`, {});
  const [name, idHex, keyB64] = parts as [string, string, string];
  if (name === '' || /[\s\u0000-\u001f]/.test(name)) throw new LedgerError('BAD_ARGUMENT', `${what} has an empty name or one with spaces`, {});
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new LedgerError('BAD_ARGUMENT', `${what} key id is not 8 lowercase hex digits`, { name });
  const raw = fromBase64Strict(keyB64);
  if (raw === undefined || raw.length !== 33) throw new LedgerError('BAD_ARGUMENT', `${what} key is not base64 of a type byte and a 32-byte Ed25519 key`, { name });
  const keyType = raw[0]!;
  if (keyType !== LOG_KEY_TYPE && keyType !== COSIGNER_KEY_TYPE) {
    throw new LedgerError('BAD_ARGUMENT', `${what} has signature type 0x${keyType.toString(16)}; 0x01 (Ed25519 note) or 0x04 (Ed25519 cosignature/v1) expected`, { name });
  }
  const publicKey = raw.slice(1);
  const keyId = keyIdFor(name, keyType, publicKey);
  if (toHex(keyId) !== idHex) throw new LedgerError('BAD_ARGUMENT', `${what} key id ${idHex} does not match its name and key (expected ${toHex(keyId)})`, { name });
  return { name, keyType, keyId, publicKey };
}

/** The message an Ed25519 cosigner signs (tlog-cosignature, Ed25519 signed message). */
export function cosignedMessage(checkpointBody: string, timestamp: bigint): Uint8Array {
  return utf8(`cosignature/v1\ntime ${timestamp.toString()}\n${checkpointBody}`);
}

/** A cosignature as a note signature (its payload after the key id: timestamp || signature). */
export function makeCosignature(name: string, publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array, checkpointBody: string, timestamp: bigint): NoteSignature {
  if (timestamp < 0n || timestamp > MAX_TIMESTAMP) throw new LedgerError('BAD_ARGUMENT', 'a cosignature timestamp is 0..2^63-1', {});
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, timestamp);
  return { keyName: name, keyId: cosignerKeyId(name, publicKey), signature: concatBytes(ts, sign(cosignedMessage(checkpointBody, timestamp))) };
}

/**
 * The timestamp of a valid cosignature by `key` over `checkpointBody`, or undefined when the
 * line is not by that key (name or key id differ) or does not verify.
 */
export function verifyCosignature(key: VerifierKey, checkpointBody: string, sig: NoteSignature): bigint | undefined {
  if (key.keyType !== COSIGNER_KEY_TYPE || sig.keyName !== key.name || toHex(sig.keyId) !== toHex(key.keyId)) return undefined;
  if (sig.signature.length !== 8 + 64) return undefined;
  const timestamp = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8).getBigUint64(0);
  if (timestamp > MAX_TIMESTAMP) return undefined;
  return verifyEd25519(key.publicKey, cosignedMessage(checkpointBody, timestamp), sig.signature.subarray(8)) ? timestamp : undefined;
}

/** Whether a note signature line is a valid Ed25519 note signature by a log key (type 0x01). */
export function verifyLogSignature(key: VerifierKey, checkpointBody: string, sig: NoteSignature): boolean {
  if (key.keyType !== LOG_KEY_TYPE || sig.keyName !== key.name || toHex(sig.keyId) !== toHex(key.keyId) || sig.signature.length !== 64) return false;
  return verifyEd25519(key.publicKey, utf8(checkpointBody), sig.signature);
}
