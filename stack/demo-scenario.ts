/**
 * @module stack/demo-scenario
 * What the demo puts on the chain (issue 13): the departments of a city, the catalogue with one
 * resource of each share type, a household economic-status check (家庭经济状况核对) with its
 * requests, grants, access records and one attempted access without a grant, and four property
 * certificates (不动产权证书): one valid, one transferred, one revoked, one expired, and (issue 24)
 * one mortgaged to the bank (rank 1) and one seized by the court (查封), which a clerk at a bank's
 * counter must see before lending.
 *
 * The scenario is a fixed list of phases; each step is one event of one department, so that a
 * department's n-th step is always its sequence number n. That is what makes the demo resumable:
 * a department whose outbox (or chain) is at sequence `next` has done its first `next - 1` steps.
 * Inputs that depend on the clock (grant windows, the expiring certificate) are computed when the
 * step is first published, never again.
 */
import { toHex, utf8 } from '../ledger/bytes.js';
import { sha256 } from '../ledger/hash.js';
import type { PayloadType } from '../producers/payloads.js';

export interface DemoDepartment {
  id: string;
  /** Display names: Chinese first (the page's default), English. */
  name: string;
  nameEn: string;
  certificateTypes: string[];
  resources: string[];
  /** A court: may seize certificates (查封; rules version 2). */
  seize?: boolean;
  /** An auditor (审计机关): the `audit` right (rules version 2, issue 22). */
  audit?: boolean;
  /** Signs only through the API (stack/demo-verification.ts), never through a demo outbox. */
  apiOnly?: boolean;
}

/** The genesis authority of the demo stack (DEFAULT_STACK in stack/local-cluster.ts). */
export const DEMO_AUTHORITY = 'authority.city';

export const DEMO_DEPARTMENTS: readonly DemoDepartment[] = [
  { id: 'dept.realestate', name: '市不动产登记中心', nameEn: 'Real-estate registration centre', certificateTypes: ['BDC'], resources: ['res.property.owner', 'res.property.notice'] },
  { id: 'dept.tax', name: '市税务局', nameEn: 'Tax bureau', certificateTypes: [], resources: ['res.tax.income'] },
  { id: 'dept.hrss', name: '市人力资源和社会保障局', nameEn: 'Human resources and social security bureau', certificateTypes: [], resources: ['res.social.insurance'] },
  { id: 'dept.civil', name: '市民政局', nameEn: 'Civil affairs bureau', certificateTypes: [], resources: ['res.civil.subsistence'] },
  { id: 'bank.city', name: '城市商业银行', nameEn: 'City commercial bank', certificateTypes: [], resources: [] },
  // a second bank, which checks the mortgaged property online before it lends (用证留痕, issue 24)
  { id: 'bank.rural', name: '农村商业银行', nameEn: 'Rural commercial bank', certificateTypes: [], resources: [], apiOnly: true },
  { id: 'court.intermediate', name: '市中级人民法院', nameEn: 'Intermediate people\'s court', certificateTypes: [], resources: ['res.court.sealed'], seize: true },
  // the auditor: the `audit` right on chain, which the nodes' APIs read as the auditor role (issue 22)
  { id: 'audit.city', name: '市审计局', nameEn: 'City audit bureau', certificateTypes: [], resources: [], audit: true },
];

/** The demo's auditor department (its `audit` right is on chain). */
export const DEMO_AUDITOR_ID = 'audit.city';

/** The certificates of the demo and what a reader should see for each. */
export const DEMO_CERTIFICATES = {
  valid: '11110105MB0000000X:BDC:2026-000001',
  transferred: '11110105MB0000000X:BDC:2026-000002',
  revoked: '11110105MB0000000X:BDC:2026-000003',
  expired: '11110105MB0000000X:BDC:2026-000004',
  mortgaged: '11110105MB0000000X:BDC:2026-000005',
  seized: '11110105MB0000000X:BDC:2026-000006',
} as const;

/** The court's case number of the demo seizure (案号). */
export const DEMO_SEIZURE_CASE = '(2026)京01执保88号';

/** The grants of the household check (a grant's id is its request's id). */
export const DEMO_GRANTS = {
  tax: 'HH-2026-0001.tax',
  insurance: 'HH-2026-0001.insurance',
  property: 'HH-2026-0001.property',
} as const;

