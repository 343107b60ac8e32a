/**
 * @module ledger/rules/catalogue
 * The resource catalogue (信息资源目录), DESIGN.md section 5: one data item, one source (一数一源).
 *  - ResourceRegistered: the signer becomes the single source. A resource that exists already
 *    gets SECOND_SOURCE when another department claims it (ALREADY_EXISTS for its own source);
 *    otherwise the signer needs the resource in its rights (UNAUTHORIZED). Share type is
 *    UNCONDITIONAL, CONDITIONAL or NOT_SHARED; fields non-empty and distinct.
 *  - ResourceUpdated: only the source (NOT_SOURCE) replaces the terms; the published version
 *    stays.
 *  - ResourceVersionPublished: only the source; version strictly increasing
 *    (VERSION_NOT_INCREASING); the dataset file's SHA-256 is required.
 */
import { ShareType, type ResourceRegistered, type ResourceUpdated, type ResourceVersionPublished } from '../../proto/schema.generated.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { has32, isNonEmptyDistinct, type RuleContext } from './context.js';

function validTerms(p: { resourceId: string; shareType: number; fields: string[] }): boolean {
  return (
    p.resourceId !== '' &&
    (p.shareType === ShareType.UNCONDITIONAL || p.shareType === ShareType.CONDITIONAL || p.shareType === ShareType.NOT_SHARED) &&
    isNonEmptyDistinct(p.fields)
  );
}

export function resourceRegistered(ctx: RuleContext, p: ResourceRegistered): ResultCode {
  if (!validTerms(p)) return RESULT.BAD_PAYLOAD;
  const existing = ctx.get('resource', p.resourceId);
  if (existing !== undefined) return existing.sourceDepartmentId === ctx.signer.departmentId ? RESULT.ALREADY_EXISTS : RESULT.SECOND_SOURCE;
  if (!(ctx.signer.rights?.resourceIds ?? []).includes(p.resourceId)) return RESULT.UNAUTHORIZED;
  ctx.put('resource', p.resourceId, {
    resourceId: p.resourceId,
    sourceDepartmentId: ctx.signer.departmentId,
    name: p.name,
    shareType: p.shareType,
    fields: p.fields,
    updateCycle: p.updateCycle,
    latestVersion: 0n,
    datasetSha256: new Uint8Array(0),
    recordCount: 0n,
    definingEvent: ctx.defining,
  });
  return RESULT.OK;
}

export function resourceUpdated(ctx: RuleContext, p: ResourceUpdated): ResultCode {
  if (!validTerms(p)) return RESULT.BAD_PAYLOAD;
  const r = ctx.get('resource', p.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE;
  if (r.sourceDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_SOURCE;
  ctx.put('resource', p.resourceId, { ...r, name: p.name, shareType: p.shareType, fields: p.fields, updateCycle: p.updateCycle, definingEvent: ctx.defining });
  return RESULT.OK;
}

export function resourceVersionPublished(ctx: RuleContext, p: ResourceVersionPublished): ResultCode {
  if (!has32(p.datasetSha256)) return RESULT.BAD_PAYLOAD;
  const r = ctx.get('resource', p.resourceId);
  if (r === undefined) return RESULT.UNKNOWN_RESOURCE;
  if (r.sourceDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_SOURCE;
  if (p.version <= r.latestVersion) return RESULT.VERSION_NOT_INCREASING;
  ctx.put('resource', p.resourceId, { ...r, latestVersion: p.version, datasetSha256: p.datasetSha256, recordCount: p.recordCount, definingEvent: ctx.defining });
  return RESULT.OK;
}
