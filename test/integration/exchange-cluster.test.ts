/**
 * The exchange point on a real 3-node cluster (issue 21; real broker, LevelDB, node processes):
 * civil affairs records a household's consent and requests grants bound to the household; the tax
 * bureau's and the real-estate centre's exchange points serve the checks. Every read is on chain
 * signed by the provider, with the SHA-256 of what was served; a read with no grant, of a subject
 * the grant does not name, and past the uses are refused before any data is returned and are on
 * chain as rejected; the grantee cannot create a read record the provider did not sign. The
 * household's trail lists exactly its reads, and the subject fields of two reads of the household
 * differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { startExchange, type RunningExchange } from '../../exchange/exchange-server.js';
import { JsonTableSource } from '../../exchange/data-source.js';
import { requestRead } from '../../exchange/exchange-client.js';
import { READ_PATH } from '../../exchange/exchange-point.js';
import { signRequest } from '../../exchange/request-auth.js';
import { scanTrail } from '../../exchange/trail-scan.js';
import { fromHex, toHex, utf8 } from '../../ledger/bytes.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { sha256 } from '../../ledger/hash.js';
import { loadKeyFile, SigningKey, writeNewKeyFile } from '../../ledger/key-file.js';
import { consentSubjectCommitment, grantSubjectCommitment, trailOpening, trailTag } from '../../ledger/subject.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import { runCliAsync } from '../helpers/cli.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';

let cluster: LocalCluster | undefined;
const exchanges: RunningExchange[] = [];
afterAll(async () => {
  for (const x of exchanges) await x.stop();
  await cluster?.stop();
});

const HOUSEHOLD = '330106199001011234';
const HOUSEHOLD_SECRET = new Uint8Array(32).fill(0x5a);
const NEIGHBOUR = '330106198502023456';
const NEIGHBOUR_SECRET = new Uint8Array(32).fill(0x6b);
const DAY = 86_400_000n;

describe('the exchange point on a running cluster', () => {
  it('serves a household check under its consent through two exchange points; refusals and forgeries are on chain', { timeout: 300_000 }, async () => {
    try {
      await scenario();
    } catch (e) {
      for (const n of [1, 2, 3]) {
        try {
          console.error(`--- node ${n} ---\n${readFileSync(join(cluster!.layout.nodeDir(n), 'node.log'), 'utf8').split('\n').slice(-20).join('\n')}`);
        } catch {
          /* none */
        }
      }
      throw e;
    }
  });
});

