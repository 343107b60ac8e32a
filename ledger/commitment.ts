/**
 * @module ledger/commitment
 * Salted commitments to personal data (DESIGN.md section 5: no personal data on chain).
 * commitment = SHA-256("ledger:commit:v1" || salt32 || u16 len || utf8 value), the value first
 * normalised: Unicode NFC, surrounding whitespace removed, upper-case (identity numbers such as
 * 身份证号 end in an upper-case X; unified social credit codes are upper-case). Pure.
 */
import { concatBytes, lp16, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { TAG, taggedHash } from './hash.js';

export const SALT_LENGTH = 32;

/** The normal form a committed value is hashed in. */
export function normalizeCommittedValue(value: string): string {
  return value.normalize('NFC').trim().toUpperCase();
}

/**
 * The commitment to `value` under `salt`.
 * @throws LedgerError BAD_ARGUMENT when the salt is not 32 bytes or the value is empty or over 65535 bytes
 */
export function commitment(value: string, salt: Uint8Array): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) {
    throw new LedgerError('BAD_ARGUMENT', `a commitment salt is ${SALT_LENGTH} bytes`, { length: salt?.length ?? null });
  }
  const normalized = normalizeCommittedValue(String(value));
  if (normalized === '') throw new LedgerError('BAD_ARGUMENT', 'a committed value must not be empty', {});
  const bytes = utf8(normalized);
  if (bytes.length > 0xffff) throw new LedgerError('BAD_ARGUMENT', 'a committed value is at most 65535 bytes', { length: bytes.length });
  return taggedHash(TAG.commit, concatBytes(salt, lp16(bytes)));
}

/** Whether `value` and `salt` open `expected` (never throws). */
export function opensCommitment(value: string, salt: Uint8Array, expected: Uint8Array): boolean {
  try {
    const c = commitment(value, salt);
    if (!(expected instanceof Uint8Array) || expected.length !== c.length) return false;
    let d = 0;
    for (let i = 0; i < c.length; i++) d |= c[i]! ^ expected[i]!;
    return d === 0;
  } catch {
    return false;
  }
}
