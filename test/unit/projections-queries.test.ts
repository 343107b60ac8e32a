/**
 * The projections and the typed queries (ledger/projections.ts, ledger/queries.ts) on a real chain
 * cut by a single-node consensus core from the state-machine scenarios
 * (test/helpers/scenario-chain.ts): certificates with their history, by issuer and by holder;
 * grants by grantee, by resource and active at a time; the catalogue by share type and source;
 * departments with key history; access records; rejected attempts; pagination and bad parameters.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isLedgerError } from '../../errors/ledger-error.js';
import { Queries, MAX_PAGE_SIZE, type Page, type PageRequest } from '../../ledger/queries.js';
import { RESULT } from '../../ledger/result-codes.js';
import { CertificateStatus, GrantStatus, ShareType } from '../../proto/schema.generated.js';
import type { TestChain } from '../helpers/chain.js';
import { buildScenarioChain, CERT, type ScenarioFacts } from '../helpers/scenario-chain.js';
import { AUTHORITY } from '../helpers/world.js';

let chain: TestChain;
let facts: ScenarioFacts;
let q: Queries;

beforeAll(async () => {
  ({ chain, facts } = await buildScenarioChain());
  q = new Queries(chain.core.state, chain.projections!);
});

/** Every item of a paginated query, page by page. */
async function all<T>(f: (p: PageRequest) => Promise<Page<T>>, limit = 2): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const p = await f({ limit, ...(cursor !== undefined ? { cursor } : {}) });
    expect(p.items.length).toBeLessThanOrEqual(limit);
    out.push(...p.items);
    if (p.next === null) return out;
    cursor = p.next;
  }
  throw new Error('no last page');
}

async function badArgument(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isLedgerError(e) && e.code, String(e)).toBe('BAD_ARGUMENT');
}

