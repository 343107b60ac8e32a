/**
 * @module verifier/disclosure-check
 * The checks of DESIGN.md section 10, step 9, that a reader runs on what a holder shows: disclosed
 * attributes (values, salts, leaf indexes, RFC 9162 proofs) against the certificate's attributes
 * root, and the holder (id and salt) against its holder commitment. Pure and browser-safe: it
 * imports only proto/ and pure ledger/ modules, never throws on malformed input, and says why a
 * check fails with a stable code. The disclosure is taken in its JSON view (ledger/disclosure.ts),
 * as it arrives from outside.
 *
 * The root and the attribute names come from the reader's trusted source (the certificate record
 * proven against a committed state root), never from the disclosure: the disclosure's own root
 * must equal it, each leaf must prove into it, and with the names given, the leaf count must be
 * their number and the name at each index the one the certificate lists there.
 */
import { attributeLeafData } from '../ledger/attributes.js';
import { bytesEqual, tryFromHex } from '../ledger/bytes.js';
import { opensCommitment, SALT_LENGTH } from '../ledger/commitment.js';
import { leafHash, verifyInclusion, type MerkleCheckCode } from '../ledger/merkle-verify.js';

/** Why a disclosure check fails; stable codes. */
export type DisclosureCode =
  | 'OK'
  | 'MALFORMED' // not a disclosure: missing or mistyped fields, bad hex, a proof hash that is not 32 bytes
  | 'CERTIFICATE_MISMATCH' // the disclosure names another certificate
  | 'ROOT_MISMATCH' // the disclosure's root is not the certificate's
  | 'LEAF_COUNT_MISMATCH' // the leaf count is not the certificate's number of attributes
  | 'EMPTY' // no attribute disclosed
  | 'DUPLICATE_ATTRIBUTE' // one name or index disclosed twice
  | 'NAME_MISMATCH' // the certificate lists another name at this index
  | 'BAD_SALT' // a salt that is not 32 bytes
  | 'PROOF_INVALID'; // the leaf does not prove into the root at this index

export interface AttributeCheck {
  name: string;
  ok: boolean;
  code: DisclosureCode;
  /** The RFC 9162 check's own code when the proof fails. */
  merkle?: MerkleCheckCode;
}

export interface DisclosureCheck {
  /** Every attribute checks, and the disclosure as a whole. */
  ok: boolean;
  /** The first failure, or OK. */
  code: DisclosureCode;
  /** One result per disclosed attribute, in the disclosure's order. */
  attributes: AttributeCheck[];
  /** The verified name -> value pairs (only those that check). */
  disclosed: Record<string, string>;
}

