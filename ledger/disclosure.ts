/**
 * @module ledger/disclosure
 * Selective disclosure of certificate attributes (DESIGN.md sections 5 and 10, step 9): from the
 * holder's salts file, the chosen attributes with their values, salts, leaf indexes and RFC 9162
 * inclusion proofs against the certificate's attributes root. A disclosure reveals each chosen
 * leaf's index and the leaf count (so, with the certificate's attribute names, which attribute it
 * is); the other attributes stay hidden behind their salted leaves. The check is
 * verifier/disclosure-check.ts. Pure: no Node imports.
 *
 * JSON view: `{ certificateId, attributesRoot (hex), leafCount, attributes: [{ name, value, salt
 * (hex), index, proof: [hex, ...] }] }`.
 */
import { attributeLeafData, attributesRoot, orderAttributes, type Attribute } from './attributes.js';
import { bytesEqual, toHex, tryFromHex } from './bytes.js';
import { SALT_LENGTH } from './commitment.js';
import { LedgerError } from '../errors/ledger-error.js';
import { inclusionProof, leafHash } from './merkle.js';

/** The holder's salts file (DESIGN.md section 5; read by producers/payloads.ts parseSaltsFile), salts in hex. */
export interface HolderSalts {
  certificate: string;
  holder: { value: string; salt: string };
  attributes: Array<{ name: string; value: string; salt: string }>;
}

export interface DisclosedAttribute {
  name: string;
  value: string;
  salt: Uint8Array;
  /** The leaf index (attributes in increasing UTF-8 order of their names). */
  index: number;
  /** RFC 9162 inclusion proof of the leaf in a tree of `leafCount` leaves. */
  proof: Uint8Array[];
}

export interface Disclosure {
  certificateId: string;
  attributesRoot: Uint8Array;
  leafCount: number;
  attributes: DisclosedAttribute[];
}

export interface DisclosureJson {
  certificateId: string;
  attributesRoot: string;
  leafCount: number;
  attributes: Array<{ name: string; value: string; salt: string; index: number; proof: string[] }>;
}

function salt(hex: string, what: string): Uint8Array {
  const b = tryFromHex(hex);
  if (b === undefined || b.length !== SALT_LENGTH) throw new LedgerError('BAD_ARGUMENT', `${what}: the salt must be ${SALT_LENGTH * 2} hex characters`, { what });
  return b;
}

/**
 * A disclosure of the attributes named `names` (in the order asked) from a salts file.
 * `expectedRoot`, when given (the certificate record's attributes root), must be what the salts
 * file produces: a salts file from before an amendment discloses nothing.
 * @throws LedgerError BAD_ARGUMENT (no names, a name asked twice or not in the file, a bad salt,
 *   duplicate names in the file); CHECK_FAILED when the file does not give `expectedRoot`
 */
export function buildDisclosure(salts: HolderSalts, names: string[], expectedRoot?: Uint8Array): Disclosure {
  if (names.length === 0) throw new LedgerError('BAD_ARGUMENT', 'name at least one attribute to disclose', {});
  const attrs: Attribute[] = orderAttributes(salts.attributes.map((a) => ({ name: a.name, value: a.value, salt: salt(a.salt, `attribute "${a.name}"`) })));
  const leaves = attrs.map((a) => leafHash(attributeLeafData(a)));
  const root = attributesRoot(attrs);
  if (expectedRoot !== undefined && !bytesEqual(root, expectedRoot)) {
    throw new LedgerError('CHECK_FAILED', `the salts file for ${salts.certificate} gives attributes root ${toHex(root)}, the certificate has ${toHex(expectedRoot)} (a file from before an amendment?)`, {
      computed: toHex(root),
      expected: toHex(expectedRoot),
    });
  }
  const seen = new Set<string>();
  const attributes = names.map((name) => {
    if (seen.has(name)) throw new LedgerError('BAD_ARGUMENT', `attribute "${name}" is asked twice`, { attribute: name });
    seen.add(name);
    const index = attrs.findIndex((a) => a.name === name);
    if (index < 0) throw new LedgerError('BAD_ARGUMENT', `the salts file of ${salts.certificate} has no attribute "${name}" (it has ${attrs.map((a) => a.name).join(', ')})`, { attribute: name });
    const a = attrs[index]!;
    return { name: a.name, value: a.value, salt: a.salt, index, proof: inclusionProof(leaves, index) };
  });
  return { certificateId: salts.certificate, attributesRoot: root, leafCount: attrs.length, attributes };
}

/** The JSON view of a disclosure. */
export function disclosureToJson(d: Disclosure): DisclosureJson {
  return {
    certificateId: d.certificateId,
    attributesRoot: toHex(d.attributesRoot),
    leafCount: d.leafCount,
    attributes: d.attributes.map((a) => ({ name: a.name, value: a.value, salt: toHex(a.salt), index: a.index, proof: a.proof.map(toHex) })),
  };
}
