/**
 * @module ledger/rules/consent
 * The data subject's consent (申请 / 委托), rules_version 2 (issue 21): recorded by the department
 * that will read, before it asks an exchange point, so that the auditor sees the lawful basis of
 * each check. The document stays with the department; the chain holds its SHA-256 and the subject
 * as a salted commitment (ledger/subject.ts).
 *  - consent id non-empty, subject commitment and document digest present (BAD_PAYLOAD);
 *  - the id is new in the channel (ALREADY_EXISTS).
 */
import type { ConsentRecorded } from '../../proto/schema.generated.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import { has32, type RuleContext } from './context.js';

export function consentRecorded(ctx: RuleContext, p: ConsentRecorded): ResultCode {
  if (p.consentId === '' || !has32(p.subjectCommitment) || !has32(p.documentSha256)) return RESULT.BAD_PAYLOAD;
  if (ctx.get('consent', p.consentId) !== undefined) return RESULT.ALREADY_EXISTS;
  ctx.put('consent', p.consentId, {
    consentId: p.consentId,
    departmentId: ctx.signer.departmentId,
    subjectCommitment: p.subjectCommitment,
    documentSha256: p.documentSha256,
    purpose: p.purpose,
    kind: p.kind,
    definingEvent: ctx.defining,
  });
  return RESULT.OK;
}