/**
 * The household check through the exchange points (issue 21): civil affairs records the household's
 * consent (申请) and asks for grants bound to the household; the tax bureau and the property
 * registry grant them; stack/demo-exchange.ts then reads through their exchange points.
 */
export const DEMO_CONSENT = 'HH-2026-0002.consent';
export const DEMO_SUBJECT_GRANTS = {
  tax: 'HH-2026-0002.tax',
  property: 'HH-2026-0002.property',
} as const;
export const DEMO_EXCHANGE_PURPOSE = '最低生活保障审核：家庭经济状况核对';

/** A certificate id that is never issued: its bundle proves absence (UNKNOWN). */
export const DEMO_UNKNOWN_CERTIFICATE = '11110105MB0000000X:BDC:2026-999999';

/** The household whose records are checked (committed with a salt on chain, never in clear). */
export const DEMO_HOUSEHOLD_SUBJECT = '110105198203150027';

/** How long the expiring certificate is valid after it is published. */
export const EXPIRING_AFTER_MS = 8_000;

export const HOLDERS = {
  valid: '110105198001010011',
  transferredFrom: '110105197505050022',
  transferredTo: '110108199002020033',
  revoked: '110105196812120044',
  expired: '110105199509090055',
  mortgaged: '110105198811110066',
  seized: '110105197707070077',
} as const;

export interface StepContext {
  /** The reader's clock when the step is first published, milliseconds. */
  nowMs: number;
  publicKeyHex(departmentId: string): string;
  /** The certificate's document (standing for the OFD the registry hands out), written by the runner; its digest goes on chain. */
  documentFile(certificateId: string, attributes: Record<string, string>): string;
  /** The household's subject secret (64 hex), issued to it with its consent and kept in its file (stack/demo.ts). */
  householdSecretHex(): string;
}

export interface DemoStep {
  /** Who signs. */
  department: string;
  type: PayloadType;
  input: (ctx: StepContext) => Record<string, unknown>;
  /** A short line for the log. */
  note: string;
}

export interface DemoPhase {
  name: string;
  steps: DemoStep[];
}

/** The demo's consent document (standing for the signed application); only its SHA-256 goes on chain. */
export const DEMO_CONSENT_DOCUMENT = `最低生活保障申请书及家庭经济状况核对授权书\n申请人身份证号 ${DEMO_HOUSEHOLD_SUBJECT}\n授权市民政局向税务、不动产登记等部门核对本户经济状况。\n`;
const CONSENT_DOCUMENT_SHA256 = toHex(sha256(utf8(DEMO_CONSENT_DOCUMENT)));

/** The catalogue's name of the demo's certificate type (issue 24): readers show 不动产权证书 (BDC). */
export const DEMO_CERTIFICATE_TYPE = { id: 'BDC', name: '不动产权证书' } as const;

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

function certificate(id: string, holder: string, attrs: Record<string, string>, validFor: (now: number) => number, note: string): DemoStep {
  return {
    department: 'dept.realestate',
    type: 'issue-certificate',
    note,
    input: (c) => ({
      certificateId: id,
      certificateTypeId: DEMO_CERTIFICATE_TYPE.id,
      certificateTypeName: DEMO_CERTIFICATE_TYPE.name,
      holder,
      attributes: attrs,
      documentFile: c.documentFile(id, attrs),
      validUntil: validFor(c.nowMs),
    }),
  };
}

/**
 * The phases in order; each phase is published and acknowledged by Kafka before the next. Within a
 * phase only one department's events are ordered (its own sequence): a step that depends on
 * another department's step of the same phase belongs in a later phase.
 */