describe('projections on a chain from the scenarios', () => {
  it('are written with every block, in the same batch', async () => {
    expect(chain.height).toBeGreaterThan(10n);
    expect(await q.heights()).toEqual({ state: chain.height, projections: chain.height });
  });

  it('certificate by id: the current record and its full history with results, rejected attempts included', async () => {
    const c = (await q.certificate(CERT))!;
    expect(c.certificate.record).toMatchObject({ certificateId: CERT, issuerDepartmentId: 'dept.realestate', status: CertificateStatus.CERTIFICATE_REVOKED, revocationReason: '注销' });
    expect(c.certificate.record.attributesRoot).toEqual(facts.amended.root);
    expect(c.certificate.record.holderCommitment).toEqual(facts.newHolder.commitment);
    expect(c.certificate.void).toBeUndefined();
    const h = c.history.items;
    expect(h.map((e) => [e.payload, e.code, e.departmentId])).toEqual([
      ['certificateIssued', RESULT.OK, 'dept.realestate'],
      ['certificateIssued', RESULT.ALREADY_EXISTS, 'dept.realestate'],
      ['certificateTransferred', RESULT.OK, 'dept.realestate'],
      ['certificateRevoked', RESULT.NOT_ISSUER, 'bank.icbc'],
      ['certificateAmended', RESULT.OK, 'dept.realestate'],
      ['certificateRevoked', RESULT.OK, 'dept.realestate'],
      ['certificateRevoked', RESULT.CERT_REVOKED, 'dept.realestate'],
    ]);
    expect(h[0]!.attributesRoot).toEqual(facts.issued.root);
    expect(h[2]!.holderCommitment).toEqual(facts.newHolder.commitment);
    expect(h[4]!.reason).toBe('面积更正');
    // chain order, and the defining event is the OK revocation
    for (let i = 1; i < h.length; i++) expect(h[i]!.logPosition).toBeGreaterThan(h[i - 1]!.logPosition);
    expect(c.certificate.record.definingEvent!.eventId).toEqual(h[5]!.eventId);
    expect(await q.certificate('no-such-certificate')).toBeUndefined();
    expect((await q.certificateHistory('X:BDC:1')).items.map((e) => e.code)).toEqual([RESULT.UNAUTHORIZED]);
  });

  it('certificates by issuer, in issue order; what a compromised key signed is reported void', async () => {
    const byIssuer = await all((p) => q.certificatesByIssuer('dept.realestate', p));
    expect(byIssuer.map((c) => c.record.certificateId)).toEqual([CERT, '11100000MB0000000X:BDC:2026-000124', 'C-stolen', 'C-new-key']);
    expect(byIssuer.map((c) => c.void?.reason)).toEqual([undefined, undefined, 'KEY_COMPROMISED', undefined]);
    expect(byIssuer[2]!.void).toEqual({ reason: 'KEY_COMPROMISED', departmentId: 'dept.realestate', keyVersion: 1, fromLogPosition: facts.stolenLogPosition });
    expect((await q.certificatesByIssuer('dept.tax')).items).toEqual([]);
  });

  it('certificates by holder commitment follow transfers', async () => {
    const first = await all((p) => q.certificatesByHolder(facts.issued.holderCommitment, p));
    expect(first.map((c) => c.record.certificateId)).toEqual(['11100000MB0000000X:BDC:2026-000124', 'C-stolen']);
    const second = await all((p) => q.certificatesByHolder(facts.newHolder.commitment, p));
    expect(second.map((c) => c.record.certificateId)).toEqual([CERT, 'C-new-key', 'JSZ:0001']);
  });

  it('grants by grantee and by resource, with their history', async () => {
    expect((await all((p) => q.grantsByGrantee('dept.civil', p))).map((g) => [g.record.requestId, g.record.status])).toEqual([
      ['hh-2026-001.0', GrantStatus.GRANT_GRANTED],
      ['hh-2026-001.1', GrantStatus.GRANT_REVOKED],
    ]);
    expect((await q.grantsByResource('res.tax.income')).items.map((g) => [g.record.requestId, g.record.uses])).toEqual([['hh-2026-001.0', 2n]]);
    expect((await q.grantsByResource('r.closed')).items).toEqual([]); // the request was rejected: no grant
    const g = (await q.grant('hh-2026-001.0'))!;
    expect(g.history.items.map((e) => [e.payload, e.code, e.departmentId])).toEqual([
      ['shareRequested', RESULT.OK, 'dept.civil'],
      ['shareGranted', RESULT.OK, 'dept.tax'],
      ['shareGranted', RESULT.NOT_SOURCE, 'dept.civil'],
    ]);
    expect(g.history.items[1]).toMatchObject({ validFromMs: facts.FROM, validUntilMs: facts.UNTIL, maxUses: 2n });
    expect(await q.grant('q1')).toBeUndefined();
  });

  it('grants active at a time: the window, the status and the revocation time', async () => {
    const ids = async (t: bigint, filter = {}) => (await all((p) => q.grantsActiveAt(t, filter, p))).map((g) => g.record.requestId);
    const both = ['hh-2026-001.0', 'hh-2026-001.1'];
    expect(await ids(facts.FROM - 1n)).toEqual([]);
    expect(await ids(facts.FROM)).toEqual(both);
    expect(await ids(facts.revokedAt - 1n)).toEqual(both);
    expect(await ids(facts.revokedAt)).toEqual(['hh-2026-001.0']);
    expect(await ids(facts.UNTIL - 1n)).toEqual(['hh-2026-001.0']);
    expect(await ids(facts.UNTIL)).toEqual([]);
    expect(await ids(facts.FROM, { grantee: 'dept.civil' })).toEqual(both);
    expect(await ids(facts.FROM, { resource: 'res.social.insurance' })).toEqual(['hh-2026-001.1']);
    expect(await ids(facts.FROM, { grantee: 'dept.police' })).toEqual([]);
  });

  it('the catalogue by share type (following updates) and by source', async () => {
    const byType = async (t: ShareType) => (await all((p) => q.resourcesByShareType(t, p))).map((r) => r.resourceId);
    expect(await byType(ShareType.CONDITIONAL)).toEqual(['res.property.owner', 'res.social.insurance', 'res.tax.income']);
    expect(await byType(ShareType.NOT_SHARED)).toEqual(['r.closed', 'r.cond']);
    expect(await byType(ShareType.UNCONDITIONAL)).toEqual(['r.open']);
    expect((await q.resourcesBySource('dept.src')).items.map((r) => r.resourceId)).toEqual(['r.closed', 'r.cond', 'r.open']);
    expect((await q.resourcesBySource('dept.housing')).items).toEqual([]); // its registration was a second source
    expect((await q.resource('res.property.owner'))?.latestVersion).toBe(1n);
  });

  it('departments with their key history', async () => {
    const d = (await q.department('dept.realestate'))!;
    expect(d.keys.map((k) => [k.version, k.retiredAt !== null, k.compromisedFrom])).toEqual([
      [1, true, facts.stolenLogPosition],
      [2, false, null],
    ]);
    expect(d.keys[1]!.activatedAt).toBe(d.keys[0]!.retiredAt);
    const list = await all((p) => q.departments(p), 3);
    expect(list.map((x) => x.record.departmentId)).toEqual(
      [AUTHORITY, 'bank.icbc', 'dept.civil', 'dept.housing', 'dept.hrss', 'dept.police', 'dept.reader', 'dept.realestate', 'dept.src', 'dept.tax', 'dept.transport'].sort(),
    );
    expect(list.find((x) => x.record.departmentId === AUTHORITY)!.record.rights?.govern).toBe(true);
    expect(await q.department('dept.none')).toBeUndefined();
  });

  it('access records by grant, subject, grantee and resource, with their result codes', async () => {
    expect((await all((p) => q.accessByGrant('hh-2026-001.0', p))).map((a) => [a.departmentId, a.code])).toEqual([
      ['dept.civil', RESULT.GRANT_INACTIVE],
      ['dept.civil', RESULT.OK],
      ['dept.civil', RESULT.OK],
      ['dept.civil', RESULT.GRANT_EXHAUSTED],
      ['dept.police', RESULT.NOT_GRANTEE],
    ]);
    const bySubject = await all((p) => q.accessBySubject(facts.subject, p));
    expect(bySubject.map((a) => a.grantId)).toEqual([...Array(5).fill('hh-2026-001.0'), 'hh-2026-001.1', 'hh-2026-001.1']);
    expect(bySubject[5]).toMatchObject({ resourceId: 'res.social.insurance', fields: ['缴费基数'], purpose: 'query', recordCount: 1n, code: RESULT.OK, recordTime: facts.FROM + 4n });
    expect((await q.accessByGrantee('dept.reader')).items.map((a) => [a.resourceId, a.code])).toEqual([
      ['r.open', RESULT.OK],
      ['r.cond', RESULT.GRANT_REQUIRED],
    ]);
    expect((await all((p) => q.accessByResource('res.tax.income', p))).map((a) => a.code)).toEqual([
      RESULT.GRANT_INACTIVE,
      RESULT.OK,
      RESULT.OK,
      RESULT.GRANT_EXHAUSTED,
      RESULT.NOT_GRANTEE,
      RESULT.SUSPENDED,
    ]);
  });

  it('rejected attempts: every included event whose code is not OK, by department and by code', async () => {
    const everything = await all((p) => q.rejected(p), 5);
    const expected = Object.values(facts.codes).flat().filter((c) => c !== 'OK' && c !== 'drop');
    expect(everything.length).toBe(expected.length);
    expect(everything.map((r) => r.code)).not.toContain(RESULT.OK);
    expect((await q.rejectedByDepartment('dept.police')).items.map((r) => [r.code, r.payload, r.subject])).toEqual([
      [RESULT.NOT_GRANTEE, 'accessRecorded', { type: 'grant', id: 'hh-2026-001.0' }],
      [RESULT.SUSPENDED, 'accessRecorded', { type: 'resource', id: 'res.tax.income' }],
    ]);
    const gaps = (await q.rejectedByCode(RESULT.SEQUENCE_GAP)).items;
    expect(gaps.map((r) => [r.departmentId, r.subject?.id])).toEqual([['dept.civil', 'gap']]);
    const notSource = (await q.rejectedByCode(RESULT.NOT_SOURCE)).items;
    expect(notSource.map((r) => r.payload)).toEqual(['shareGranted', 'resourceVersionPublished']);
    expect(notSource[0]!.at.height).toBeLessThan(notSource[1]!.at.height);
  });

  it('pages are stable: any page size gives the same list, in the same order', async () => {
    const full = (await q.rejected({ limit: MAX_PAGE_SIZE })).items;
    for (const limit of [1, 2, 3, 7]) expect(await all((p) => q.rejected(p), limit)).toEqual(full);
    const byLimit1 = await all((p) => q.grantsActiveAt(facts.FROM, {}, p), 1);
    expect(byLimit1.map((g) => g.record.requestId)).toEqual(['hh-2026-001.0', 'hh-2026-001.1']);
  });

  it('bad parameters are BAD_ARGUMENT', async () => {
    await badArgument(q.certificate('bad id!'));
    await badArgument(q.certificatesByIssuer('dept.realestate', { limit: 0 }));
    await badArgument(q.certificatesByIssuer('dept.realestate', { limit: MAX_PAGE_SIZE + 1 }));
    await badArgument(q.certificatesByIssuer('dept.realestate', { limit: 1.5 }));
    await badArgument(q.certificatesByIssuer('dept.realestate', { cursor: 'zz' }));
    const other = await q.certificatesByIssuer('dept.realestate', { limit: 1 });
    // a cursor is opaque: one from another query's range is clamped to this one's (issue 27)
    expect(await q.certificatesByIssuer('dept.tax', { cursor: other.next! })).toEqual(await q.certificatesByIssuer('dept.tax', {}));
    await badArgument(q.certificatesByHolder(new Uint8Array(31)));
    await badArgument(q.accessBySubject(new Uint8Array(0)));
    await badArgument(q.rejectedByCode(RESULT.OK));
    await badArgument(q.rejectedByCode(999));
    await badArgument(q.resourcesByShareType(0 as ShareType));
    await badArgument(q.grantsActiveAt(-1n));
    await badArgument(q.grantsActiveAt(1n, { grantee: 'a', resource: 'b' }));
  });
});
