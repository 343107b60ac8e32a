/**
 * @module ledger/rules/certificates
 * Electronic certificates (电子证照), e.g. the electronic property certificate (DESIGN.md
 * section 5).
 *  - CertificateIssued: only a department whose rights list the certificate type
 *    (UNAUTHORIZED); a new id (ALREADY_EXISTS); holder commitment, attributes root and document
 *    digest present; attribute names strictly increasing in UTF-8 byte order, so duplicates are
 *    BAD_PAYLOAD; a type name, if given, the catalogue's name of the type (CERT_TYPE_NAME_MISMATCH).
 *  - CertificateAmended: only the issuer (NOT_ISSUER); not revoked (CERT_REVOKED); replaces the
 *    attributes root and names, document digest and validity.
 *  - CertificateTransferred: only the issuer; a new holder commitment (and, if given, the new
 *    document's digest). Not while seized (CERT_SEIZED). Under rules version 2 the record keeps
 *    the previous holder's commitment and the transfer's record time, so that the previous
 *    holder's check reads "superseded" (issue 24); mortgages stay with the property.
 *  - CertificateRevoked: only the issuer; revoked is final (a second revocation: CERT_REVOKED).
 * Every OK event becomes the certificate's defining event.
 */
import {
  CertificateStatus,
  type CertificateAmended,
  type CertificateIssued,
  type CertificateRecord,
  type CertificateRevoked,
  type CertificateTransferred,
} from '../../proto/schema.generated.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { issuedCertificateRecord } from '../state-records.js';
import { ENCUMBRANCE_RULES_VERSION } from '../rules-version.js';
import { has32, isStrictlyIncreasingUtf8, type RuleContext } from './context.js';
import { isSeized } from './encumbrances.js';

export function certificateIssued(ctx: RuleContext, p: CertificateIssued): ResultCode {
  if (
    p.certificateId === '' ||
    p.certificateTypeId === '' ||
    !has32(p.holderCommitment) ||
    !has32(p.attributesRoot) ||
    !has32(p.documentSha256) ||
    !isStrictlyIncreasingUtf8(p.attributeNames)
  ) {
    return RESULT.BAD_PAYLOAD;
  }
  if (!(ctx.signer.rights?.certificateTypeIds ?? []).includes(p.certificateTypeId)) return RESULT.UNAUTHORIZED;
  if (ctx.get('cert', p.certificateId) !== undefined) return RESULT.ALREADY_EXISTS;
  // the name readers show is the catalogue's (issue 24), so a clerk reads 不动产权证书, not BDC
  if (p.certificateTypeName !== '' && ctx.get('ctype', p.certificateTypeId)?.name !== p.certificateTypeName) return RESULT.CERT_TYPE_NAME_MISMATCH;
  ctx.put('cert', p.certificateId, issuedCertificateRecord(ctx.signer.departmentId, p, ctx.defining));
  return RESULT.OK;
}

/** The certificate, if the signer may change it; else the rejection. */
function issuersCertificate(ctx: RuleContext, id: string): CertificateRecord | ResultCode {
  const c = ctx.get('cert', id);
  if (c === undefined) return RESULT.CERT_NOT_FOUND;
  if (c.issuerDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_ISSUER;
  if (c.status === CertificateStatus.CERTIFICATE_REVOKED) return RESULT.CERT_REVOKED;
  return c;
}

export function certificateAmended(ctx: RuleContext, p: CertificateAmended): ResultCode {
  if (!has32(p.attributesRoot) || !has32(p.documentSha256) || !isStrictlyIncreasingUtf8(p.attributeNames)) return RESULT.BAD_PAYLOAD;
  const c = issuersCertificate(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  ctx.put('cert', c.certificateId, {
    ...c,
    attributesRoot: p.attributesRoot,
    attributeNames: p.attributeNames,
    documentSha256: p.documentSha256,
    validUntilMs: p.validUntilMs,
    definingEvent: ctx.defining,
  });
  return RESULT.OK;
}

export function certificateTransferred(ctx: RuleContext, p: CertificateTransferred): ResultCode {
  if (!has32(p.newHolderCommitment)) return RESULT.BAD_PAYLOAD;
  const c = issuersCertificate(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  if (isSeized(c)) return RESULT.CERT_SEIZED;
  const superseded = ctx.rulesVersion >= ENCUMBRANCE_RULES_VERSION ? { previousHolderCommitment: c.holderCommitment, transferredAtMs: ctx.recordTime } : {};
  ctx.put('cert', c.certificateId, {
    ...c,
    holderCommitment: p.newHolderCommitment,
    documentSha256: has32(p.documentSha256) ? p.documentSha256 : c.documentSha256,
    definingEvent: ctx.defining,
    ...superseded,
  });
  return RESULT.OK;
}

export function certificateRevoked(ctx: RuleContext, p: CertificateRevoked): ResultCode {
  const c = issuersCertificate(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  ctx.put('cert', c.certificateId, { ...c, status: CertificateStatus.CERTIFICATE_REVOKED, revocationReason: p.reason, definingEvent: ctx.defining });
  return RESULT.OK;
}
