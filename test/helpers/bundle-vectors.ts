/**
 * The reader options of a proof-bundle vector (test/vectors/proof-bundle/, docs/proof-format.md
 * "Test vectors") as JSON, and back: 64-bit numbers as decimal strings (read as written, so a
 * vector may hold one out of range), bytes as lower-case hex, the disclosure as the JSON of
 * `ledger disclose`. One conversion for the generator (scripts/gen-proof-bundle-vectors.mjs) and
 * the test that runs the vectors.
 */
import { toHex } from '../../ledger/bytes.js';
import { parseVerifierKey } from '../../ledger/witness-cosignature.js';
import type { VerifyOptions } from '../../verifier/bundle-types.js';

export interface VectorOptionsJson {
  nowMs: string;
  maxAgeMs?: string;
  subject?: { kind: string; id: string };
  holder?: { id: string; salt: string };
  disclosed?: unknown;
  documentSha256?: string;
  fields?: string[];
  checkpoint?: { logSize: string; logRoot: string };
  /** The reader's witness policy (docs/proof-format.md section 9): cosigner vkeys, space-separated, and k. */
  witnesses?: string;
  witnessQuorum?: string;
}

/** One vector file: the bundle, the anchor when it is not anchor.json's, the options and the expected result. */
export interface BundleVector {
  name: string;
  description: string;
  bundle: string;
  anchor?: string;
  options: VectorOptionsJson;
  expect: { verdict: string; reason: string | null; reasons: string[]; notes: string[]; headerHeight: string | null };
}

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));

/** The options as JSON; a witness policy is not converted back (its vkey text is given to the vector as written). */
export function vectorOptionsToJson(o: VerifyOptions): VectorOptionsJson {
  return {
    nowMs: o.nowMs.toString(),
    ...(o.maxAgeMs !== undefined ? { maxAgeMs: o.maxAgeMs.toString() } : {}),
    ...(o.subject !== undefined ? { subject: { kind: o.subject.kind, id: o.subject.id } } : {}),
    ...(o.holder !== undefined ? { holder: { id: o.holder.id, salt: toHex(o.holder.salt) } } : {}),
    ...(o.disclosed !== undefined ? { disclosed: o.disclosed } : {}),
    ...(o.documentSha256 !== undefined ? { documentSha256: toHex(o.documentSha256) } : {}),
    ...(o.fields !== undefined ? { fields: [...o.fields] } : {}),
    ...(o.checkpoint !== undefined ? { checkpoint: { logSize: o.checkpoint.logSize.toString(), logRoot: toHex(o.checkpoint.logRoot) } } : {}),
  };
}

export function vectorOptionsFromJson(j: VectorOptionsJson): VerifyOptions {
  return {
    nowMs: BigInt(j.nowMs),
    ...(j.maxAgeMs !== undefined ? { maxAgeMs: BigInt(j.maxAgeMs) } : {}),
    ...(j.subject !== undefined ? { subject: j.subject as VerifyOptions['subject'] } : {}),
    ...(j.holder !== undefined ? { holder: { id: j.holder.id, salt: bytes(j.holder.salt) } } : {}),
    ...(j.disclosed !== undefined ? { disclosed: j.disclosed } : {}),
    ...(j.documentSha256 !== undefined ? { documentSha256: bytes(j.documentSha256) } : {}),
    ...(j.fields !== undefined ? { fields: j.fields } : {}),
    ...(j.checkpoint !== undefined ? { checkpoint: { logSize: BigInt(j.checkpoint.logSize), logRoot: bytes(j.checkpoint.logRoot) } } : {}),
    ...(j.witnesses !== undefined ? { witnesses: { witnesses: j.witnesses.split(' ').map((k) => parseVerifierKey(k)), quorum: Number(j.witnessQuorum) } } : {}),
  };
}
