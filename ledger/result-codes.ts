/**
 * @module ledger/result-codes
 * The fate of every record (DESIGN.md section 6), in one table with fixed numbers.
 *
 * - Result codes: an included event carries one; the number is bound into the block's results
 *   leaf as a u16 (DESIGN.md section 7), so numbers are consensus-critical: `OK` = 0, never
 *   renumber, never reuse a number (retire a code by leaving its number unused).
 * - Drop reasons: a dropped record is only counted in the header; the reason is for logs,
 *   metrics and the operator, never hashed. Their numbers are stable too.
 * Pure: no Node imports.
 */

interface CodeSpec {
  readonly code: number;
  readonly doc: string;
}

/**
 * Result codes of included events. Grouped by family (numbers leave room in each group); the
 * rule that produces each code is in ledger/rules/*.ts.
 */
export const RESULT_CODES = {
  OK: { code: 0, doc: 'the event was applied' },
  // sequence and signer (ledger/rules/sequence.ts, ledger/state-machine.ts)
  SEQUENCE_GAP: { code: 1, doc: 'sequence > next: nothing reserved, next unchanged' },
  DUPLICATE_SEQUENCE: { code: 2, doc: 'sequence < next: the department equivocated' },
  SUSPENDED: { code: 3, doc: 'the signing department is suspended: it can do nothing until reinstated' },
  UNAUTHORIZED: { code: 4, doc: 'the signer lacks the right (govern, the certificate type, the resource)' },
  BAD_PAYLOAD: { code: 5, doc: 'the payload is inconsistent in itself (empty or duplicate lists, missing digests, empty window, unordered attribute names)' },
  ALREADY_EXISTS: { code: 6, doc: 'the department, request or certificate id is taken (or the source registers its resource again)' },
  KEY_COMPROMISED: { code: 7, doc: 'reserved for reports: a record whose defining event a compromised key signed is void (the state machine drops such events instead)' },
  // governance (ledger/rules/governance.ts)
  UNKNOWN_DEPARTMENT: { code: 10, doc: 'the target department is not registered' },
  BAD_PUBLIC_KEY: { code: 11, doc: 'the public key fails the Ed25519 rule (non-canonical or small order)' },
  KEY_VERSION_NOT_NEXT: { code: 12, doc: 'a rotation must name exactly the current version + 1' },
  UNKNOWN_KEY_VERSION: { code: 13, doc: 'a compromise names a key version the department never had' },
  ALREADY_SUSPENDED: { code: 14, doc: 'the department is suspended already' },
  NOT_SUSPENDED: { code: 15, doc: 'reinstating a department that is not suspended' },
  TOO_MANY_KEYS: { code: 16, doc: 'a department holds at most max_list_entries key versions' },
  // catalogue (ledger/rules/catalogue.ts)
  UNKNOWN_RESOURCE: { code: 20, doc: 'no such resource in the catalogue' },
  SECOND_SOURCE: { code: 21, doc: 'the resource has another source already (一数一源: one data item, one source)' },
  NOT_SOURCE: { code: 22, doc: 'only the resource\'s source may do this' },
  VERSION_NOT_INCREASING: { code: 23, doc: 'a dataset version must exceed the latest published one' },
  // sharing (ledger/rules/sharing.ts)
  NOT_SHAREABLE: { code: 30, doc: 'the resource is NOT_SHARED' },
  FIELDS_NOT_COVERED: { code: 31, doc: 'fields outside the resource or outside the grant' },
  GRANT_NOT_FOUND: { code: 32, doc: 'no such request or grant' },
  GRANT_NOT_PENDING: { code: 33, doc: 'grant or deny of a request that is no longer REQUESTED' },
  NOT_GRANTED: { code: 34, doc: 'revocation of a grant that is not GRANTED' },
  // access audit (ledger/rules/access.ts)
  GRANT_REQUIRED: { code: 40, doc: 'a CONDITIONAL resource read without a grant' },
  GRANT_INACTIVE: { code: 41, doc: 'the grant is not GRANTED, or the record time is outside [valid_from, valid_until)' },
  GRANT_EXHAUSTED: { code: 42, doc: 'the grant\'s maximum uses are used up' },
  GRANT_REVOKED: { code: 43, doc: 'the grant was revoked by the source' },
  NOT_GRANTEE: { code: 44, doc: 'the grant belongs to another department' },
  GRANT_MISMATCH: { code: 45, doc: 'the grant is for another resource' },
  // the exchange point and consent, rules_version 2 (ledger/rules/exchange.ts, ledger/rules/consent.ts)
  SUBJECT_NOT_COVERED: { code: 46, doc: 'the read is about a data subject the grant does not name (or the grant names none)' },
  CONSENT_MISSING: { code: 47, doc: 'no consent of the reading department for this data subject: none named, unknown, recorded by another department, or about another subject' },
  REFUSED_BY_SOURCE: { code: 48, doc: 'the exchange point refused a read the grant would allow (its stated reason: bad request signature, no such subject in its data, ...)' },
  // certificates (ledger/rules/certificates.ts)
  CERT_NOT_FOUND: { code: 50, doc: 'no such certificate' },
  CERT_REVOKED: { code: 51, doc: 'the certificate is revoked (final)' },
  NOT_ISSUER: { code: 52, doc: 'only the issuing department amends, transfers or revokes' },
  // encumbrances (ledger/rules/encumbrances.ts), rules version 2
  CERT_SEIZED: { code: 53, doc: 'the certificate is seized (查封): no transfer and no new mortgage until the court lifts it' },
  ENCUMBRANCE_NOT_FOUND: { code: 54, doc: 'no current mortgage or seizure of that rank on the certificate' },
  NOT_SEIZING_COURT: { code: 55, doc: 'only the court that registered a seizure lifts it' },
  TOO_MANY_ENCUMBRANCES: { code: 56, doc: 'a certificate holds at most max_list_entries current encumbrances' },
  // the catalogue's certificate types (ledger/rules/certificate-types.ts), rules version 2
  CERT_TYPE_NAME_MISMATCH: { code: 57, doc: "an issued certificate's type name is not the catalogue's name of its type (or the type has none)" },
} as const satisfies Record<string, CodeSpec>;

