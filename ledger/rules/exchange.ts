/**
 * @module ledger/rules/exchange
 * A read served (or refused) by an exchange point (共享交换), rules_version 2 (issue 21). The
 * event is signed by the resource's source, never by the reader, so the grantee can neither write
 * nor leave out the record of its read; the source returns the data only after this event is
 * committed OK (exchange/exchange-point.ts). A refused read is included with its reason and uses
 * no use. Checks, in order:
 *  1. fields non-empty and distinct, a grantee named, the trail tag, its salt and the request
 *     digest present, the data digest present unless refused, the grant's and the consent's
 *     recomputed subject commitments present when a grant or consent is named (BAD_PAYLOAD);
 *  2. the resource exists (UNKNOWN_RESOURCE); the signer is its source (NOT_SOURCE); it is not
 *     NOT_SHARED (NOT_SHAREABLE); the fields are the resource's (FIELDS_NOT_COVERED);
 *  3. no grant named: allowed for an UNCONDITIONAL resource, otherwise GRANT_REQUIRED;
 *  4. the grant exists (GRANT_NOT_FOUND), is for this resource (GRANT_MISMATCH) and this grantee
 *     (NOT_GRANTEE), is not revoked (GRANT_REVOKED), is GRANTED and active at the record time
 *     (GRANT_INACTIVE) and covers the fields (FIELDS_NOT_COVERED);
 *  5. the grant names a subject and it is the read's (SUBJECT_NOT_COVERED);
 *  6. a consent is named, recorded by the grantee, about the read's subject (CONSENT_MISSING);
 *  7. the grant has a use left (GRANT_EXHAUSTED): uses count the reads of the grant's one subject;
 *  8. the source refused it for a reason of its own (REFUSED_BY_SOURCE);
 *  then OK, and a grant's use count goes up by one (its defining event stays the grant).
 */
import { GrantStatus, ShareType, type ExchangeRead } from '../../proto/schema.generated.js';
import { bytesEqual } from '../bytes.js';
import { isActiveAt } from '../grant-window.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { has32, isNonEmptyDistinct, isSubset, type RuleContext } from './context.js';

function wellFormed(p: ExchangeRead): boolean {
  if (!isNonEmptyDistinct(p.fields) || p.granteeDepartmentId === '') return false;
  if (!has32(p.subjectCommitment) || !has32(p.salt) || !has32(p.requestDigest)) return false;
  if (p.refusal === '' && !has32(p.dataSha256)) return false;
  if (p.grantId !== '' && !has32(p.grantSubjectCommitment)) return false;
  if (p.consentId !== '' && !has32(p.consentSubjectCommitment)) return false;
  return true;
}

export function exchangeRead(ctx: RuleContext, p: ExchangeRead): ResultCode {
  if (!wellFormed(p)) return RESULT.BAD_PAYLOAD;
  const r = ctx.get('resource', p.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE;
  if (r.sourceDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_SOURCE;
  if (r.shareType === ShareType.NOT_SHARED) return RESULT.NOT_SHAREABLE;
  if (!isSubset(p.fields, r.fields)) return RESULT.FIELDS_NOT_COVERED;
  if (p.grantId === '') {
    if (r.shareType !== ShareType.UNCONDITIONAL) return RESULT.GRANT_REQUIRED;
    return p.refusal !== '' ? RESULT.REFUSED_BY_SOURCE : RESULT.OK;
  }
  const g = ctx.get('grant', p.grantId);
  if (g === undefined) return RESULT.GRANT_NOT_FOUND;
  if (g.resourceId !== p.resourceId) return RESULT.GRANT_MISMATCH;
  if (g.requesterDepartmentId !== p.granteeDepartmentId) return RESULT.NOT_GRANTEE;
  if (g.status === GrantStatus.GRANT_REVOKED) return RESULT.GRANT_REVOKED;
  if (g.status !== GrantStatus.GRANT_GRANTED) return RESULT.GRANT_INACTIVE;
  if (!isActiveAt(g.validFromMs, g.validUntilMs, ctx.recordTime)) return RESULT.GRANT_INACTIVE;
  if (!isSubset(p.fields, g.grantedFields)) return RESULT.FIELDS_NOT_COVERED;
  if (g.subject === undefined || !bytesEqual(g.subject.subjectCommitment, p.grantSubjectCommitment)) return RESULT.SUBJECT_NOT_COVERED;
  if (p.consentId === '') return RESULT.CONSENT_MISSING;
  const c = ctx.get('consent', p.consentId);
  if (c === undefined || c.departmentId !== p.granteeDepartmentId || !bytesEqual(c.subjectCommitment, p.consentSubjectCommitment)) return RESULT.CONSENT_MISSING;
  if (g.maxUses !== 0n && g.uses >= g.maxUses) return RESULT.GRANT_EXHAUSTED;
  if (p.refusal !== '') return RESULT.REFUSED_BY_SOURCE;
  ctx.put('grant', g.requestId, { ...g, uses: g.uses + 1n });
  return RESULT.OK;
}