export function demoPhases(): DemoPhase[] {
  return [
    {
      name: 'departments',
      steps: [
        ...DEMO_DEPARTMENTS.map(
          (d): DemoStep => ({
            department: DEMO_AUTHORITY,
            type: 'register-department',
            note: `register ${d.id} (${d.name})`,
            input: (c: StepContext) => ({ departmentId: d.id, name: d.name, publicKey: c.publicKeyHex(d.id), certificateTypes: d.certificateTypes, resources: d.resources, seize: d.seize ?? false, audit: d.audit ?? false }),
          }),
        ),
        // the catalogue's name of the certificate type, so that bundles and the page show 不动产权证书 (issue 24)
        {
          department: DEMO_AUTHORITY,
          type: 'register-certificate-type',
          note: `certificate types: ${DEMO_CERTIFICATE_TYPE.id} = ${DEMO_CERTIFICATE_TYPE.name}`,
          input: () => ({ certificateTypeId: DEMO_CERTIFICATE_TYPE.id, name: DEMO_CERTIFICATE_TYPE.name }),
        },
      ],
    },
    {
      name: 'catalogue',
      steps: [
        { department: 'dept.realestate', type: 'register-resource', note: 'catalogue: property ownership (conditional)', input: () => ({ resourceId: 'res.property.owner', name: '不动产权属信息', shareType: 'CONDITIONAL', fields: ['产权人', '坐落', '面积', '用途'], updateCycle: '实时' }) },
        { department: 'dept.realestate', type: 'register-resource', note: 'catalogue: registration notices (unconditional)', input: () => ({ resourceId: 'res.property.notice', name: '不动产登记公告', shareType: 'UNCONDITIONAL', fields: ['证书号', '坐落', '登记类型'], updateCycle: '每日' }) },
        { department: 'dept.tax', type: 'register-resource', note: 'catalogue: income (conditional)', input: () => ({ resourceId: 'res.tax.income', name: '个人收入纳税信息', shareType: 'CONDITIONAL', fields: ['年收入', '纳税额'], updateCycle: '每月' }) },
        { department: 'dept.hrss', type: 'register-resource', note: 'catalogue: social insurance (conditional)', input: () => ({ resourceId: 'res.social.insurance', name: '社会保险缴费信息', shareType: 'CONDITIONAL', fields: ['缴费基数', '参保状态'], updateCycle: '每月' }) },
        { department: 'dept.civil', type: 'register-resource', note: 'catalogue: subsistence allowance list (unconditional)', input: () => ({ resourceId: 'res.civil.subsistence', name: '最低生活保障公示名单', shareType: 'UNCONDITIONAL', fields: ['户主', '保障人数', '公示期'], updateCycle: '每月' }) },
        { department: 'court.intermediate', type: 'register-resource', note: 'catalogue: sealed case files (not shared)', input: () => ({ resourceId: 'res.court.sealed', name: '不公开审理案件卷宗', shareType: 'NOT_SHARED', fields: ['案号', '当事人', '案由'], updateCycle: '实时' }) },
        { department: 'dept.tax', type: 'publish-version', note: 'dataset version 1 of the income records', input: () => ({ resourceId: 'res.tax.income', version: 1, datasetSha256: 'a1'.repeat(32), recordCount: 128_000 }) },
      ],
    },
    {
      name: 'household check: requests',
      steps: [
        { department: 'dept.civil', type: 'request-share', note: 'civil affairs asks tax for the household income', input: () => ({ requestId: DEMO_GRANTS.tax, resourceId: 'res.tax.income', purpose: '居民家庭经济状况核对', fields: ['年收入'] }) },
        { department: 'dept.civil', type: 'request-share', note: 'civil affairs asks social insurance', input: () => ({ requestId: DEMO_GRANTS.insurance, resourceId: 'res.social.insurance', purpose: '居民家庭经济状况核对', fields: ['缴费基数'] }) },
        { department: 'dept.civil', type: 'request-share', note: 'civil affairs asks the property registry', input: () => ({ requestId: DEMO_GRANTS.property, resourceId: 'res.property.owner', purpose: '居民家庭经济状况核对', fields: ['产权人', '面积'] }) },
      ],
    },
    {
      name: 'household check: grants',
      steps: [
        { department: 'dept.tax', type: 'grant-share', note: 'tax grants (5 uses, 30 days)', input: (c) => ({ requestId: DEMO_GRANTS.tax, fields: ['年收入'], purpose: '居民家庭经济状况核对', validFrom: c.nowMs - 60_000, validUntil: c.nowMs + 30 * DAY_MS, maxUses: 5 }) },
        { department: 'dept.hrss', type: 'grant-share', note: 'social insurance grants (30 days)', input: (c) => ({ requestId: DEMO_GRANTS.insurance, fields: ['缴费基数'], purpose: '居民家庭经济状况核对', validFrom: c.nowMs - 60_000, validUntil: c.nowMs + 30 * DAY_MS }) },
        { department: 'dept.realestate', type: 'grant-share', note: 'the property registry grants (30 days)', input: (c) => ({ requestId: DEMO_GRANTS.property, fields: ['产权人', '面积'], purpose: '居民家庭经济状况核对', validFrom: c.nowMs - 60_000, validUntil: c.nowMs + 30 * DAY_MS }) },
      ],
    },
    {
      name: 'household check: accesses',
      steps: [
        { department: 'dept.civil', type: 'record-access', note: 'civil affairs reads the income under its grant', input: () => ({ resourceId: 'res.tax.income', grantId: DEMO_GRANTS.tax, fields: ['年收入'], purpose: '居民家庭经济状况核对', subject: DEMO_HOUSEHOLD_SUBJECT }) },
        { department: 'dept.civil', type: 'record-access', note: 'civil affairs reads social insurance under its grant', input: () => ({ resourceId: 'res.social.insurance', grantId: DEMO_GRANTS.insurance, fields: ['缴费基数'], purpose: '居民家庭经济状况核对', subject: DEMO_HOUSEHOLD_SUBJECT }) },
        { department: 'dept.civil', type: 'record-access', note: 'civil affairs reads the property records under its grant', input: () => ({ resourceId: 'res.property.owner', grantId: DEMO_GRANTS.property, fields: ['产权人', '面积'], purpose: '居民家庭经济状况核对', subject: DEMO_HOUSEHOLD_SUBJECT }) },
        { department: 'bank.city', type: 'record-access', note: 'the bank reads the income WITHOUT a grant (kept on chain as GRANT_REQUIRED)', input: () => ({ resourceId: 'res.tax.income', fields: ['年收入'], purpose: '贷款审批', subject: DEMO_HOUSEHOLD_SUBJECT }) },
        { department: 'court.intermediate', type: 'record-access', note: 'the court reads a public registration notice (unconditional)', input: () => ({ resourceId: 'res.property.notice', fields: ['证书号', '坐落'], purpose: '执行查控', subject: HOLDERS.revoked }) },
      ],
    },
    {
      // its own phase: within a phase, events of different departments reach Kafka in any order,
      // and this revocation must come after civil affairs' access under the grant
      name: 'household check: done',
      steps: [{ department: 'dept.hrss', type: 'revoke-share', note: 'social insurance revokes its grant: the check is done', input: () => ({ requestId: DEMO_GRANTS.insurance, reason: '核对完成' }) }],
    },
    {
      name: 'certificates',
      steps: [
        certificate(DEMO_CERTIFICATES.valid, HOLDERS.valid, { 产权人: '张伟', 坐落: '朝阳区建国路88号3单元1201', 面积: '89.50', 用途: '住宅', 共有情况: '单独所有' }, (n) => n + TEN_YEARS_MS, 'issue a property certificate (stays valid)'),
        certificate(DEMO_CERTIFICATES.transferred, HOLDERS.transferredFrom, { 产权人: '王芳', 坐落: '朝阳区望京街10号2单元602', 面积: '102.30', 用途: '住宅', 共有情况: '单独所有' }, (n) => n + TEN_YEARS_MS, 'issue a property certificate (to be transferred)'),
        certificate(DEMO_CERTIFICATES.revoked, HOLDERS.revoked, { 产权人: '李强', 坐落: '海淀区中关村大街27号1门503', 面积: '76.00', 用途: '住宅', 共有情况: '单独所有' }, (n) => n + TEN_YEARS_MS, 'issue a property certificate (to be revoked)'),
        certificate(DEMO_CERTIFICATES.expired, HOLDERS.expired, { 产权人: '赵敏', 坐落: '东城区东直门南大街5号临时库房', 面积: '45.00', 用途: '仓储', 共有情况: '单独所有' }, (n) => n + EXPIRING_AFTER_MS, `issue a certificate valid for ${EXPIRING_AFTER_MS / 1000} s (it expires)`),
        { department: 'dept.realestate', type: 'transfer-certificate', note: 'transfer the second certificate (sale)', input: () => ({ certificateId: DEMO_CERTIFICATES.transferred, newHolder: HOLDERS.transferredTo, reason: '买卖' }) },
        { department: 'dept.realestate', type: 'revoke-certificate', note: 'revoke the third certificate', input: () => ({ certificateId: DEMO_CERTIFICATES.revoked, reason: '注销登记' }) },
        certificate(DEMO_CERTIFICATES.mortgaged, HOLDERS.mortgaged, { 产权人: '陈静', 坐落: '西城区金融大街15号4单元901', 面积: '128.60', 用途: '住宅', 共有情况: '单独所有' }, (n) => n + TEN_YEARS_MS, 'issue a property certificate (to be mortgaged)'),
        certificate(DEMO_CERTIFICATES.seized, HOLDERS.seized, { 产权人: '刘洋', 坐落: '丰台区丽泽路20号1单元1602', 面积: '96.80', 用途: '住宅', 共有情况: '单独所有' }, (n) => n + TEN_YEARS_MS, 'issue a property certificate (to be seized)'),
      ],
    },
    {
      // 他项权利 (issue 24): after the certificates exist
      name: 'encumbrances',
      steps: [
        { department: 'dept.realestate', type: 'register-mortgage', note: "register a mortgage to the bank on its request (rank 1)", input: () => ({ certificateId: DEMO_CERTIFICATES.mortgaged, creditor: 'bank.city', amountYuan: 2_000_000 }) },
        { department: 'court.intermediate', type: 'register-seizure', note: 'the court seizes a property (查封)', input: () => ({ certificateId: DEMO_CERTIFICATES.seized, caseNumber: DEMO_SEIZURE_CASE }) },
      ],
    },
    {
      // issue 21 (rules version 2): the lawful basis first, then grants that name the household
      name: 'household check under consent: consent and requests',
      steps: [
        {
          department: 'dept.civil',
          type: 'record-consent',
          note: "civil affairs records the household's application and authorisation (申请, 授权核对书)",
          input: (c) => ({ consentId: DEMO_CONSENT, subject: DEMO_HOUSEHOLD_SUBJECT, subjectSecret: c.householdSecretHex(), documentSha256: CONSENT_DOCUMENT_SHA256, purpose: DEMO_EXCHANGE_PURPOSE, kind: '申请' }),
        },
        { department: 'dept.civil', type: 'request-share', note: 'civil affairs asks tax for this household only', input: (c) => ({ requestId: DEMO_SUBJECT_GRANTS.tax, resourceId: 'res.tax.income', purpose: DEMO_EXCHANGE_PURPOSE, fields: ['年收入'], subject: DEMO_HOUSEHOLD_SUBJECT, subjectSecret: c.householdSecretHex() }) },
        { department: 'dept.civil', type: 'request-share', note: 'civil affairs asks the property registry for this household only', input: (c) => ({ requestId: DEMO_SUBJECT_GRANTS.property, resourceId: 'res.property.owner', purpose: DEMO_EXCHANGE_PURPOSE, fields: ['产权人', '面积'], subject: DEMO_HOUSEHOLD_SUBJECT, subjectSecret: c.householdSecretHex() }) },
      ],
    },
    {
      name: 'household check under consent: grants',
      steps: [
        { department: 'dept.tax', type: 'grant-share', note: 'tax grants the household-bound request (3 uses, 30 days)', input: (c) => ({ requestId: DEMO_SUBJECT_GRANTS.tax, fields: ['年收入'], purpose: DEMO_EXCHANGE_PURPOSE, validFrom: c.nowMs - 60_000, validUntil: c.nowMs + 30 * DAY_MS, maxUses: 3 }) },
        { department: 'dept.realestate', type: 'grant-share', note: 'the property registry grants the household-bound request (30 days)', input: (c) => ({ requestId: DEMO_SUBJECT_GRANTS.property, fields: ['产权人', '面积'], purpose: DEMO_EXCHANGE_PURPOSE, validFrom: c.nowMs - 60_000, validUntil: c.nowMs + 30 * DAY_MS, maxUses: 3 }) },
      ],
    },
  ];
}

/** Every department that signs a step, the authority first (not those that sign only through the API). */
export function demoSigners(): string[] {
  return [DEMO_AUTHORITY, ...DEMO_DEPARTMENTS.filter((d) => d.apiOnly !== true).map((d) => d.id)];
}

/**
 * The demo's online verification (用证留痕, issue 24; stack/demo-verification.ts): the second bank
 * checks the mortgaged property before lending and so sees the first bank's mortgage (一房多贷).
 */
export const DEMO_VERIFICATION = {
  verifierDepartmentId: 'bank.rural',
  certificateId: DEMO_CERTIFICATES.mortgaged,
  purpose: '抵押贷款审查（一房多贷核查）',
} as const;
