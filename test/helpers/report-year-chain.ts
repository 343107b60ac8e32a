/**
 * A year of a city's sharing work on a test chain (issue 25), for the picture of a yearly report:
 * the demo cannot backdate its events (record times are the broker's, DESIGN.md section 6), so
 * this chain, cut by the real state machine through TestChain with record times given per event,
 * spreads six departments' catalogue, versions, requests, decisions (hours to weeks), reads under
 * grants, refused reads and certificates over 2025 in China Standard Time. Generated from a fixed
 * seed, so every run builds the same chain; its figures are not asserted (the hand-written chain
 * of test/helpers/report-chain.ts is), only drawn.
 */
import { prng } from '../../chaos/campaign.js';
import type { TestChain } from './chain.js';
import { access, certIssued, grant, request } from './payloads.js';

/** 2025-01-01 00:00 China Standard Time. */
export const YEAR_T0 = 1_735_660_800_000n;
export const YEAR_FROM_DATE = '2025-01-01';
export const YEAR_TO_DATE = '2025-12-31';
const HOUR = 3_600_000n;
const DAY = 24n * HOUR;
const WEEK = 7n * DAY;
const YEAR_END = YEAR_T0 + 365n * DAY;

interface YearResource {
  id: string;
  name: string;
  shareType: 1 | 2 | 3;
  fields: string[];
  updateCycle: string;
  /** Days between versions, and how many days late a version may come. */
  everyDays: number;
  lateDays: number;
}

interface YearDepartment {
  id: string;
  name: string;
  resources: YearResource[];
  certificateTypes?: string[];
}

const DEPARTMENTS: YearDepartment[] = [
  {
    id: 'dept.realestate',
    name: '市不动产登记中心',
    certificateTypes: ['BDC'],
    resources: [
      { id: 'res.property.owner', name: '不动产权属信息', shareType: 2, fields: ['产权人', '坐落', '面积'], updateCycle: '每日', everyDays: 1, lateDays: 2 },
      { id: 'res.property.notice', name: '不动产登记公告', shareType: 1, fields: ['证书号', '坐落'], updateCycle: '每周', everyDays: 7, lateDays: 1 },
    ],
  },
  { id: 'dept.tax', name: '市税务局', resources: [{ id: 'res.tax.income', name: '个人收入纳税信息', shareType: 2, fields: ['年收入', '纳税额'], updateCycle: '每月', everyDays: 30, lateDays: 3 }] },
  { id: 'dept.hrss', name: '市人力资源和社会保障局', resources: [{ id: 'res.social.insurance', name: '社会保险缴费信息', shareType: 2, fields: ['缴费基数', '参保状态'], updateCycle: '每月', everyDays: 30, lateDays: 20 }] },
  { id: 'dept.civil', name: '市民政局', resources: [{ id: 'res.civil.subsistence', name: '最低生活保障名单', shareType: 1, fields: ['户主', '保障人数'], updateCycle: '每季度', everyDays: 91, lateDays: 5 }] },
  {
    id: 'dept.police',
    name: '市公安局',
    resources: [
      { id: 'res.household', name: '户籍人口信息', shareType: 2, fields: ['姓名', '住址'], updateCycle: '每周', everyDays: 7, lateDays: 4 },
      { id: 'res.case.sealed', name: '涉密案件信息', shareType: 3, fields: ['案号'], updateCycle: '不定期', everyDays: 120, lateDays: 0 },
    ],
  },
  { id: 'dept.market', name: '市市场监督管理局', resources: [{ id: 'res.business.license', name: '营业执照信息', shareType: 1, fields: ['统一社会信用代码', '名称'], updateCycle: '每周', everyDays: 7, lateDays: 2 }] },
];

type Payload = Parameters<TestChain['w']['event']>[1];
interface Planned {
  at: bigint;
  department: string;
  payload: Payload;
}

