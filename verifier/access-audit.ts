/**
 * @module verifier/access-audit
 * The auditor's questions about reads (issue 21), answered from committed blocks alone:
 *  - reads served, per grantee and resource (OK ExchangeRead: recorded by the source; OK
 *    AccessRecorded: self-reported by the reader, counted apart);
 *  - reads refused, each with its reason (the result code, and the source's own refusal text);
 *  - reads by a department outside any consent (OK reads that name no consent: self-reported
 *    accesses and reads of unconditional resources);
 *  - grants used for subjects they do not name (reads refused SUBJECT_NOT_COVERED).
 * A department filter keeps the reads where it is the grantee or the source; the window
 * [from, to) is on the record time (DESIGN.md section 6). Pure: runs in the browser too.
 */
import { toHex } from '../ledger/bytes.js';
import { eventId } from '../ledger/hash.js';
import { RESULT, resultName } from '../ledger/result-codes.js';
import { decode } from '../proto/codec.js';
import type { DecodeLimits } from '../proto/limits.js';
import type { Block } from '../proto/schema.generated.js';

export interface AccessAuditFilter {
  departmentId?: string;
  fromMs?: bigint;
  toMs?: bigint;
}

export interface AuditedRead {
  eventId: string;
  height: string;
  recordTimeMs: string;
  kind: 'exchange' | 'self-reported';
  sourceDepartmentId: string;
  granteeDepartmentId: string;
  resourceId: string;
  grantId: string;
  consentId: string;
  purpose: string;
  resultName: string;
  refusal: string;
}

export interface AccessAuditReport {
  served: Array<{ granteeDepartmentId: string; resourceId: string; exchange: number; selfReported: number }>;
  refused: AuditedRead[];
  outsideConsent: AuditedRead[];
  subjectNotCovered: AuditedRead[];
}

/** Folds blocks, in height order, into the report. */
export class AccessAudit {
  private readonly served = new Map<string, { granteeDepartmentId: string; resourceId: string; exchange: number; selfReported: number }>();
  private readonly refused: AuditedRead[] = [];
  private readonly outsideConsent: AuditedRead[] = [];
  private readonly subjectNotCovered: AuditedRead[] = [];

  constructor(
    private readonly filter: AccessAuditFilter,
    private readonly limits: DecodeLimits,
  ) {}

  addBlock(block: Block): void {
    const h = block.header!.height.toString();
    for (const e of block.events) {
      const t = e.recordTimeMs;
      if (this.filter.fromMs !== undefined && t < this.filter.fromMs) continue;
      if (this.filter.toMs !== undefined && t >= this.filter.toMs) continue;
      const body = decode('EventBody', e.event!.body, this.limits);
      const x = body.exchangeRead;
      const a = body.accessRecorded;
      if (x === undefined && a === undefined) continue;
      const read: AuditedRead = {
        eventId: toHex(eventId(e.event!.body)),
        height: h,
        recordTimeMs: t.toString(),
        kind: x !== undefined ? 'exchange' : 'self-reported',
        // a self-reported access has no source signature: its source is the catalogue's, not shown here
        sourceDepartmentId: x !== undefined ? body.departmentId : '',
        granteeDepartmentId: x !== undefined ? x.granteeDepartmentId : body.departmentId,
        resourceId: (x ?? a)!.resourceId,
        grantId: (x ?? a)!.grantId,
        consentId: x?.consentId ?? '',
        purpose: (x ?? a)!.purpose,
        resultName: resultName(e.resultCode) ?? `code ${e.resultCode}`,
        refusal: x?.refusal ?? '',
      };
      const d = this.filter.departmentId;
      if (d !== undefined && read.granteeDepartmentId !== d && read.sourceDepartmentId !== d) continue;
      if (e.resultCode === RESULT.OK) {
        const k = `${read.granteeDepartmentId}\u0000${read.resourceId}`;
        const s = this.served.get(k) ?? { granteeDepartmentId: read.granteeDepartmentId, resourceId: read.resourceId, exchange: 0, selfReported: 0 };
        if (read.kind === 'exchange') s.exchange++;
        else s.selfReported++;
        this.served.set(k, s);
        if (read.consentId === '') this.outsideConsent.push(read);
      } else {
        this.refused.push(read);
        if (e.resultCode === RESULT.SUBJECT_NOT_COVERED) this.subjectNotCovered.push(read);
      }
    }
  }

  report(): AccessAuditReport {
    const served = [...this.served.values()].sort((p, q) => (p.granteeDepartmentId + '\u0000' + p.resourceId < q.granteeDepartmentId + '\u0000' + q.resourceId ? -1 : 1));
    return { served, refused: this.refused, outsideConsent: this.outsideConsent, subjectNotCovered: this.subjectNotCovered };
  }
}