async function scenario(): Promise<void> {
  const dataDir = scratchDir('exchange-cluster');
  cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir, brokerDir: join(dataDir, 'kafka'), batchTimeoutMs: 100n, heartbeatIntervalMs: 1_000n, log: () => undefined });
  const c = cluster;
  const api = c.nodes[0]!.url;
  await waitFor(async () => (await Promise.all(c.nodes.map((n) => fetchStatus(n.url)))).every((s) => s?.phase === 'consuming'), { what: 'nodes consuming', timeoutMs: 90_000 });
  expect(c.genesis.genesis.rulesVersion).toBe(2);

  const keys: Record<string, SigningKey> = { 'authority.city': loadKeyFile(c.layout.authorityKey) };
  const keyFile = (dept: string) => join(dataDir, `${dept}.ed25519key`);
  for (const d of ['dept.civil', 'dept.tax', 'dept.realestate']) keys[d] = writeNewKeyFile(keyFile(d));
  const seq: Record<string, bigint> = {};
  /** Submits through node 1 and waits for the committed result; returns its result name and event id. */
  const submit = async (dept: string, payload: Partial<EventBody>): Promise<{ resultName: string; eventId: string }> => {
    seq[dept] = (seq[dept] ?? 0n) + 1n;
    const ev = buildSignedEvent({ channel: c.genesis.genesis.channel, departmentId: dept, keyVersion: 1, sequence: seq[dept]!, clientTimeMs: 0n, ...payload } as EventBody, keys[dept]!, c.genesis.limits).signed;
    const r = await fetch(`${api}/v1/events?wait=commit&timeoutMs=60000`, { method: 'POST', body: Buffer.from(encode('SignedEvent', ev)), headers: { 'content-type': 'application/octet-stream' } });
    const j = (await r.json()) as { resultName: string; eventId: string };
    expect(r.status, JSON.stringify(j)).toBe(200);
    return j;
  };
  const ok = async (dept: string, payload: Partial<EventBody>) => expect((await submit(dept, payload)).resultName).toBe('OK');

  // the departments, their catalogue entries, the consent and the grants bound to the household
  const rights = (resourceIds: string[]) => ({ certificateTypeIds: [], resourceIds, govern: false, seize: false, audit: false });
  await ok('authority.city', { departmentRegistered: { departmentId: 'dept.civil', name: '民政局', publicKey: keys['dept.civil']!.publicKey, rights: rights([]) } });
  await ok('authority.city', { departmentRegistered: { departmentId: 'dept.tax', name: '税务局', publicKey: keys['dept.tax']!.publicKey, rights: rights(['res.tax.income']) } });
  await ok('authority.city', { departmentRegistered: { departmentId: 'dept.realestate', name: '不动产登记中心', publicKey: keys['dept.realestate']!.publicKey, rights: rights(['res.property.owner']) } });
  await ok('dept.tax', { resourceRegistered: { resourceId: 'res.tax.income', name: '个人收入纳税信息', shareType: 2, fields: ['年收入', '纳税额'], updateCycle: 'monthly' } });
  await ok('dept.realestate', { resourceRegistered: { resourceId: 'res.property.owner', name: '不动产权利人信息', shareType: 2, fields: ['产权人', '坐落', '面积'], updateCycle: 'daily' } });
  await ok('dept.civil', { consentRecorded: { consentId: 'consent-hh-001', subjectCommitment: consentSubjectCommitment(HOUSEHOLD, HOUSEHOLD_SECRET, 'consent-hh-001'), documentSha256: sha256(utf8('最低生活保障申请书 + 授权核对书')), purpose: '最低生活保障审核', kind: '申请' } });
  const requestFor = (id: string, resourceId: string, fields: string[]) => ({
    shareRequested: { requestId: id, resourceId, purpose: '家庭经济状况核对', fields, subject: { subjectCommitment: grantSubjectCommitment(HOUSEHOLD, HOUSEHOLD_SECRET, id) } },
  });
  await ok('dept.civil', requestFor('hh-001.tax', 'res.tax.income', ['年收入']));
  await ok('dept.civil', requestFor('hh-001.realestate', 'res.property.owner', ['产权人', '坐落']));
  const now = BigInt(Date.now());
  await ok('dept.tax', { shareGranted: { requestId: 'hh-001.tax', fields: ['年收入'], purpose: '', validFromMs: now - DAY, validUntilMs: now + DAY, maxUses: 2n } });
  await ok('dept.realestate', { shareGranted: { requestId: 'hh-001.realestate', fields: ['产权人', '坐落'], purpose: '', validFromMs: now - DAY, validUntilMs: now + DAY, maxUses: 5n } });

  // the two exchange points, each in front of its own table
  const start = async (dept: string, resourceId: string, rows: Record<string, Array<Record<string, string>>>) => {
    const table = join(dataDir, `${resourceId}.json`);
    writeFileSync(table, JSON.stringify({ rows }));
    const config = { channel: c.genesis.genesis.channel, departmentId: dept, keyFile: keyFile(dept), keyVersion: 1, api, brokers: c.brokers, outbox: join(dataDir, `outbox-${dept}`), listen: '127.0.0.1:0', tls: 'plain-loopback' as const, tables: { [resourceId]: table } };
    const x = await startExchange(config, { data: JsonTableSource.load(config.tables), log: () => undefined });
    exchanges.push(x);
    return x.url;
  };
  const taxUrl = await start('dept.tax', 'res.tax.income', { [HOUSEHOLD]: [{ 年收入: '36000', 纳税额: '0' }], [NEIGHBOUR]: [{ 年收入: '520000', 纳税额: '61000' }] });
  const reUrl = await start('dept.realestate', 'res.property.owner', { [HOUSEHOLD]: [{ 产权人: '张三', 坐落: '西湖区文三路 1 号', 面积: '62.5' }] });

  const civil = { departmentId: 'dept.civil', keyVersion: 1, key: keys['dept.civil']! };
  const household = { id: HOUSEHOLD, secret: toHex(HOUSEHOLD_SECRET) };
  const taxRead = (over: Record<string, unknown> = {}) =>
    requestRead(taxUrl, civil, { resourceId: 'res.tax.income', grantId: 'hh-001.tax', consentId: 'consent-hh-001', fields: ['年收入'], purpose: '家庭经济状况核对', subject: household, ...over });
  const refusal = async (p: Promise<unknown>): Promise<{ resultName: string; eventId: string }> => {
    const e = (await p.then(
      () => undefined,
      (x: unknown) => x,
    )) as { code?: string; details?: { resultName: string; eventId: string } } | undefined;
    expect(e?.code, JSON.stringify(e)).toBe('READ_REFUSED');
    return e!.details!;
  };

  // served: the data comes back with the digest the committed event holds
  const t1 = await taxRead();
  expect(t1.rows).toEqual([{ 年收入: '36000' }]);
  const r1 = await requestRead(reUrl, civil, { resourceId: 'res.property.owner', grantId: 'hh-001.realestate', consentId: 'consent-hh-001', fields: ['产权人', '坐落'], purpose: '家庭经济状况核对', subject: household });
  expect(r1.rows).toEqual([{ 产权人: '张三', 坐落: '西湖区文三路 1 号' }]);

  // refused before any data is returned, and on chain as rejected
  const noGrant = await refusal(taxRead({ grantId: 'no-such-grant' }));
  expect(noGrant.resultName).toBe('GRANT_NOT_FOUND');
  const neighbour = await refusal(taxRead({ subject: { id: NEIGHBOUR, secret: toHex(NEIGHBOUR_SECRET) } }));
  expect(neighbour.resultName).toBe('SUBJECT_NOT_COVERED');
  const noConsent = await refusal(taxRead({ consentId: '' }));
  expect(noConsent.resultName).toBe('CONSENT_MISSING');
  const t2 = await taxRead();
  expect(t2.rows).toEqual([{ 年收入: '36000' }]);
  const pastUses = await refusal(taxRead());
  expect(pastUses.resultName).toBe('GRANT_EXHAUSTED');

  // an unauthenticated request (signed by a key the chain does not register for dept.civil) is not served
  const body = utf8(JSON.stringify({ requestId: 'forged-1', resourceId: 'res.tax.income', grantId: 'hh-001.tax', consentId: 'consent-hh-001', fields: ['年收入'], purpose: 'x', subject: household }));
  const forged = await fetch(`${taxUrl}${READ_PATH}`, { method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/json', ...signRequest(SigningKey.generate(), 'dept.civil', 1, 'POST', READ_PATH, body, BigInt(Date.now())) } });
  expect(forged.status).toBe(401);
  expect(((await forged.json()) as { code: string }).code).toBe('UNAUTHENTICATED');

  // every read and refusal is on chain, signed by the provider, the served ones with the digest of what was served
  const event = async (id: string) => (await (await fetch(`${api}/v1/events/${id}`)).json()) as { departmentId: string; payloadType: string; resultName: string; body: { exchangeRead: { dataSha256?: string; granteeDepartmentId: string } } };
  for (const [id, signer, result] of [
    [t1.eventId, 'dept.tax', 'OK'],
    [r1.eventId, 'dept.realestate', 'OK'],
    [t2.eventId, 'dept.tax', 'OK'],
    [noGrant.eventId, 'dept.tax', 'GRANT_NOT_FOUND'],
    [neighbour.eventId, 'dept.tax', 'SUBJECT_NOT_COVERED'],
    [noConsent.eventId, 'dept.tax', 'CONSENT_MISSING'],
    [pastUses.eventId, 'dept.tax', 'GRANT_EXHAUSTED'],
  ] as const) {
    const e = await event(id);
    expect({ signer: e.departmentId, payload: e.payloadType, result: e.resultName, grantee: e.body.exchangeRead.granteeDepartmentId }).toEqual({ signer, payload: 'exchangeRead', result, grantee: 'dept.civil' });
  }
  expect((await event(t1.eventId)).body.exchangeRead.dataSha256).toBe(t1.dataSha256);
  expect((await event(r1.eventId)).body.exchangeRead.dataSha256).toBe(r1.dataSha256);
  const rejected = (await (await fetch(`${api}/v1/rejected?department=dept.tax`)).json()) as { items: Array<{ eventId: string }> };
  expect(rejected.items.map((i) => i.eventId)).toEqual(expect.arrayContaining([noGrant.eventId, neighbour.eventId, noConsent.eventId, pastUses.eventId]));

  // the grantee cannot create a read record the provider did not sign: its own ExchangeRead is
  // NOT_SOURCE, and a self-reported access under the subject-bound grant is SUBJECT_NOT_COVERED
  const salt = new Uint8Array(32).fill(7);
  const selfRead = await submit('dept.civil', {
    exchangeRead: {
      granteeDepartmentId: 'dept.civil', resourceId: 'res.tax.income', grantId: 'hh-001.realestate', consentId: 'consent-hh-001', fields: ['年收入'], purpose: 'x',
      subjectCommitment: trailTag(NEIGHBOUR_SECRET, salt), salt, grantSubjectCommitment: grantSubjectCommitment(HOUSEHOLD, HOUSEHOLD_SECRET, 'hh-001.realestate'),
      consentSubjectCommitment: consentSubjectCommitment(HOUSEHOLD, HOUSEHOLD_SECRET, 'consent-hh-001'), requestDigest: new Uint8Array(32), dataSha256: new Uint8Array(32), recordCount: 1n, refusal: '',
    },
  });
  expect(selfRead.resultName).toBe('NOT_SOURCE');
  const selfAccess = await submit('dept.civil', { accessRecorded: { resourceId: 'res.property.owner', grantId: 'hh-001.realestate', fields: ['产权人'], purpose: 'x', subjectCommitment: new Uint8Array(32).fill(1), recordCount: 1n } });
  expect(selfAccess.resultName).toBe('SUBJECT_NOT_COVERED');
  const grant = (await (await fetch(`${api}/v1/grants/hh-001.tax`)).json()) as { grant: { record: { uses: string } } };
  expect(grant.grant.record.uses).toBe('2');

  // the household's trail: exactly its reads (hand-written), each with a verified inclusion proof
  const trail = await scanTrail(api, HOUSEHOLD_SECRET);
  expect(trail.map((e) => [e.eventId, e.sourceDepartmentId, e.resourceId, e.resultName])).toEqual([
    [t1.eventId, 'dept.tax', 'res.tax.income', 'OK'],
    [r1.eventId, 'dept.realestate', 'res.property.owner', 'OK'],
    [noGrant.eventId, 'dept.tax', 'res.tax.income', 'GRANT_NOT_FOUND'],
    [noConsent.eventId, 'dept.tax', 'res.tax.income', 'CONSENT_MISSING'],
    [t2.eventId, 'dept.tax', 'res.tax.income', 'OK'],
    [pastUses.eventId, 'dept.tax', 'res.tax.income', 'GRANT_EXHAUSTED'],
  ]);
  expect(trail.every((e) => e.inclusion?.verified === true && e.granteeDepartmentId === 'dept.civil')).toBe(true);
  expect((await scanTrail(api, NEIGHBOUR_SECRET)).map((e) => e.eventId)).toEqual([neighbour.eventId, selfRead.eventId]);
  // the public trail index shows a read's place, salt and tag and nothing else; its event is served
  // only for its opening (the neighbour's opening of the household's read is the 404 of no event)
  const index = (await (await fetch(`${api}/v1/trail/index`)).json()) as { entries: Array<Record<string, string>> };
  const t1Entry = index.entries.find((e) => e.eventId === t1.eventId)!;
  expect(Object.keys(t1Entry).sort()).toEqual(['eventId', 'height', 'kind', 'logPosition', 'salt', 'tag']);
  const t1Salt = fromHex(t1Entry.salt!);
  expect(t1Entry.tag).toBe(toHex(trailTag(HOUSEHOLD_SECRET, t1Salt)));
  expect((await fetch(`${api}/v1/trail/reads/${t1.eventId}?opening=${toHex(trailOpening(NEIGHBOUR_SECRET, t1Salt))}`)).status).toBe(404);
  expect((await fetch(`${api}/v1/trail/reads/${t1.eventId}?opening=${toHex(trailTag(HOUSEHOLD_SECRET, t1Salt))}`)).status).toBe(404);
  expect((await fetch(`${api}/v1/trail/reads/${t1.eventId}?opening=${toHex(trailOpening(HOUSEHOLD_SECRET, t1Salt))}`)).status).toBe(200);

  // an outsider with the chain alone: the subject fields of two reads of the household differ
  const a = (await event(t1.eventId)).body.exchangeRead as unknown as Record<string, string>;
  const b = (await event(r1.eventId)).body.exchangeRead as unknown as Record<string, string>;
  const t2body = (await event(t2.eventId)).body.exchangeRead as unknown as Record<string, string>;
  expect(a.subjectCommitment).not.toBe(b.subjectCommitment);
  expect(a.salt).not.toBe(b.salt);
  expect(a.grantSubjectCommitment).not.toBe(b.grantSubjectCommitment);
  expect(a.subjectCommitment).not.toBe(t2body.subjectCommitment); // two reads under one grant: the trail tags differ too
  for (const v of Object.values(a)) expect(JSON.stringify(v)).not.toContain(HOUSEHOLD);

  // the CLI: `ledger trail`
  const secretFile = join(dataDir, 'household.subject.json');
  writeFileSync(secretFile, JSON.stringify({ subject: HOUSEHOLD, secret: toHex(HOUSEHOLD_SECRET) }), { mode: 0o600 });
  const cli = await runCliAsync(['trail', '--subject-secret', secretFile, '--api', api, '--json']);
  expect(cli.status, cli.stderr).toBe(0);
  expect((JSON.parse(cli.stdout) as { reads: Array<{ eventId: string }> }).reads.map((r) => r.eventId)).toEqual(trail.map((e) => e.eventId));

  // the auditor's questions: `ledger audit access`
  const auditRun = await runCliAsync(['audit', 'access', '--api', api, '--department', 'dept.civil', '--json']);
  expect(auditRun.status, auditRun.stderr).toBe(0);
  const report = JSON.parse(auditRun.stdout) as { served: unknown[]; refused: Array<{ eventId: string; resultName: string }>; outsideConsent: unknown[]; subjectNotCovered: Array<{ eventId: string }> };
  expect(report.served).toEqual([
    { granteeDepartmentId: 'dept.civil', resourceId: 'res.property.owner', exchange: 1, selfReported: 0 },
    { granteeDepartmentId: 'dept.civil', resourceId: 'res.tax.income', exchange: 2, selfReported: 0 },
  ]);
  expect(report.refused.map((r) => [r.eventId, r.resultName])).toEqual([
    [noGrant.eventId, 'GRANT_NOT_FOUND'],
    [neighbour.eventId, 'SUBJECT_NOT_COVERED'],
    [noConsent.eventId, 'CONSENT_MISSING'],
    [pastUses.eventId, 'GRANT_EXHAUSTED'],
    [selfRead.eventId, 'NOT_SOURCE'],
    [selfAccess.eventId, 'SUBJECT_NOT_COVERED'],
  ]);
  expect(report.outsideConsent).toEqual([]);
  expect(report.subjectNotCovered.map((r) => r.eventId)).toEqual([neighbour.eventId, selfAccess.eventId]);
}
