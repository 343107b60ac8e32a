/**
 * @module ledger/rules/encumbrances
 * Encumbrances on a certificate (他项权利, rules version 2; issue 24), so that a bank learns
 * before it lends whether a property is mortgaged or seized (一房多贷):
 *  - MortgageRegistered: only the certificate's issuer (the real-estate registry, NOT_ISSUER), on
 *    the request of a registered creditor department (UNKNOWN_DEPARTMENT); not on a revoked
 *    (CERT_REVOKED) or seized (CERT_SEIZED) certificate; takes the next mortgage rank (顺位):
 *    the highest current mortgage rank + 1, from 1.
 *  - MortgageReleased: only the issuer; the current mortgage of that rank (ENCUMBRANCE_NOT_FOUND).
 *  - SeizureRegistered: only a court (a department with the right `seize`, else UNAUTHORIZED);
 *    takes the next seizure rank (轮候查封); allowed on any existing certificate.
 *  - SeizureLifted: only the court that registered that seizure (NOT_SEIZING_COURT).
 *  - CertificateVerified (用证留痕): any department, about an existing certificate; changes no
 *    record (the event itself, in the log, is the trace).
 * At most max_list_entries current encumbrances (TOO_MANY_ENCUMBRANCES). The list stays in one
 * canonical order, mortgages first, each kind by increasing rank, so that the record's bytes are
 * a function of the events alone. Encumbrances never change the certificate's defining event
 * (its terms: issue, amendment, transfer, revocation).
 * Pure and deterministic.
 */
import {
  CertificateStatus,
  EncumbranceKind,
  type CertificateRecord,
  type CertificateVerified,
  type Encumbrance,
  type MortgageRegistered,
  type MortgageReleased,
  type SeizureLifted,
  type SeizureRegistered,
} from '../../proto/schema.generated.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import type { RuleContext } from './context.js';

/** Whether a certificate is seized (查封) now: a seizure blocks its transfer and new mortgages. */
export function isSeized(c: CertificateRecord): boolean {
  return c.encumbrances.some((e) => e.kind === EncumbranceKind.SEIZURE);
}

function nextRank(c: CertificateRecord, kind: EncumbranceKind): number {
  let max = 0;
  for (const e of c.encumbrances) if (e.kind === kind && e.rank > max) max = e.rank;
  return max + 1;
}

/** Mortgages first, then seizures; each by increasing rank. */
function ordered(list: Encumbrance[]): Encumbrance[] {
  return [...list].sort((a, b) => a.kind - b.kind || a.rank - b.rank);
}

function existing(ctx: RuleContext, id: string): CertificateRecord | ResultCode {
  const c = ctx.get('cert', id);
  if (c === undefined) return RESULT.CERT_NOT_FOUND;
  return c;
}

function withAdded(ctx: RuleContext, c: CertificateRecord, e: Encumbrance): ResultCode {
  if (c.encumbrances.length >= ctx.limits.maxListEntries) return RESULT.TOO_MANY_ENCUMBRANCES;
  ctx.put('cert', c.certificateId, { ...c, encumbrances: ordered([...c.encumbrances, e]) });
  return RESULT.OK;
}

export function mortgageRegistered(ctx: RuleContext, p: MortgageRegistered): ResultCode {
  if (p.certificateId === '' || p.creditorDepartmentId === '') return RESULT.BAD_PAYLOAD;
  const c = existing(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  if (c.issuerDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_ISSUER;
  if (c.status === CertificateStatus.CERTIFICATE_REVOKED) return RESULT.CERT_REVOKED;
  if (isSeized(c)) return RESULT.CERT_SEIZED;
  if (ctx.get('dept', p.creditorDepartmentId) === undefined) return RESULT.UNKNOWN_DEPARTMENT;
  return withAdded(ctx, c, {
    kind: EncumbranceKind.MORTGAGE,
    rank: nextRank(c, EncumbranceKind.MORTGAGE),
    rightHolderDepartmentId: p.creditorDepartmentId,
    amountYuan: p.amountYuan,
    sinceMs: ctx.recordTime,
    caseNumber: '',
  });
}

export function mortgageReleased(ctx: RuleContext, p: MortgageReleased): ResultCode {
  if (p.certificateId === '' || p.rank === 0) return RESULT.BAD_PAYLOAD;
  const c = existing(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  if (c.issuerDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_ISSUER;
  const at = c.encumbrances.findIndex((e) => e.kind === EncumbranceKind.MORTGAGE && e.rank === p.rank);
  if (at < 0) return RESULT.ENCUMBRANCE_NOT_FOUND;
  ctx.put('cert', c.certificateId, { ...c, encumbrances: c.encumbrances.filter((_, i) => i !== at) });
  return RESULT.OK;
}

export function seizureRegistered(ctx: RuleContext, p: SeizureRegistered): ResultCode {
  if (ctx.signer.rights?.seize !== true) return RESULT.UNAUTHORIZED;
  if (p.certificateId === '' || p.caseNumber === '') return RESULT.BAD_PAYLOAD;
  const c = existing(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  return withAdded(ctx, c, {
    kind: EncumbranceKind.SEIZURE,
    rank: nextRank(c, EncumbranceKind.SEIZURE),
    rightHolderDepartmentId: ctx.signer.departmentId,
    amountYuan: 0n,
    sinceMs: ctx.recordTime,
    caseNumber: p.caseNumber,
  });
}

export function seizureLifted(ctx: RuleContext, p: SeizureLifted): ResultCode {
  if (p.certificateId === '' || p.rank === 0) return RESULT.BAD_PAYLOAD;
  const c = existing(ctx, p.certificateId);
  if (typeof c === 'number') return c;
  const at = c.encumbrances.findIndex((e) => e.kind === EncumbranceKind.SEIZURE && e.rank === p.rank);
  if (at < 0) return RESULT.ENCUMBRANCE_NOT_FOUND;
  if (c.encumbrances[at]!.rightHolderDepartmentId !== ctx.signer.departmentId) return RESULT.NOT_SEIZING_COURT;
  ctx.put('cert', c.certificateId, { ...c, encumbrances: c.encumbrances.filter((_, i) => i !== at) });
  return RESULT.OK;
}

export function certificateVerified(ctx: RuleContext, p: CertificateVerified): ResultCode {
  if (p.certificateId === '' || p.purpose === '') return RESULT.BAD_PAYLOAD;
  const c = existing(ctx, p.certificateId);
  return typeof c === 'number' ? c : RESULT.OK;
}
