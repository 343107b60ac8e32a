/**
 * @module ledger/subject
 * The data subject of a grant, a consent and a read (rules_version 2; issue 21), derived from one
 * 32-byte *subject secret* that the requesting department issues to the citizen with the consent
 * (like a certificate holder's salt, DESIGN.md section 5) and sends to the exchange point with
 * each request:
 *  - a grant names its subject as commitment(id, SHA-256("ledger:grant-subject:v1" || secret ||
 *    u16 len || request id)): a different salt per grant, so two grants of one subject differ;
 *  - a consent likewise with "ledger:consent-subject:v1" and the consent id;
 *  - each read carries a trail tag SHA-256("ledger:trail:v1" || opening) with the opening
 *    SHA-256("ledger:trail-opening:v1" || secret || salt) under a fresh random 32-byte salt that the
 *    read event publishes: the tag is a hash of the opening so that the secret's holder can show
 *    a node the opening of one read (and nothing of the secret) to be served that read's event
 *    when the node serves reads to no one else (api/routes-trail.ts).
 * Privacy: without the secret, the tags of two reads are independent random-looking values and the
 * grant and consent commitments of one subject are unrelated across grants and consents, so an
 * outsider with the chain cannot link reads of one subject made under different grants; reads
 * under one grant (or one consent) are linked by that grant's id anyway, by design (the auditor
 * must see the lawful basis of each read). Whoever holds the secret (the citizen, the requesting
 * department, the exchange points it was sent to) recognises the subject's reads by recomputing
 * each read's tag from its salt, scanning the chain locally: the node that serves the chain never
 * learns whose trail is being listed.
 * Pure: no Node imports.
 */
import { concatBytes, fromHex, lp16, utf8 } from './bytes.js';
import { commitment, SALT_LENGTH } from './commitment.js';
import { LedgerError } from '../errors/ledger-error.js';
import { TAG, taggedHash } from './hash.js';

export const SUBJECT_SECRET_LENGTH = 32;

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== SUBJECT_SECRET_LENGTH) {
    throw new LedgerError('BAD_ARGUMENT', `a subject secret is ${SUBJECT_SECRET_LENGTH} bytes`, { length: secret?.length ?? null });
  }
}

/** The salt of the grant `requestId`'s subject commitment. */
export function grantSubjectSalt(secret: Uint8Array, requestId: string): Uint8Array {
  checkSecret(secret);
  return taggedHash(TAG.grantSubject, concatBytes(secret, lp16(utf8(requestId))));
}

/** The salt of the consent `consentId`'s subject commitment. */
export function consentSubjectSalt(secret: Uint8Array, consentId: string): Uint8Array {
  checkSecret(secret);
  return taggedHash(TAG.consentSubject, concatBytes(secret, lp16(utf8(consentId))));
}

/** The subject commitment a grant names (ShareRequested.subject). */
export function grantSubjectCommitment(subjectId: string, secret: Uint8Array, requestId: string): Uint8Array {
  return commitment(subjectId, grantSubjectSalt(secret, requestId));
}

/** The subject commitment a consent carries (ConsentRecorded.subject_commitment). */
export function consentSubjectCommitment(subjectId: string, secret: Uint8Array, consentId: string): Uint8Array {
  return commitment(subjectId, consentSubjectSalt(secret, consentId));
}

/** A read's trail opening under its salt: what the secret's holder shows to be served the read. */
export function trailOpening(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  checkSecret(secret);
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) throw new LedgerError('BAD_ARGUMENT', `a trail salt is ${SALT_LENGTH} bytes`, {});
  return taggedHash(TAG.trailOpening, secret, salt);
}

/** The trail tag an opening commits to. */
export function trailTagOfOpening(opening: Uint8Array): Uint8Array {
  return taggedHash(TAG.trail, opening);
}

/** A read's trail tag (ExchangeRead.subject_commitment) under its fresh salt. */
export function trailTag(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  return trailTagOfOpening(trailOpening(secret, salt));
}

/**
 * The subject secret file the citizen keeps (JSON): `{ "subject": id, "secret": hex }`.
 * @throws LedgerError BAD_ARGUMENT naming what is wrong
 */
export function parseSubjectSecretFile(text: string, what = 'subject secret file'): { subject: string; secret: Uint8Array } {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new LedgerError('BAD_ARGUMENT', `${what} is not JSON`, {});
  }
  const o = j as { subject?: unknown; secret?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.subject !== 'string' || o.subject.trim() === '') {
    throw new LedgerError('BAD_ARGUMENT', `${what}: "subject" must be the subject's id (a non-empty string)`, {});
  }
  if (typeof o.secret !== 'string' || !/^[0-9a-f]{64}$/.test(o.secret)) {
    throw new LedgerError('BAD_ARGUMENT', `${what}: "secret" must be 64 lower-case hex digits (32 bytes)`, {});
  }
  return { subject: o.subject, secret: fromHex(o.secret, 'secret') };
}