export interface TrustedCertificate {
  /** The certificate's attributes root, from its state record. */
  attributesRoot: Uint8Array;
  /** Its attribute names in leaf order, from its state record (recommended). */
  attributeNames?: readonly string[];
  /** Its id, when the disclosure must name it. */
  certificateId?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function hex(x: unknown): Uint8Array | undefined {
  return typeof x === 'string' && x.length <= 1 << 16 ? tryFromHex(x) : undefined;
}

function fail(code: DisclosureCode, attributes: AttributeCheck[] = []): DisclosureCheck {
  return { ok: false, code, attributes, disclosed: {} };
}

/**
 * Checks a disclosure (JSON view, or its parsed object) against a trusted certificate. Never throws.
 */
export function checkDisclosure(disclosure: unknown, trusted: TrustedCertificate): DisclosureCheck {
  try {
    return checkUnsafe(disclosure, trusted);
  } catch {
    return fail('MALFORMED');
  }
}

function checkUnsafe(disclosure: unknown, trusted: TrustedCertificate): DisclosureCheck {
  const d = typeof disclosure === 'string' ? parseJson(disclosure) : disclosure;
  if (!isObject(d) || typeof d.certificateId !== 'string' || !isIndex(d.leafCount) || !Array.isArray(d.attributes)) return fail('MALFORMED');
  const root = hex(d.attributesRoot);
  if (root === undefined || root.length !== 32 || !(trusted.attributesRoot instanceof Uint8Array)) return fail('MALFORMED');
  if (trusted.certificateId !== undefined && d.certificateId !== trusted.certificateId) return fail('CERTIFICATE_MISMATCH');
  if (!bytesEqual(root, trusted.attributesRoot)) return fail('ROOT_MISMATCH');
  if (trusted.attributeNames !== undefined && d.leafCount !== trusted.attributeNames.length) return fail('LEAF_COUNT_MISMATCH');
  if (d.attributes.length === 0) return fail('EMPTY');

  const results: AttributeCheck[] = [];
  const disclosed: Record<string, string> = {};
  const names = new Set<string>();
  const indexes = new Set<number>();
  for (const a of d.attributes as unknown[]) {
    if (!isObject(a) || typeof a.name !== 'string' || typeof a.value !== 'string' || !isIndex(a.index) || !Array.isArray(a.proof)) {
      results.push({ name: isObject(a) && typeof a.name === 'string' ? a.name : '', ok: false, code: 'MALFORMED' });
      continue;
    }
    const r = (code: DisclosureCode, merkle?: MerkleCheckCode): AttributeCheck => ({ name: a.name as string, ok: code === 'OK', code, ...(merkle !== undefined ? { merkle } : {}) });
    if (names.has(a.name) || indexes.has(a.index)) {
      results.push(r('DUPLICATE_ATTRIBUTE'));
      continue;
    }
    names.add(a.name);
    indexes.add(a.index);
    const salt = hex(a.salt);
    if (salt === undefined || salt.length !== SALT_LENGTH) {
      results.push(r('BAD_SALT'));
      continue;
    }
    const proof = (a.proof as unknown[]).map(hex);
    if (proof.some((p) => p === undefined || p.length !== 32)) {
      results.push(r('MALFORMED'));
      continue;
    }
    if (trusted.attributeNames !== undefined && trusted.attributeNames[a.index] !== a.name) {
      results.push(r('NAME_MISMATCH'));
      continue;
    }
    let leaf: Uint8Array;
    try {
      leaf = leafHash(attributeLeafData({ name: a.name, value: a.value, salt }));
    } catch {
      results.push(r('MALFORMED'));
      continue;
    }
    const m = verifyInclusion(leaf, a.index, d.leafCount, proof as Uint8Array[], trusted.attributesRoot);
    if (!m.ok) {
      results.push(r('PROOF_INVALID', m.code));
      continue;
    }
    results.push(r('OK'));
    disclosed[a.name] = a.value;
  }
  const firstFailure = results.find((x) => !x.ok);
  return firstFailure === undefined ? { ok: true, code: 'OK', attributes: results, disclosed } : { ok: false, code: firstFailure.code, attributes: results, disclosed };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type HolderCode = 'OK' | 'MALFORMED' | 'BAD_SALT' | 'NOT_HOLDER';

/**
 * Whether the holder's id and salt (hex or bytes) open the certificate's holder commitment
 * (DESIGN.md section 5: the id normalised, NFC, trimmed, upper-case). Never throws.
 */
export function checkHolder(holderId: unknown, salt: unknown, holderCommitment: Uint8Array): { ok: boolean; code: HolderCode } {
  if (typeof holderId !== 'string' || holderId.trim() === '' || !(holderCommitment instanceof Uint8Array) || holderCommitment.length !== 32) return { ok: false, code: 'MALFORMED' };
  const s = salt instanceof Uint8Array ? salt : hex(salt);
  if (s === undefined || s.length !== SALT_LENGTH) return { ok: false, code: 'BAD_SALT' };
  return opensCommitment(holderId, s, holderCommitment) ? { ok: true, code: 'OK' } : { ok: false, code: 'NOT_HOLDER' };
}
