/**
 * @module ledger/hash
 * Domain-separated SHA-256 (DESIGN.md section 4): every hash over a structure starts with a fixed
 * ASCII tag, so that no two kinds of structure can ever share a hash input. The RFC 9162 Merkle
 * log uses its own 0x00/0x01 prefixes and no tag (see ledger/merkle-hash.ts).
 * SHA-256 is ledger/sha256-into.ts (plain JS, checked against Node's crypto and @noble/hashes in
 * the tests): twice as fast as @noble/hashes on the 60..300-byte inputs of keys, records and
 * event bodies, and as fast as Node's crypto.hash there, without a Node import.
 * Pure: no Node imports (runs in the browser verifier).
 */
import { utf8 } from './bytes.js';
import { sha256Into } from './sha256-into.js';

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
  /** The data subject's derivations (rules_version 2, ledger/subject.ts; issue 21). */
  grantSubject: 'ledger:grant-subject:v1',
  consentSubject: 'ledger:consent-subject:v1',
  trail: 'ledger:trail:v1',
  /** A read's trail opening, whose hash is its tag (ledger/subject.ts); the public trail index's certificate key (API only). */
  trailOpening: 'ledger:trail-opening:v1',
  trailCertificate: 'ledger:trail-certificate:v1',
  /** A department's signed HTTP request (exchange/request-auth.ts; not chain data). */
  request: 'ledger:request:v1',
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
  const out = new Uint8Array(32);
  sha256Into(data, out);
  return out;
}

/** The hash input is assembled here (hashing is synchronous, so one buffer serves every call). */
let scratch = new Uint8Array(1024);

/** SHA-256(tag || parts...). Parts must already be length-prefixed where they vary in length. */
export function taggedHash(tag: Tag, ...parts: Uint8Array[]): Uint8Array {
  const t = TAG_BYTES[tag];
  let n = t.length;
  for (const p of parts) n += p.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
  scratch.set(t, 0);
  let at = t.length;
  for (const p of parts) {
    scratch.set(p, at);
    at += p.length;
  }
  const out = new Uint8Array(32);
  sha256Into(scratch, out, 0, n);
  return out;
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