export type ResultName = keyof typeof RESULT_CODES;

/** Result code numbers by name: `RESULT.OK === 0`. */
export const RESULT: { readonly [K in ResultName]: (typeof RESULT_CODES)[K]['code'] } = Object.freeze(
  Object.fromEntries(Object.entries(RESULT_CODES).map(([k, v]) => [k, v.code])),
) as { readonly [K in ResultName]: (typeof RESULT_CODES)[K]['code'] };

export type ResultCode = (typeof RESULT)[ResultName];

const RESULT_NAMES: ReadonlyMap<number, ResultName> = new Map(
  (Object.entries(RESULT_CODES) as Array<[ResultName, CodeSpec]>).map(([k, v]) => [v.code, k]),
);

/** The name of a result code number, or undefined for a number no rule version defines. */
export function resultName(code: number): ResultName | undefined {
  return RESULT_NAMES.get(code);
}

/** Why a record was dropped (not in the block; counted in the header's dropped count). */
export const DROP_REASONS = {
  UNDECODABLE: { code: 1, doc: 'the record or its event body does not decode' },
  NON_CANONICAL: { code: 2, doc: 'a message does not re-encode to its exact bytes' },
  OVER_LIMITS: { code: 3, doc: 'a field or the record is over a genesis limit (sizes, identifiers, lists)' },
  NOT_LOG_APPEND_TIME: { code: 4, doc: 'the batch timestamp type is not LogAppendTime (decided by the cutter)' },
  CHANNEL_MISMATCH: { code: 5, doc: 'the event names another channel' },
  UNKNOWN_DEPARTMENT: { code: 6, doc: 'the signing department is not registered' },
  UNKNOWN_KEY: { code: 7, doc: 'the department has no such key version, or it is not active yet' },
  RETIRED_KEY: { code: 8, doc: 'the key version was retired (rotated) before this log position' },
  COMPROMISED_KEY: { code: 9, doc: 'the key version is declared compromised from this log position or earlier' },
  BAD_SIGNATURE: { code: 10, doc: 'the signature fails the Ed25519 rule' },
  RETRIED_DUPLICATE: { code: 11, doc: 'the event id is already in the chain or earlier in the pending block' },
} as const satisfies Record<string, CodeSpec>;

export type DropReason = keyof typeof DROP_REASONS;
