/**
 * The exchange point's HTTP handler (exchange/exchange-server.ts) and the grantee's client
 * (exchange/exchange-client.ts) talking over a real socket, in front of an ExchangePoint whose
 * chain is a stand-in (the cluster test, test/integration/exchange-cluster.test.ts, runs them on
 * the real chain): data only on a committed OK, refusals as READ_REFUSED with the chain's code,
 * unauthenticated requests neither served nor published, unknown routes and oversized bodies
 * answered in JSON.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRead } from '../../exchange/exchange-client.js';
import { exchangeHandler, MAX_REQUEST_BYTES } from '../../exchange/exchange-server.js';
import { ExchangePoint, READ_PATH } from '../../exchange/exchange-point.js';
import { JsonTableSource } from '../../exchange/data-source.js';
import type { ChainView, CommittedFate, GrantTerms } from '../../exchange/chain-view.js';
import { bytesKey, toHex, utf8 } from '../../ledger/bytes.js';
import { sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { RESULT, resultName } from '../../ledger/result-codes.js';
import { grantSubjectCommitment } from '../../ledger/subject.js';
import { GrantStatus, type ExchangeRead } from '../../proto/schema.generated.js';

const SUBJECT = '330106199001011234';
const SECRET = sha256(utf8('exchange-http-test'));
const civilKey = SigningKey.generate();
const civil = { departmentId: 'dept.civil', keyVersion: 1, key: civilKey };
const grant: GrantTerms = {
  requesterDepartmentId: 'dept.civil',
  resourceId: 'res.tax.income',
  status: GrantStatus.GRANT_GRANTED,
  grantedFields: ['年收入'],
  validFromMs: 0n,
  validUntilMs: BigInt(Date.now()) + 86_400_000n,
  maxUses: 0n,
  uses: 0n,
  subjectCommitment: grantSubjectCommitment(SUBJECT, SECRET, 'g-1'),
};

/** What the stand-in chain was given: each published read and the fate it gets (its pre-check's refusal, else OK). */
const published: ExchangeRead[] = [];
const fates = new Map<string, CommittedFate>();
const chain: ChainView = {
  department: async (id) => (id === 'dept.civil' ? { suspended: false, activeKeys: new Map([[1, civilKey.publicKey]]) } : undefined),
  grant: async (id) => (id === 'g-1' ? grant : undefined),
  result: async (id) => fates.get(bytesKey(id))!,
  close: () => undefined,
};
const publish = async (p: { exchangeRead: ExchangeRead }) => {
  published.push(p.exchangeRead);
  const id = sha256(utf8(`event-${published.length}`));
  const code = p.exchangeRead.refusal === '' ? RESULT.OK : (RESULT[p.exchangeRead.refusal as keyof typeof RESULT] ?? RESULT.REFUSED_BY_SOURCE);
  fates.set(bytesKey(id), { height: 7n, code, name: resultName(code)! });
  return id;
};

let server: Server;
let url: string;
beforeAll(async () => {
  const point = new ExchangePoint({ departmentId: 'dept.tax', chain, data: JsonTableSource.fromRows({ 'res.tax.income': { [SUBJECT]: [{ 年收入: '36000', 纳税额: '0' }] } }), publish });
  server = createServer(exchangeHandler(point, () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const read = (over: Record<string, unknown> = {}, caller = civil) =>
  requestRead(url, caller, { resourceId: 'res.tax.income', grantId: 'g-1', consentId: 'c-1', fields: ['年收入'], purpose: '家庭经济状况核对', subject: { id: SUBJECT, secret: toHex(SECRET) }, ...over });

describe('the exchange point over HTTP (exchange/exchange-server.ts, exchange/exchange-client.ts)', () => {
  it('serves the granted fields with the receipt, the data digest being the published one', async () => {
    const before = published.length;
    const r = await read();
    expect(r.rows).toEqual([{ 年收入: '36000' }]);
    expect(r.height).toBe(7n);
    expect(published.length).toBe(before + 1);
    const p = published[before]!;
    expect(toHex(p.dataSha256)).toBe(r.dataSha256);
    expect(r.eventId).toBe(toHex(sha256(utf8(`event-${before + 1}`))));
    expect(p.granteeDepartmentId).toBe('dept.civil');
  });

  it('refuses a read the chain refuses, with its code, after publishing it without a data digest', async () => {
    const before = published.length;
    const e = (await read({ grantId: 'no-such-grant' }).catch((x: unknown) => x)) as { code: string; details: { resultName: string } };
    expect(e.code).toBe('READ_REFUSED');
    expect(e.details.resultName).toBe('GRANT_NOT_FOUND');
    expect(published[before]!.refusal).toBe('GRANT_NOT_FOUND');
    expect(published[before]!.dataSha256.length).toBe(0);
  });

  it('refuses a request id seen before (a replay) with CONFLICT, publishing nothing', async () => {
    await read({ requestId: 'read-replayed-1' });
    const before = published.length;
    const e = (await read({ requestId: 'read-replayed-1' }).catch((x: unknown) => x)) as { code: string };
    expect(e.code).toBe('CONFLICT');
    expect(published.length).toBe(before);
  });

  it('answers a request signed by a key the chain does not register 401, publishing nothing', async () => {
    const before = published.length;
    const e = (await read({}, { ...civil, key: SigningKey.generate() }).catch((x: unknown) => x)) as { code: string };
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(published.length).toBe(before);
  });

  it('answers another route 404 and a body over the limit 413, in JSON', async () => {
    const get = await fetch(`${url}${READ_PATH}`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { code: string }).code).toBe('NOT_FOUND');
    const big = await fetch(`${url}${READ_PATH}`, { method: 'POST', body: Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('says UNAVAILABLE when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = (await requestRead(`http://127.0.0.1:${port}`, civil, { resourceId: 'res.tax.income', grantId: 'g-1', consentId: 'c-1', fields: ['年收入'], purpose: 'x', subject: { id: SUBJECT, secret: toHex(SECRET) } }).catch((x: unknown) => x)) as { code: string };
    expect(e.code).toBe('UNAVAILABLE');
  });
});
