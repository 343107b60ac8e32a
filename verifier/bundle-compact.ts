/**
 * @module verifier/bundle-compact
 * The parts of the bundle format that keep a certificate's bundle within one QR code
 * (docs/proof-format.md, "Compact form"): the certificate record derived from its defining
 * CertificateIssued event (the record the issue rule of ledger/rules/certificates.ts writes), and
 * RFC 9162 paths carried as one bytes field of concatenated 32-byte hashes. Pure.
 */
import { issuedCertificateRecord } from '../ledger/state-records.js';
import type { CertificateRecord, Encumbrance, EventBody } from '../proto/schema.generated.js';

/**
 * The record a CertificateIssued event sets (DESIGN.md section 9): its fields, the signer as the
 * issuer, status ISSUED, no revocation reason, and the defining event (id, height, log position),
 * with the bundle's `encumbrances` (rules version 2: they do not change the defining event).
 * Undefined when the event is not a CertificateIssued.
 */
export function certificateFromIssue(body: EventBody, eventId: Uint8Array, height: bigint, logPosition: bigint, encumbrances: Encumbrance[] = []): CertificateRecord | undefined {
  const p = body.certificateIssued;
  if (p === undefined) return undefined;
  return issuedCertificateRecord(body.departmentId, p, { eventId, height, logPosition }, encumbrances);
}

/** A path's hashes as one field: 32 bytes each, concatenated. */
export function joinPath(path: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(32 * path.length);
  path.forEach((h, i) => out.set(h, 32 * i));
  return out;
}

/** The hashes of a concatenated path; undefined when its length is not a multiple of 32. */
export function splitPath(bytes: Uint8Array): Uint8Array[] | undefined {
  if (bytes.length % 32 !== 0) return undefined;
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 32) out.push(bytes.subarray(at, at + 32));
  return out;
}
