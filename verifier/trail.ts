/**
 * @module verifier/trail
 * The citizen's own trail (谁查询了我的数据, issue 21): every read an exchange point recorded about
 * the holder of a subject secret, found by recomputing each ExchangeRead's trail tag from its
 * published salt (ledger/subject.ts). The scan runs where the secret is (the citizen's CLI or
 * browser), over committed blocks as any node serves them: the node never learns whose trail is
 * listed, and without the secret the tags of two reads are unrelated.
 * Pure: runs in the browser (the reader page) and in the CLI.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { eventId } from '../ledger/hash.js';
import { resultName } from '../ledger/result-codes.js';
import { trailTag } from '../ledger/subject.js';
import { decode } from '../proto/codec.js';
import type { DecodeLimits } from '../proto/limits.js';
import type { Block } from '../proto/schema.generated.js';

/** One read about the subject, as the chain recorded it. */
export interface TrailEntry {
  eventId: string;
  height: string;
  logPosition: string;
  /** The record time (ms since the epoch, DESIGN.md section 6): when the chain took the read. */
  recordTimeMs: string;
  /** The department that served (or refused) it: the signer of the read event. */
  sourceDepartmentId: string;
  /** The department that asked. */
  granteeDepartmentId: string;
  resourceId: string;
  grantId: string;
  consentId: string;
  fields: string[];
  purpose: string;
  /** OK: served; anything else: refused (with this code), nothing served. */
  resultName: string;
  /** SHA-256 of the bytes served (empty when refused before reading). */
  dataSha256: string;
  refusal: string;
}

/** The reads about the secret's holder in one committed block. */
export function trailInBlock(block: Block, secret: Uint8Array, limits: DecodeLimits): TrailEntry[] {
  const out: TrailEntry[] = [];
  const header = block.header!;
  const first = header.logSize - BigInt(block.events.length);
  block.events.forEach((e, i) => {
    const body = decode('EventBody', e.event!.body, limits);
    const r = body.exchangeRead;
    if (r === undefined || r.salt.length !== 32 || r.subjectCommitment.length !== 32) return;
    if (!bytesEqual(trailTag(secret, r.salt), r.subjectCommitment)) return;
    out.push({
      eventId: toHex(eventId(e.event!.body)),
      height: header.height.toString(),
      logPosition: (first + BigInt(i)).toString(),
      recordTimeMs: e.recordTimeMs.toString(),
      sourceDepartmentId: body.departmentId,
      granteeDepartmentId: r.granteeDepartmentId,
      resourceId: r.resourceId,
      grantId: r.grantId,
      consentId: r.consentId,
      fields: r.fields,
      purpose: r.purpose,
      resultName: resultName(e.resultCode) ?? `code ${e.resultCode}`,
      dataSha256: toHex(r.dataSha256),
      refusal: r.refusal,
    });
  });
  return out;
}

/** One verification of a certificate (用证留痕, issue 24), as the chain recorded it. */
export interface VerificationEntry {
  eventId: string;
  height: string;
  logPosition: string;
  /** The record time (ms since the epoch, DESIGN.md section 6): when the chain took the check. */
  recordTimeMs: string;
  /** Who checked: the department that signed the CertificateVerified event (e.g. a bank). */
  verifierDepartmentId: string;
  certificateId: string;
  purpose: string;
  /** OK, or why the record was rejected (e.g. CERT_NOT_FOUND). */
  resultName: string;
}

/**
 * The verifications of one certificate recorded in one committed block: every CertificateVerified
 * event naming it. The certificate id is public (it is printed on the certificate), so unlike the
 * subject trail this scan needs no secret; the holder learns who checked the property and why.
 */
export function verificationsInBlock(block: Block, certificateId: string, limits: DecodeLimits): VerificationEntry[] {
  const out: VerificationEntry[] = [];
  const header = block.header!;
  const first = header.logSize - BigInt(block.events.length);
  block.events.forEach((e, i) => {
    const body = decode('EventBody', e.event!.body, limits);
    const v = body.certificateVerified;
    if (v === undefined || v.certificateId !== certificateId) return;
    out.push({
      eventId: toHex(eventId(e.event!.body)),
      height: header.height.toString(),
      logPosition: (first + BigInt(i)).toString(),
      recordTimeMs: e.recordTimeMs.toString(),
      verifierDepartmentId: body.departmentId,
      certificateId: v.certificateId,
      purpose: v.purpose,
      resultName: resultName(e.resultCode) ?? `code ${e.resultCode}`,
    });
  });
  return out;
}
