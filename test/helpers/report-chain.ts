/**
 * A seeded chain for the sharing performance report (issue 25) and the figures it must give,
 * written here by hand from the scenario (never derived from report/ itself). The unit test, the
 * CLI test and the page test all compare with REPORT_EXPECTED_FIGURES.
 */
import { TestChain } from './chain.js';
import { access, certIssued, grant, request } from './payloads.js';

export const DAY = 86_400_000n;
/** 2026-01-01 00:00 in China Standard Time (UTC+8), so the window's days are CST days. */
export const T0 = 1_767_196_800_000n;
export const at = (day: number, ms = 0): bigint => T0 + BigInt(day) * DAY + BigInt(ms);
/** The window [day 10, day 40): `--from 2026-01-11 --to 2026-02-09` in CST. */
export const FROM = at(10);
export const TO = at(40);
export const FROM_DATE = '2026-01-11';
export const TO_DATE = '2026-02-09';

export const TAX = 'dept.tax';
export const RE = 'dept.realestate';
export const CIVIL = 'dept.civil';

function resourceOf(id: string, shareType: 1 | 2 | 3, fields: string[], updateCycle: string) {
  return { resourceRegistered: { resourceId: id, name: `名称 ${id}`, shareType, fields, updateCycle } };
}

/** Appends the scenario to `chain`; returns every event's result name, in order. */
export async function seedReportChain(chain: TestChain): Promise<string[]> {
  const codes: string[] = [];
  const w = chain.w;
  const run = async (day: number, events: Array<[Parameters<typeof w.event>[0], Parameters<typeof w.event>[1]]>) => {
    const signed = events.map(([d, p]) => w.event(d, p));
    const r = await chain.block(signed, { times: signed.map((_, i) => at(day, i)) });
    codes.push(...r.codes);
  };
  // before the window: departments, catalogue, one request
  const regs = [
    w.register(TAX, { resourceIds: ['res.tax'] }),
    w.register(RE, { resourceIds: ['res.house', 'res.notice', 'res.secret'], certificateTypeIds: ['BDC'] }),
    w.register(CIVIL),
  ];
  codes.push(...(await chain.block(regs, { times: [at(1), at(1, 1), at(1, 2)] })).codes);
  await run(2, [
    [TAX, resourceOf('res.tax', 2, ['年收入', '纳税额'], '每月')],
    [RE, resourceOf('res.house', 2, ['产权人', '面积'], '每日')],
    [RE, resourceOf('res.notice', 1, ['证书号'], '每周')],
    [RE, resourceOf('res.secret', 3, ['内部'], '不定期')],
  ]);
  await run(5, [[CIVIL, request('req-0', 'res.tax', ['年收入'])]]);
  // the window [day 10, day 40)
  await run(11, [
    [TAX, { resourceVersionPublished: { resourceId: 'res.tax', version: 1n, datasetSha256: new Uint8Array(32).fill(9), recordCount: 10n } }],
    [CIVIL, request('req-1', 'res.tax', ['年收入'])],
    [CIVIL, request('req-2', 'res.house', ['面积'])],
    [CIVIL, request('req-3', 'res.house', ['产权人'])],
    [CIVIL, request('req-4', 'res.house', ['面积'])],
  ]);
  await run(12, [
    [TAX, grant('req-0', ['年收入'], at(0), at(100))], // decided 7 days after its request (day 5 -> day 12)
    [TAX, grant('req-1', ['年收入'], at(0), at(100))], // 1 day (day 11 +1 ms -> day 12 +1 ms)
  ]);
  await run(14, [
    [RE, grant('req-2', ['面积'], at(0), at(100), 1n)], // 3 days minus 2 ms
    [RE, { shareDenied: { requestId: 'req-3', reason: '无委托' } }], // 3 days minus 2 ms
  ]);
  await run(20, [
    [CIVIL, access('res.tax', 'req-1', ['年收入'])],
    [CIVIL, access('res.tax', 'req-1', ['年收入'])],
    [CIVIL, access('res.house', 'req-2', ['面积'])],
    [CIVIL, access('res.house', 'req-2', ['面积'])], // GRANT_EXHAUSTED
    [CIVIL, access('res.house', '', ['面积'])], // GRANT_REQUIRED
    [CIVIL, access('res.notice', '', ['证书号'])], // unconditional: OK
    [CIVIL, access('res.secret', '', ['内部'])], // NOT_SHAREABLE
    [RE, access('res.house', '', ['产权人'])], // its own data
    [TAX, access('res.house', 'req-2', ['面积'])], // NOT_GRANTEE
  ]);
  await run(25, [
    [RE, certIssued('CERT-1')],
    [RE, certIssued('CERT-2')],
    [TAX, certIssued('CERT-3')], // UNAUTHORIZED: tax may issue no certificate type
  ]);
  await run(30, [[RE, { certificateRevoked: { certificateId: 'CERT-2', reason: '错误登记' } }]]);
  // after the window: changes nothing the report shows
  await run(45, [
    [TAX, { shareRevoked: { requestId: 'req-1', reason: '到期' } }],
    [CIVIL, access('res.tax', 'req-0', ['年收入'])],
    [RE, { shareDenied: { requestId: 'req-4', reason: '迟' } }],
  ]);
  return codes;
}

