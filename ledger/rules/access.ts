/**
 * @module ledger/rules/access
 * The access audit (DESIGN.md section 5): who read what, under which authorisation. An
 * AccessRecorded is OK only when it is covered; otherwise it is included with the reason and
 * kept (the rejected-attempts projection makes insider misuse attributable). A rejected access
 * uses no use. Checks, in order:
 *  1. fields non-empty and distinct (BAD_PAYLOAD);
 *  2. the resource exists (UNKNOWN_RESOURCE) and has the fields (FIELDS_NOT_COVERED);
 *  3. the resource's own source reads its own data: OK, recorded, no grant needed;
 *  4. NOT_SHARED: NOT_SHAREABLE;
 *  5. no grant named: OK for an UNCONDITIONAL resource (any registered department), otherwise
 *     GRANT_REQUIRED;
 *  6. the grant exists (GRANT_NOT_FOUND), is for this resource (GRANT_MISMATCH) and this reader
 *     (NOT_GRANTEE), is not revoked (GRANT_REVOKED), is GRANTED and active at the record time,
 *     valid_from <= t < valid_until (GRANT_INACTIVE), covers the fields (FIELDS_NOT_COVERED)
 *     and has a use left (GRANT_EXHAUSTED); a grant that names a data subject (rules_version 2) is
 *     read only through its source's exchange point (SUBJECT_NOT_COVERED); then OK, and the grant's use count goes up by one
 *     (its defining event stays the grant).
 */
import { GrantStatus, ShareType, type AccessRecorded } from '../../proto/schema.generated.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { isNonEmptyDistinct, isSubset, type RuleContext } from './context.js';
import { isActiveAt } from '../grant-window.js';

export function accessRecorded(ctx: RuleContext, p: AccessRecorded): ResultCode {
  if (!isNonEmptyDistinct(p.fields)) return RESULT.BAD_PAYLOAD;
  const r = ctx.get('resource', p.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE;
  if (!isSubset(p.fields, r.fields)) return RESULT.FIELDS_NOT_COVERED;
  const reader = ctx.signer.departmentId;
  if (r.sourceDepartmentId === reader) return RESULT.OK;
  if (r.shareType === ShareType.NOT_SHARED) return RESULT.NOT_SHAREABLE;
  if (p.grantId === '') return r.shareType === ShareType.UNCONDITIONAL ? RESULT.OK : RESULT.GRANT_REQUIRED;
  const g = ctx.get('grant', p.grantId);
  if (g === undefined) return RESULT.GRANT_NOT_FOUND;
  if (g.resourceId !== p.resourceId) return RESULT.GRANT_MISMATCH;
  if (g.requesterDepartmentId !== reader) return RESULT.NOT_GRANTEE;
  // a grant bound to a data subject (rules_version 2) is read only through the source's exchange
  // point, whose ExchangeRead checks the subject: a self-reported access cannot use it
  if (g.subject !== undefined) return RESULT.SUBJECT_NOT_COVERED;
  if (g.status === GrantStatus.GRANT_REVOKED) return RESULT.GRANT_REVOKED;
  if (g.status !== GrantStatus.GRANT_GRANTED) return RESULT.GRANT_INACTIVE;
  if (!isActiveAt(g.validFromMs, g.validUntilMs, ctx.recordTime)) return RESULT.GRANT_INACTIVE;
  if (!isSubset(p.fields, g.grantedFields)) return RESULT.FIELDS_NOT_COVERED;
  if (g.maxUses !== 0n && g.uses >= g.maxUses) return RESULT.GRANT_EXHAUSTED;
  ctx.put('grant', g.requestId, { ...g, uses: g.uses + 1n });
  return RESULT.OK;
}

