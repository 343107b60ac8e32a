/**
 * @module proto/limits
 * The size limits of DESIGN.md section 5 and the field-name conventions of proto/ledger.proto
 * that decoding enforces. The limits are consensus-critical and live in the genesis; these are
 * the defaults.
 */
import { LedgerError } from '../errors/ledger-error.js';

export interface DecodeLimits {
  /** A Kafka record's value, and a signed event's body. */
  maxRecordBytes: number;
  maxIdBytes: number;
  maxStringBytes: number;
  maxListEntries: number;
  maxBlockEvents: number;
  maxBlockBytes: number;
}

/** DESIGN.md section 5 defaults: 8 KiB records, 64-byte ids, 256-byte strings, 64-entry lists, 1,000 events or 1 MiB per block. */
export const DEFAULT_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxRecordBytes: 8 * 1024,
  maxIdBytes: 64,
  maxStringBytes: 256,
  maxListEntries: 64,
  maxBlockEvents: 1000,
  maxBlockBytes: 1024 * 1024,
});

/** Identifiers: `[A-Za-z0-9._:-]`, non-empty (DESIGN.md section 5). */
const ID_CHAR = /^[A-Za-z0-9._:-]+$/;

export function isIdentifier(s: string, limits: DecodeLimits = DEFAULT_LIMITS): boolean {
  return typeof s === 'string' && s.length > 0 && s.length <= limits.maxIdBytes && ID_CHAR.test(s);
}

/** Repeated fields whose bound is not the generic list limit. */
function listLimit(typeName: string, field: string, limits: DecodeLimits): number {
  if (typeName === 'Block' && field === 'events') return limits.maxBlockEvents;
  return limits.maxListEntries;
}

export function checkListLength(typeName: string, field: string, path: string, length: number, limits: DecodeLimits): void {
  const max = listLimit(typeName, field, limits);
  if (length > max) {
    throw new LedgerError('LIMIT_EXCEEDED', `${path} has ${length} entries; the limit is ${max}`, { field: path, length, limit: max });
  }
}

const encoder = new TextEncoder();

function isIdField(field: string): boolean {
  return field === 'id' || field.endsWith('Id') || field.endsWith('Ids');
}

export function checkStringField(_typeName: string, field: string, path: string, value: string, limits: DecodeLimits): void {
  if (isIdField(field)) {
    if (value.length > limits.maxIdBytes) {
      throw new LedgerError('LIMIT_EXCEEDED', `${path} is ${value.length} bytes; identifiers are at most ${limits.maxIdBytes}`, {
        field: path,
        length: value.length,
        limit: limits.maxIdBytes,
      });
    }
    if (!ID_CHAR.test(value)) {
      throw new LedgerError('BAD_ID', `${path} may hold only the characters A-Z a-z 0-9 . _ : -`, { field: path });
    }
    return;
  }
  // A UTF-16 length within the limit cannot exceed it in UTF-8 by more than 3x; only measure
  // when it might.
  const bytes = value.length * 3 <= limits.maxStringBytes ? value.length : encoder.encode(value).length;
  if (bytes > limits.maxStringBytes) {
    throw new LedgerError('LIMIT_EXCEEDED', `${path} is ${bytes} bytes; strings are at most ${limits.maxStringBytes}`, {
      field: path,
      length: bytes,
      limit: limits.maxStringBytes,
    });
  }
}

/** Fixed sizes of bytes fields, by name (proto/ledger.proto conventions). */
export function fixedBytesLength(field: string): number | undefined {
  if (field === 'publicKey') return 32;
  if (field === 'signature' || field === 'noteSignature') return 64;
  if (/(Hash|Root|Sha256|Commitment|Digest)$/.test(field) || field === 'salt') return 32;
  return undefined;
}

export function checkBytesField(typeName: string, field: string, path: string, value: Uint8Array, limits: DecodeLimits): void {
  const fixed = fixedBytesLength(field);
  if (fixed !== undefined) {
    if (value.length !== fixed) {
      throw new LedgerError('BAD_LENGTH', `${path} is ${value.length} bytes; it must be ${fixed}`, { field: path, length: value.length, expected: fixed });
    }
    return;
  }
  // A block (BlockWithCommit.block) may pass max_block_bytes by its last record and its framing.
  const max =
    typeName === 'SignedEvent' && field === 'body'
      ? limits.maxRecordBytes
      : (typeName === 'BlockWithCommit' && field === 'block') || (typeName === 'PeerEnvelope' && field === 'payload')
        ? 2 * limits.maxBlockBytes + limits.maxBlockEvents * 64
        : limits.maxBlockBytes;
  if (value.length > max) {
    throw new LedgerError('LIMIT_EXCEEDED', `${path} is ${value.length} bytes; the limit is ${max}`, { field: path, length: value.length, limit: max });
  }
}
