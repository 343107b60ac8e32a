/**
 * @module verifier/audit-checkpoint
 * The auditor's checkpoint: what it saw at the end of an audit, kept so that the next audit proves
 * the chain only grew since (DESIGN.md sections 2 and 7; RFC 9162 section 2.1.4).
 *
 * File format (JSON, UTF-8, at most 64 KiB; validated on read, every field named when wrong):
 * ```json
 * { "format": "ledger-audit-checkpoint/v1",
 *   "origin": "ledger/<channel>/<16 hex digits of the genesis hash>",
 *   "genesisHash": "<64 hex>", "height": "<decimal>", "headerHash": "<64 hex>",
 *   "logSize": "<decimal>", "logRoot": "<64 hex>", "blockTimeMs": "<decimal>",
 *   "note": "<the C2SP signed note: checkpoint text and the nodes' note signatures from the commit>" }
 * ```
 * `note` is the header's C2SP tlog-checkpoint text (origin, log size, base64 log root) followed by
 * the note signatures of the nodes that committed it, so that any C2SP client can check it too.
 * Pure: no Node imports.
 */
import { z } from 'zod';
import { bytesEqual, fromHex, toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { verifyConsistency, type MerkleCheckCode } from '../ledger/merkle-verify.js';

export const CHECKPOINT_FORMAT = 'ledger-audit-checkpoint/v1';
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const decimal = z.string().regex(/^(0|[1-9][0-9]{0,19})$/, 'must be a decimal integer as a string');

const schema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  origin: z.string().min(1).max(300),
  genesisHash: hex32,
  height: decimal,
  headerHash: hex32,
  logSize: decimal,
  logRoot: hex32,
  blockTimeMs: decimal,
  note: z.string().max(16 * 1024),
});

export interface AuditCheckpoint {
  origin: string;
  genesisHash: Uint8Array;
  height: bigint;
  headerHash: Uint8Array;
  logSize: bigint;
  logRoot: Uint8Array;
  blockTimeMs: bigint;
  note: string;
}

export function checkpointToJson(c: AuditCheckpoint): string {
  return `${JSON.stringify(
    {
      format: CHECKPOINT_FORMAT,
      origin: c.origin,
      genesisHash: toHex(c.genesisHash),
      height: c.height.toString(),
      headerHash: toHex(c.headerHash),
      logSize: c.logSize.toString(),
      logRoot: toHex(c.logRoot),
      blockTimeMs: c.blockTimeMs.toString(),
      note: c.note,
    },
    null,
    2,
  )}\n`;
}

/**
 * Reads a checkpoint file's text.
 * @throws LedgerError PAYLOAD_TOO_LARGE over 64 KiB, BAD_ARGUMENT naming each wrong field
 */
export function checkpointFromJson(text: string, what = 'the checkpoint'): AuditCheckpoint {
  if (text.length > MAX_CHECKPOINT_BYTES) throw new LedgerError('PAYLOAD_TOO_LARGE', `${what} is over ${MAX_CHECKPOINT_BYTES} bytes`, {});
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LedgerError('BAD_ARGUMENT', `${what} is not JSON: ${(e as Error).message}`, {});
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new LedgerError('BAD_ARGUMENT', `${what} is not a ${CHECKPOINT_FORMAT} file: ${problems.join('; ')}`, { problems });
  }
  const v = r.data;
  return {
    origin: v.origin,
    genesisHash: fromHex(v.genesisHash),
    height: BigInt(v.height),
    headerHash: fromHex(v.headerHash),
    logSize: BigInt(v.logSize),
    logRoot: fromHex(v.logRoot),
    blockTimeMs: BigInt(v.blockTimeMs),
    note: v.note,
  };
}

export interface ConsistencyResult {
  ok: boolean;
  code: 'OK' | MerkleCheckCode;
  oldSize: string;
  newSize: string;
  oldRoot: string;
  newRoot: string;
  /** The RFC 9162 consistency proof (hex), so that anyone can check it again. */
  proof: string[];
}

/**
 * Checks an RFC 9162 consistency proof from the checkpoint's (size, root) to (newSize, newRoot).
 * A checkpoint of size 0, or of the same size, needs no proof (the roots must then be equal).
 */
export function checkConsistency(previous: AuditCheckpoint, newSize: bigint, newRoot: Uint8Array, proof: Uint8Array[]): ConsistencyResult {
  const base = { oldSize: previous.logSize.toString(), newSize: newSize.toString(), oldRoot: toHex(previous.logRoot), newRoot: toHex(newRoot), proof: proof.map(toHex) };
  if (previous.logSize === 0n) return { ok: true, code: 'OK', ...base };
  if (previous.logSize === newSize && proof.length === 0) {
    const same = bytesEqual(previous.logRoot, newRoot);
    return { ok: same, code: same ? 'OK' : 'ROOT_MISMATCH', ...base };
  }
  const r = verifyConsistency(previous.logSize, newSize, previous.logRoot, newRoot, proof);
  return { ok: r.ok, code: r.ok ? 'OK' : (r.code ?? 'BAD_INPUT'), ...base };
}