/** Every figure of the report over [FROM, TO), all departments. */
export const REPORT_EXPECTED_FIGURES: Record<string, number> = {
      // the civil-affairs bureau: requests made in the window and their state at its end
      'dept.civil/requests_made/total': 4,
      'dept.civil/requests_made/granted': 2,
      'dept.civil/requests_made/denied': 1,
      'dept.civil/requests_made/pending': 1,
      'dept.civil/accesses_made/total': 4,
      'dept.civil/accesses_made/by_resource/res.tax': 2,
      'dept.civil/accesses_made/by_resource/res.house': 1,
      'dept.civil/accesses_made/by_resource/res.notice': 1,
      'dept.civil/accesses_made/by_provider/dept.tax': 2,
      'dept.civil/accesses_made/by_provider/dept.realestate': 2,
      'dept.civil/accesses_refused/total': 3,
      'dept.civil/accesses_refused/by_reason/GRANT_EXHAUSTED': 1,
      'dept.civil/accesses_refused/by_reason/GRANT_REQUIRED': 1,
      'dept.civil/accesses_refused/by_reason/NOT_SHAREABLE': 1,
      // the real-estate registry
      'dept.realestate/requests_received/total': 3,
      'dept.realestate/requests_received/granted': 1,
      'dept.realestate/requests_received/denied': 1,
      'dept.realestate/requests_received/pending': 1,
      'dept.realestate/requests_decided/granted': 1,
      'dept.realestate/requests_decided/denied': 1,
      'dept.realestate/requests_decided/within_7d': 2,
      'dept.realestate/requests_decided/median_ms': Number(3n * DAY - 2n), // req-2 and req-3: day 11 +2/+3 ms -> day 14 +0/+1 ms
      'dept.realestate/requests_decided/p90_ms': Number(3n * DAY - 2n),
      'dept.realestate/accesses_served/total': 2,
      'dept.realestate/accesses_served/by_resource/res.house': 1,
      'dept.realestate/accesses_served/by_resource/res.notice': 1,
      'dept.realestate/accesses_served/by_reader/dept.civil': 2,
      'dept.realestate/accesses_refused_on_own_data/by_reason/GRANT_EXHAUSTED': 1,
      'dept.realestate/accesses_refused_on_own_data/by_reason/GRANT_REQUIRED': 1,
      'dept.realestate/accesses_refused_on_own_data/by_reason/NOT_SHAREABLE': 1,
      'dept.realestate/accesses_refused_on_own_data/by_reason/NOT_GRANTEE': 1,
      'dept.realestate/accesses_own_data': 1,
      'dept.realestate/certificates/issued': 2,
      'dept.realestate/certificates/revoked': 1,
      // never a version: whole days from registration (day 2, +1..3 ms) to the window's end (day 40) = 37
      'dept.realestate/catalogue/resources/res.house/days_since_last_version': 37,
      'dept.realestate/catalogue/resources/res.notice/days_since_last_version': 37,
      'dept.realestate/catalogue/resources/res.secret/days_since_last_version': 37,
      'dept.realestate/catalogue/overdue': 2, // 每日 and 每周; 不定期 states no cycle
      // the tax bureau
      'dept.tax/catalogue/versions_published': 1,
      'dept.tax/requests_received/total': 1, // req-1; req-0 was made before the window
      'dept.tax/requests_received/granted': 1,
      'dept.tax/requests_decided/granted': 2, // req-0 and req-1, both decided in the window
      'dept.tax/requests_decided/within_1d': 1, // req-1, exactly one day
      'dept.tax/requests_decided/within_7d': 1, // req-0, exactly seven days
      'dept.tax/requests_decided/median_ms': Number(DAY), // nearest rank of [1 day, 7 days]
      'dept.tax/requests_decided/p90_ms': Number(7n * DAY),
      'dept.tax/accesses_served/total': 2,
      'dept.tax/accesses_served/by_resource/res.tax': 2,
      'dept.tax/accesses_served/by_reader/dept.civil': 2,
      'dept.tax/accesses_refused/total': 1,
      'dept.tax/accesses_refused/by_reason/NOT_GRANTEE': 1,
      // version 1 at day 11: 29 days before day 40, within 每月 (31)
      'dept.tax/catalogue/resources/res.tax/days_since_last_version': 29,
    };
