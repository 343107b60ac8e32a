/**
 * The sharing report counts the reads an exchange point served or refused (ExchangeRead, signed by
 * the provider and naming the reader: issue 21) as it counts the reads a reader recorded
 * (AccessRecorded): once, for the reader and for the provider. Figures written by hand.
 */
import { describe, expect, it } from 'vitest';
import { RESULT_CODES } from '../../ledger/result-codes.js';
import { ReportFold, type ReportAnchor, type ReportEvent } from '../../report/report-fold.js';
import type { EventBody } from '../../proto/schema.generated.js';

const ANCHOR: ReportAnchor = { height: '1', headerHash: '00', blockTimeMs: '0', logSize: '5', logRoot: '00', stateRoot: '00', genesisHash: '00', channel: 'c', signatures: [] };

let n = 0;
function ev(departmentId: string, body: Partial<EventBody>, resultCode = 0): ReportEvent {
  n++;
  return { eventId: new Uint8Array(32).fill(n), height: 1n, recordTimeMs: BigInt(1_000 + n), departmentId, resultCode, body: { departmentId, ...body } as EventBody };
}

const read = (granteeDepartmentId: string, resourceId: string) => ({ exchangeRead: { granteeDepartmentId, resourceId } as EventBody['exchangeRead'] });

describe('the sharing report over exchange reads', () => {
  it('counts a served exchange read for reader and provider, a refused one by its reason, and a recorded access as before', () => {
    const fold = new ReportFold({ fromMs: 0n, toMs: 10_000n });
    fold.add(ev('dept.tax', { resourceRegistered: { resourceId: 'res.tax.income', name: '个人所得税', shareType: 1, updateCycle: 0 } as unknown as EventBody['resourceRegistered'] }));
    fold.add(ev('dept.tax', read('dept.civil', 'res.tax.income')));
    fold.add(ev('dept.tax', read('dept.civil', 'res.tax.income'), RESULT_CODES.CONSENT_MISSING.code));
    fold.add(ev('dept.civil', { accessRecorded: { resourceId: 'res.tax.income' } as EventBody['accessRecorded'] }));
    fold.add(ev('dept.tax', read('dept.tax', 'res.tax.income'))); // the source reading its own data
    const f = fold.result(ANCHOR).figures;
    expect(Object.fromEntries(Object.entries(f).filter(([k]) => k.includes('access')))).toEqual({
      'dept.civil/accesses_made/total': 2,
      'dept.civil/accesses_made/by_resource/res.tax.income': 2,
      'dept.civil/accesses_made/by_provider/dept.tax': 2,
      'dept.tax/accesses_served/total': 2,
      'dept.tax/accesses_served/by_resource/res.tax.income': 2,
      'dept.tax/accesses_served/by_reader/dept.civil': 2,
      'dept.civil/accesses_refused/total': 1,
      'dept.civil/accesses_refused/by_reason/CONSENT_MISSING': 1,
      'dept.tax/accesses_refused_on_own_data/by_reason/CONSENT_MISSING': 1,
      'dept.tax/accesses_own_data': 1,
    });
  });
});
