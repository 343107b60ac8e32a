/**
 * The sharing performance report (issue 25) over a seeded chain whose expected figures are written
 * by hand (test/helpers/report-chain.ts), never derived from report/ itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LevelDbChainSource } from '../../audit/leveldb-source.js';
import { computeReport } from '../../report/report-chain.js';
import { firstDifferentFigure, nearestRank, type SharingReport } from '../../report/report-fold.js';
import { TestChain } from '../helpers/chain.js';
import { at, FROM, RE, REPORT_EXPECTED_FIGURES, seedReportChain, TAX, TO } from '../helpers/report-chain.js';

let chain: TestChain;
let report: SharingReport;
let codes: string[] = [];

beforeAll(async () => {
  chain = await TestChain.create();
  codes = await seedReportChain(chain);
  report = await computeReport(new LevelDbChainSource(chain.db, chain.genesis.bytes), { fromMs: FROM, toMs: TO }, { evidence: true });
});

describe('the sharing performance report', () => {
  it('the seeded chain is as the scenario says (its result codes)', () => {
    // 3 registrations, 4 resources, req-0, day 11 (5), day 12 (2), day 14 (2), day 20 (9), day 25 (3), day 30, day 45 (3)
    expect(codes).toEqual([
      ...Array(3).fill('OK'), ...Array(4).fill('OK'), 'OK',
      ...Array(5).fill('OK'), 'OK', 'OK', 'OK', 'OK',
      'OK', 'OK', 'OK', 'GRANT_EXHAUSTED', 'GRANT_REQUIRED', 'OK', 'NOT_SHAREABLE', 'OK', 'NOT_GRANTEE',
      'OK', 'OK', 'UNAUTHORIZED',
      'OK',
      'OK', 'OK', 'OK',
    ]);
  });

  it('gives every figure the scenario implies, and no other', () => {
    expect(report.figures).toEqual(REPORT_EXPECTED_FIGURES);
  });

  it('names the matrix, the ranking, the catalogue lines and the anchor', () => {
    expect(report.matrix).toEqual({ 'dept.realestate': { 'dept.civil': 2 }, 'dept.tax': { 'dept.civil': 2 } });
    expect(report.ranking.map((r) => [r.rank, r.departmentId, r.accessesServed, r.requestsDecided])).toEqual([
      [1, 'dept.realestate', 2, 2],
      [2, 'dept.tax', 2, 2],
      [3, 'dept.civil', 0, 0],
    ]);
    expect(report.resources[RE]!.map((r) => [r.resourceId, r.shareType, r.updateCycle, r.cycleDays, r.overdue])).toEqual([
      ['res.house', 'CONDITIONAL', '每日', 1, true],
      ['res.notice', 'UNCONDITIONAL', '每周', 7, true],
      ['res.secret', 'NOT_SHARED', '不定期', null, null],
    ]);
    expect(report.resources[TAX]![0]).toMatchObject({ resourceId: 'res.tax', lastVersionMs: at(11).toString(), daysSinceLastVersion: 29, overdue: false });
    expect(report.anchor.height).toBe(chain.height.toString());
    expect(report.anchor.signatures).toHaveLength(1);
    expect(report.departments.map((d) => d.id)).toEqual(['dept.civil', 'dept.realestate', 'dept.tax']);
  });

  it('lists the event ids behind each count', () => {
    expect(report.evidence!['dept.civil/accesses_refused/total']).toHaveLength(3);
    expect(report.evidence!['dept.realestate/certificates/issued']).toHaveLength(2);
    for (const [key, ids] of Object.entries(report.evidence!)) {
      if (key.endsWith('_ms') || key.includes('days_since')) continue;
      if (/\/(granted|denied|pending|revoked)$/.test(key) && !key.includes('requests_decided')) continue;
      expect(ids.length, key).toBe(report.figures[key]);
    }
  });

  it('one department alone: only its figures', async () => {
    const one = await computeReport(new LevelDbChainSource(chain.db, chain.genesis.bytes), { fromMs: FROM, toMs: TO, department: TAX });
    expect(Object.keys(one.figures).every((k) => k.startsWith('dept.tax/'))).toBe(true);
    expect(one.figures['dept.tax/accesses_served/total']).toBe(2);
    expect(one.matrix).toEqual({ 'dept.tax': { 'dept.civil': 2 } });
  });

  it('an edited figure is named by firstDifferentFigure', () => {
    const edited: SharingReport = { ...report, figures: { ...report.figures, 'dept.tax/accesses_served/total': 20 } };
    expect(firstDifferentFigure(edited, report)).toEqual({ key: 'dept.tax/accesses_served/total', published: 20, recomputed: 2 });
    expect(firstDifferentFigure(report, report)).toBeUndefined();
  });

  it('nearest-rank percentiles', () => {
    expect(nearestRank([1n, 2n, 3n, 4n], 50)).toBe(2n);
    expect(nearestRank([1n, 2n, 3n, 4n], 90)).toBe(4n);
    expect(nearestRank([5n], 90)).toBe(5n);
  });
});
