/**
 * @module ledger/hash
 * Domain-separated SHA-256 (DESIGN.md section 4): every hash over a structure starts with a fixed
 * ASCII tag, so that no two kinds of structure can ever share a hash input. The RFC 9162 Merkle
 * log uses its own 0x00/0x01 prefixes and no tag (see ledger/merkle-hash.ts).
 * Pure: no Node imports (runs in the browser verifier).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from './bytes.js';

/** The tags of DESIGN.md section 4, as named constants. Never change one: it changes every hash. */
export const TAG = {
  genesis: 'ledger:genesis:v1',
  event: 'ledger:event:v1',
  header: 'ledger:header:v1',
  vote: 'ledger:vote:v1',
  ttc: 'ledger:ttc:v1',
  records: 'ledger:records:v1',
  result: 'ledger:result:v1',
  commit: 'ledger:commit:v1',
  attr: 'ledger:attr:v1',
  smtKey: 'ledger:smt-key:v1',
  smtLeaf: 'ledger:smt-leaf:v1',
  smtNode: 'ledger:smt-node:v1',
  record: 'ledger:record:v1',
  /** Node-to-node envelopes (not in DESIGN.md's list: they sign transport, not chain data). */
  peer: 'ledger:peer:v1',
} as const;
export type Tag = (typeof TAG)[keyof typeof TAG];

const TAG_BYTES: Record<Tag, Uint8Array> = Object.fromEntries(
  Object.values(TAG).map((t) => [t, utf8(t)]),
) as Record<Tag, Uint8Array>;

/** The tag's ASCII bytes (for callers that build a hash input incrementally). */
export function tagBytes(tag: Tag): Uint8Array {
  return TAG_BYTES[tag];
}

/** Plain SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA-256(tag || parts...). Parts must already be length-prefixed where they vary in length. */
export function taggedHash(tag: Tag, ...parts: Uint8Array[]): Uint8Array {
  return nobleSha256(concatBytes(TAG_BYTES[tag], ...parts));
}

/** Event id = SHA-256(`ledger:event:v1` || body), DESIGN.md section 5. */
export function eventId(body: Uint8Array): Uint8Array {
  return taggedHash(TAG.event, body);
}

/** Genesis hash = SHA-256(`ledger:genesis:v1` || genesis bytes), DESIGN.md section 7. */
export function genesisHash(genesisBytes: Uint8Array): Uint8Array {
  return taggedHash(TAG.genesis, genesisBytes);
}

/** Header hash = SHA-256(`ledger:header:v1` || header bytes), DESIGN.md section 7. */
export function headerHash(headerBytes: Uint8Array): Uint8Array {
  return taggedHash(TAG.header, headerBytes);
}
