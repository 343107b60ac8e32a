/**
 * @module ledger/rules/governance
 * Governance (DESIGN.md section 5), signed by an authority: a department with the right
 * `govern` (the genesis authorities, and any department they register with it).
 *  - DepartmentRegistered: a new id; key version 1 (a public key acceptable under the Ed25519
 *    rule) active from the next log position; rights as given (lists distinct).
 *  - DepartmentKeyRotated: version = current highest + 1; the new version is active from the
 *    next log position and the previous one is retired there.
 *  - KeyCompromised: the version exists; everything it signed from `from_log_position` on is
 *    void (records are not rewritten; a second declaration can only move the position earlier).
 *  - DepartmentSuspended / DepartmentReinstated: a suspended department can do nothing (every
 *    event it signs gets SUSPENDED) until reinstated.
 * Checks, in order: the signer may govern (UNAUTHORIZED); the payload is consistent
 * (BAD_PAYLOAD, BAD_PUBLIC_KEY); then the state (UNKNOWN_DEPARTMENT, ALREADY_EXISTS, ...).
 */
import type {
  DepartmentKeyRotated,
  DepartmentRecord,
  DepartmentRegistered,
  DepartmentReinstated,
  DepartmentSuspended,
  KeyCompromised,
} from '../../proto/schema.generated.js';
import { isAcceptablePublicKeyPure } from '../ed25519-rule.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { isDistinct, type RuleContext } from './context.js';

function canGovern(ctx: RuleContext): boolean {
  return ctx.signer.rights?.govern === true;
}

export function departmentRegistered(ctx: RuleContext, p: DepartmentRegistered): ResultCode {
  if (!canGovern(ctx)) return RESULT.UNAUTHORIZED;
  if (p.departmentId === '') return RESULT.BAD_PAYLOAD;
  const rights = p.rights ?? { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false };
  if (!isDistinct(rights.certificateTypeIds) || !isDistinct(rights.resourceIds)) return RESULT.BAD_PAYLOAD;
  if (!isAcceptablePublicKeyPure(p.publicKey)) return RESULT.BAD_PUBLIC_KEY;
  if (ctx.get('dept', p.departmentId) !== undefined) return RESULT.ALREADY_EXISTS;
  const next = ctx.logPosition + 1n;
  ctx.put('dept', p.departmentId, {
    departmentId: p.departmentId,
    name: p.name,
    keys: [{ version: 1, publicKey: p.publicKey, activatedAt: next, retiredAt: 0n }],
    rights: { certificateTypeIds: rights.certificateTypeIds, resourceIds: rights.resourceIds, govern: rights.govern, seize: rights.seize, audit: rights.audit },
    suspended: false,
    nextSequence: 1n,
    definingEvent: ctx.defining,
  });
  return RESULT.OK;
}

export function departmentKeyRotated(ctx: RuleContext, p: DepartmentKeyRotated): ResultCode {
  if (!canGovern(ctx)) return RESULT.UNAUTHORIZED;
  if (!isAcceptablePublicKeyPure(p.publicKey)) return RESULT.BAD_PUBLIC_KEY;
  const dept = ctx.get('dept', p.departmentId);
  if (dept === undefined) return RESULT.UNKNOWN_DEPARTMENT;
  const current = dept.keys[dept.keys.length - 1];
  const currentVersion = current?.version ?? 0;
  if (p.keyVersion !== currentVersion + 1) return RESULT.KEY_VERSION_NOT_NEXT;
  if (dept.keys.length >= ctx.limits.maxListEntries) return RESULT.TOO_MANY_KEYS;
  const next = ctx.logPosition + 1n;
  const keys = dept.keys.map((k) => (k === current && k.retiredAt === 0n ? { ...k, retiredAt: next } : k));
  keys.push({ version: p.keyVersion, publicKey: p.publicKey, activatedAt: next, retiredAt: 0n });
  ctx.put('dept', dept.departmentId, { ...dept, keys, definingEvent: ctx.defining });
  return RESULT.OK;
}

export function keyCompromised(ctx: RuleContext, p: KeyCompromised): ResultCode {
  if (!canGovern(ctx)) return RESULT.UNAUTHORIZED;
  const dept = ctx.get('dept', p.departmentId);
  if (dept === undefined) return RESULT.UNKNOWN_DEPARTMENT;
  if (!dept.keys.some((k) => k.version === p.keyVersion)) return RESULT.UNKNOWN_KEY_VERSION;
  const keys = dept.keys.map((k) => {
    if (k.version !== p.keyVersion) return k;
    const from = k.compromisedFrom === undefined || p.fromLogPosition < k.compromisedFrom.logPosition ? p.fromLogPosition : k.compromisedFrom.logPosition;
    return { ...k, compromisedFrom: { logPosition: from } };
  });
  ctx.put('dept', dept.departmentId, { ...dept, keys, definingEvent: ctx.defining });
  return RESULT.OK;
}

function setSuspended(ctx: RuleContext, id: string, suspended: boolean): ResultCode {
  if (!canGovern(ctx)) return RESULT.UNAUTHORIZED;
  const dept: DepartmentRecord | undefined = ctx.get('dept', id);
  if (dept === undefined) return RESULT.UNKNOWN_DEPARTMENT;
  if (dept.suspended === suspended) return suspended ? RESULT.ALREADY_SUSPENDED : RESULT.NOT_SUSPENDED;
  ctx.put('dept', id, { ...dept, suspended, definingEvent: ctx.defining });
  return RESULT.OK;
}

export function departmentSuspended(ctx: RuleContext, p: DepartmentSuspended): ResultCode {
  return setSuspended(ctx, p.departmentId, true);
}

export function departmentReinstated(ctx: RuleContext, p: DepartmentReinstated): ResultCode {
  return setSuspended(ctx, p.departmentId, false);
}