/** Appends the year to `chain` (a fresh one): one block per week; returns the number of events. */
export async function seedReportYearChain(chain: TestChain): Promise<number> {
  const random = prng(2025); // the chaos campaign's fixed-seed generator: the same chain every run
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const between = (lo: bigint, hi: bigint): bigint => lo + BigInt(Math.floor(random() * Number(hi - lo)));
  const w = chain.w;
  const plan: Planned[] = [];
  const source = new Map(DEPARTMENTS.flatMap((d) => d.resources.map((r) => [r.id, { dept: d, res: r }] as const)));

  // the catalogue in the first days; then each resource's versions at its cycle, some late
  DEPARTMENTS.forEach((d, i) =>
    d.resources.forEach((r, j) => {
      plan.push({ at: YEAR_T0 + 2n * DAY + BigInt(i * 10 + j) * HOUR, department: d.id, payload: { resourceRegistered: { resourceId: r.id, name: r.name, shareType: r.shareType, fields: r.fields, updateCycle: r.updateCycle } } });
      let version = 1n;
      for (let t = YEAR_T0 + 3n * DAY; ; version++) {
        t += BigInt(r.everyDays) * DAY + between(0n, BigInt(r.lateDays + 1) * DAY);
        // the social-insurance bureau stops publishing in the autumn: overdue at the year's end
        if (t >= YEAR_END - DAY || (r.id === 'res.social.insurance' && t > YEAR_T0 + 270n * DAY)) break;
        plan.push({ at: t, department: d.id, payload: { resourceVersionPublished: { resourceId: r.id, version, datasetSha256: new Uint8Array(32).fill(Number(version % 250n) + 1), recordCount: 1000n + version } } });
      }
    }),
  );

  // requests for conditional data: decided within hours to weeks, most granted; reads under the
  // grants; and each week some reads that the rules refuse
  const conditional = [...source.values()].filter((s) => s.res.shareType === 2);
  const open = [...source.values()].filter((s) => s.res.shareType === 1);
  const sealed = [...source.values()].filter((s) => s.res.shareType === 3);
  let n = 0;
  for (let week = 1n; week < 51n; week++) {
    const weekStart = YEAR_T0 + week * WEEK;
    const requests = 2 + Math.floor(random() * 3);
    for (let k = 0; k < requests; k++) {
      const { dept, res } = pick(conditional);
      const requester = pick(DEPARTMENTS.filter((d) => d.id !== dept.id)).id;
      const id = `REQ-2025-${String(++n).padStart(4, '0')}`;
      const asked = weekStart + between(0n, 5n * DAY);
      const fields = [res.fields[0]!];
      plan.push({ at: asked, department: requester, payload: request(id, res.id, fields, '政务服务办理') });
      const roll = random();
      if (roll < 0.06) continue; // still pending
      // how long the source takes: most within days, some over a month
      const wait = pick([between(2n * HOUR, 20n * HOUR), between(DAY, 6n * DAY), between(DAY, 6n * DAY), between(7n * DAY, 25n * DAY), between(31n * DAY, 45n * DAY)]);
      const decided = asked + wait;
      if (decided >= YEAR_END) continue;
      if (roll < 0.2) {
        plan.push({ at: decided, department: dept.id, payload: { shareDenied: { requestId: id, reason: '申请事由不充分' } } });
        continue;
      }
      const until = decided + 60n * DAY;
      plan.push({ at: decided, department: dept.id, payload: grant(id, fields, decided, until) });
      const reads = 1 + Math.floor(random() * 5);
      for (let r = 0; r < reads; r++) {
        const at = decided + between(HOUR, 50n * DAY);
        if (at < YEAR_END) plan.push({ at, department: requester, payload: access(res.id, id, fields, 1 + (r % 200)) });
      }
      // now and then a read after the grant ran out: refused GRANT_EXPIRED
      if (random() < 0.15 && until + 2n * DAY < YEAR_END) plan.push({ at: until + DAY, department: requester, payload: access(res.id, id, fields) });
    }
    // open data read freely; a read without a grant (GRANT_REQUIRED); a read of sealed data (NOT_SHAREABLE)
    for (let k = 0; k < 3; k++) {
      const { dept, res } = pick(open);
      plan.push({ at: weekStart + between(0n, 6n * DAY), department: pick(DEPARTMENTS.filter((d) => d.id !== dept.id)).id, payload: access(res.id, '', [res.fields[0]!]) });
    }
    if (random() < 0.3) {
      const { dept, res } = pick(conditional);
      plan.push({ at: weekStart + between(0n, 6n * DAY), department: pick(DEPARTMENTS.filter((d) => d.id !== dept.id)).id, payload: access(res.id, '', [res.fields[0]!]) });
    }
    if (random() < 0.1) plan.push({ at: weekStart + between(0n, 6n * DAY), department: 'dept.tax', payload: access(sealed[0]!.res.id, '', ['案号']) });
    // the registry's certificates: issued every week, some transferred or revoked later
    for (let k = 0; k < 3; k++) {
      const id = `11110105MB0000000X:BDC:2025-${String(Number(week) * 10 + k).padStart(6, '0')}`;
      const issued = weekStart + between(0n, 5n * DAY);
      plan.push({ at: issued, department: 'dept.realestate', payload: certIssued(id) });
      const fate = random();
      const later = issued + between(DAY, 60n * DAY);
      if (later >= YEAR_END) continue;
      if (fate < 0.1) plan.push({ at: later, department: 'dept.realestate', payload: { certificateRevoked: { certificateId: id, reason: '注销登记' } } });
      else if (fate < 0.25) plan.push({ at: later, department: 'dept.realestate', payload: { certificateTransferred: { certificateId: id, newHolderCommitment: new Uint8Array(32).fill(5 + k), documentSha256: new Uint8Array(32).fill(4), reason: '买卖' } } });
    }
  }

  // the departments first (before any record time of the plan), then one block per week in time order
  const regs = DEPARTMENTS.map((d) => w.register(d.id, { resourceIds: d.resources.map((r) => r.id), certificateTypeIds: d.certificateTypes ?? [] }, undefined, d.name));
  await chain.block(regs, { times: regs.map((_, i) => YEAR_T0 + DAY + BigInt(i)) });
  plan.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  let i = 0;
  let events = regs.length;
  // equal record times are allowed, going back never: +1 ms where two plans coincide
  let last = -1n;
  for (let end = YEAR_T0 + WEEK; i < plan.length; end += WEEK) {
    const week: Planned[] = [];
    while (i < plan.length && plan[i]!.at < end) week.push(plan[i++]!);
    if (week.length === 0) continue;
    const times = week.map((p) => (last = p.at > last ? p.at : last + 1n));
    await chain.block(
      week.map((p) => w.event(p.department, p.payload)),
      { times },
    );
    events += week.length;
  }
  return events;
}
