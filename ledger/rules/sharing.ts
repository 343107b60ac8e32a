/**
 * @module ledger/rules/sharing
 * Sharing under the source's authorisation (DESIGN.md section 5). The grant's id is its request
 * id, chosen by the requester and unique in the channel.
 *  - ShareRequested: by any department; the resource exists (UNKNOWN_RESOURCE) and is not
 *    NOT_SHARED (NOT_SHAREABLE); requested fields non-empty, distinct, within the resource's
 *    fields (FIELDS_NOT_COVERED); the id is new (ALREADY_EXISTS); a named data subject
 *    (rules_version 2) is a 32-byte commitment (BAD_PAYLOAD) and becomes the grant's subject.
 *  - ShareGranted: only the resource's source (NOT_SOURCE), only a REQUESTED request
 *    (GRANT_NOT_PENDING), never for a NOT_SHARED resource (NOT_SHAREABLE); granted fields
 *    non-empty, distinct and within the resource's fields (FIELDS_NOT_COVERED); window
 *    valid_from < valid_until (BAD_PAYLOAD); max_uses 0 = unlimited. Active at record time t
 *    when valid_from <= t < valid_until (DESIGN.md section 6).
 *  - ShareDenied: only the source, only a REQUESTED request.
 *  - ShareRevoked: only the source, only a GRANTED grant (NOT_GRANTED).
 * UNCONDITIONAL resources need no grant (ledger/rules/access.ts) but may still be requested.
 */
import { GrantStatus, ShareType, type ShareDenied, type ShareGranted, type ShareRequested, type ShareRevoked } from '../../proto/schema.generated.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { has32, isNonEmptyDistinct, isSubset, type RuleContext } from './context.js';

export function shareRequested(ctx: RuleContext, p: ShareRequested): ResultCode {
  if (p.requestId === '' || !isNonEmptyDistinct(p.fields)) return RESULT.BAD_PAYLOAD;
  if (p.subject !== undefined && !has32(p.subject.subjectCommitment)) return RESULT.BAD_PAYLOAD;
  const r = ctx.get('resource', p.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE;
  if (r.shareType === ShareType.NOT_SHARED) return RESULT.NOT_SHAREABLE;
  if (!isSubset(p.fields, r.fields)) return RESULT.FIELDS_NOT_COVERED;
  if (ctx.get('grant', p.requestId) !== undefined) return RESULT.ALREADY_EXISTS;
  ctx.put('grant', p.requestId, {
    requestId: p.requestId,
    requesterDepartmentId: ctx.signer.departmentId,
    resourceId: p.resourceId,
    purpose: p.purpose,
    requestedFields: p.fields,
    status: GrantStatus.GRANT_REQUESTED,
    grantorDepartmentId: '',
    grantedFields: [],
    validFromMs: 0n,
    validUntilMs: 0n,
    maxUses: 0n,
    uses: 0n,
    definingEvent: ctx.defining,
    // absent under rules_version 1 (the state machine drops a request naming a subject there)
    ...(p.subject !== undefined ? { subject: p.subject } : {}),
  });
  return RESULT.OK;
}

export function shareGranted(ctx: RuleContext, p: ShareGranted): ResultCode {
  if (!isNonEmptyDistinct(p.fields) || p.validFromMs >= p.validUntilMs) return RESULT.BAD_PAYLOAD;
  const g = ctx.get('grant', p.requestId);
  if (g === undefined) return RESULT.GRANT_NOT_FOUND;
  const r = ctx.get('resource', g.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE; // cannot happen: resources are never deleted
  if (r.sourceDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_SOURCE;
  if (g.status !== GrantStatus.GRANT_REQUESTED) return RESULT.GRANT_NOT_PENDING;
  if (r.shareType === ShareType.NOT_SHARED) return RESULT.NOT_SHAREABLE;
  if (!isSubset(p.fields, r.fields)) return RESULT.FIELDS_NOT_COVERED;
  ctx.put('grant', p.requestId, {
    ...g,
    status: GrantStatus.GRANT_GRANTED,
    grantorDepartmentId: ctx.signer.departmentId,
    grantedFields: p.fields,
    purpose: p.purpose === '' ? g.purpose : p.purpose,
    validFromMs: p.validFromMs,
    validUntilMs: p.validUntilMs,
    maxUses: p.maxUses,
    definingEvent: ctx.defining,
  });
  return RESULT.OK;
}

function bySource(ctx: RuleContext, requestId: string, from: GrantStatus, to: GrantStatus, wrongStatus: ResultCode): ResultCode {
  const g = ctx.get('grant', requestId);
  if (g === undefined) return RESULT.GRANT_NOT_FOUND;
  const r = ctx.get('resource', g.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE;
  if (r.sourceDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_SOURCE;
  if (g.status !== from) return wrongStatus;
  ctx.put('grant', requestId, { ...g, status: to, grantorDepartmentId: ctx.signer.departmentId, definingEvent: ctx.defining });
  return RESULT.OK;
}

export function shareDenied(ctx: RuleContext, p: ShareDenied): ResultCode {
  return bySource(ctx, p.requestId, GrantStatus.GRANT_REQUESTED, GrantStatus.GRANT_DENIED, RESULT.GRANT_NOT_PENDING);
}

export function shareRevoked(ctx: RuleContext, p: ShareRevoked): ResultCode {
  return bySource(ctx, p.requestId, GrantStatus.GRANT_GRANTED, GrantStatus.GRANT_REVOKED, RESULT.NOT_GRANTED);
}
