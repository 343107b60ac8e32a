/**
 * @module ledger/key-file
 * Ed25519 key files: JSON with the public key and the 32-byte seed, mode 0600, extension
 * `.ed25519key` (ignored by git). A key file readable by group or others is refused. The seed
 * never leaves a SigningKey: it is not printed, logged, serialised or inspected.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { inspect } from 'node:util';
import { toHex, tryFromHex } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { publicKeyFromSeed, signEd25519 } from './signature.js';

export const KEY_FILE_EXTENSION = '.ed25519key';
const KEY_FILE_FORMAT = 'ledger-ed25519-key';
/** Key files are small; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 4096;

/** A private key in memory. Its seed is private: no getter, no JSON, no inspection. */
export class SigningKey {
  readonly #seed: Uint8Array;
  readonly publicKey: Uint8Array;

  constructor(seed: Uint8Array) {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new LedgerError('BAD_ARGUMENT', 'an Ed25519 seed is 32 bytes', {});
    this.#seed = new Uint8Array(seed);
    this.publicKey = publicKeyFromSeed(this.#seed);
  }

  static generate(): SigningKey {
    return new SigningKey(new Uint8Array(randomBytes(32)));
  }

  sign(message: Uint8Array): Uint8Array {
    return signEd25519(this.#seed, message);
  }

  get publicKeyHex(): string {
    return toHex(this.publicKey);
  }

  toJSON(): { publicKey: string } {
    return { publicKey: this.publicKeyHex };
  }

  [inspect.custom](): string {
    return `SigningKey(public ${this.publicKeyHex})`;
  }

  /**
   * The key as a node:crypto private key, for the node's TLS identity (tls/identity.ts): it stays
   * in the process's memory, never written or sent (issue 22).
   */
  toPrivateKeyObject(): KeyObject {
    const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(this.#seed), x: b64url(this.publicKey) }, format: 'jwk' });
  }

  /** @internal for writing the key file only */
  serialize(): string {
    return `${JSON.stringify({ format: KEY_FILE_FORMAT, version: 1, publicKey: this.publicKeyHex, secretKey: toHex(this.#seed) }, null, 2)}\n`;
  }
}

/**
 * Writes a new key to `path` with mode 0600, refusing to overwrite. Returns the key.
 * @throws LedgerError BAD_ARGUMENT (wrong extension), FILE_EXISTS, FILE_UNREADABLE
 */
export function writeNewKeyFile(path: string, key: SigningKey = SigningKey.generate()): SigningKey {
  if (!path.endsWith(KEY_FILE_EXTENSION)) {
    throw new LedgerError('BAD_ARGUMENT', `a key file name ends in ${KEY_FILE_EXTENSION} (so that git ignores it): ${path}`, { path });
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new LedgerError('FILE_EXISTS', `${path} already exists; refusing to overwrite a key`, { path });
    throw new LedgerError('FILE_UNREADABLE', `cannot create ${path}: ${(e as Error).message}`, { path });
  }
  try {
    writeSync(fd, key.serialize());
  } finally {
    closeSync(fd);
  }
  return key;
}

/**
 * Loads a key file.
 * @throws LedgerError FILE_UNREADABLE, KEY_FILE_PERMISSIONS (readable by others), BAD_ARGUMENT (not a key file)
 */
export function loadKeyFile(path: string): SigningKey {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path });
  }
  if (!st.isFile()) throw new LedgerError('FILE_UNREADABLE', `${path} is not a file`, { path });
  if ((st.mode & 0o077) !== 0) {
    throw new LedgerError(
      'KEY_FILE_PERMISSIONS',
      `key file ${path} can be read by others (mode ${(st.mode & 0o777).toString(8)}); fix it with: chmod 600 ${path}`,
      { path, mode: (st.mode & 0o777).toString(8) },
    );
  }
  if (st.size > MAX_KEY_FILE_BYTES) throw new LedgerError('BAD_ARGUMENT', `${path} is not a key file (too large)`, { path });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new LedgerError('BAD_ARGUMENT', `${path} is not a key file (not JSON)`, { path });
  }
  const p = parsed as { format?: unknown; version?: unknown; publicKey?: unknown; secretKey?: unknown };
  const seed = typeof p.secretKey === 'string' ? tryFromHex(p.secretKey) : undefined;
  if (p.format !== KEY_FILE_FORMAT || p.version !== 1 || seed === undefined || seed.length !== 32 || typeof p.publicKey !== 'string') {
    throw new LedgerError('BAD_ARGUMENT', `${path} is not a ${KEY_FILE_FORMAT} version 1 file`, { path });
  }
  const key = new SigningKey(seed);
  seed.fill(0);
  if (key.publicKeyHex !== p.publicKey.toLowerCase()) {
    throw new LedgerError('BAD_ARGUMENT', `${path}: its public key does not match its secret key`, { path });
  }
  return key;
}

/** Parses a public key given as 64 hex characters (for CLI arguments and configs). */
export function parsePublicKeyHex(hex: string, what = 'public key'): Uint8Array {
  const b = tryFromHex(hex.trim());
  if (b === undefined || b.length !== 32) throw new LedgerError('BAD_ARGUMENT', `${what} must be 64 hex characters`, { value: hex });
  return b;
}

