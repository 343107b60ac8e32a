/**
 * Who may read what (issue 22): the policy table covers every route (walked from the app's own
 * route table and the OpenAPI document), and the API in its signed mode refuses what an attacker
 * tries: unsigned reads of non-public routes, a department reading another's records, replayed,
 * expired, forged or tampered signed requests, floods (429), foreign origins (CORS), another
 * department's event stream. The cluster-level attacks are in test/integration/api-attacks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isLoopbackAddress, policyOf } from '../../api/app.js';
import { policyKey, ROUTE_POLICY } from '../../api/access-policy.js';
import { parseSignatureFields, signatureBase } from '../../producers/http-signature.js';
import { signedFetch, signedHeaders, type RequestSigner } from '../../producers/signed-fetch.js';
import { signEd25519 } from '../../ledger/signature.js';
import { encode } from '../../proto/codec.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { TestChain } from '../helpers/chain.js';
import { certIssued, grant, request, resource } from '../helpers/payloads.js';
import { seedOf } from '../helpers/world.js';

let chain: TestChain;
let signed: TestApi;
let open: TestApi;

const dept = (id: string, seed = seedOf(`${id}#1`), version = 1): RequestSigner => ({ keyid: `department/${id}/${version}`, sign: (m) => signEd25519(seed, m) });
const bdc = dept('dept.bdc');
const tax = dept('dept.tax');
const other = dept('dept.other');
const auditor = dept('dept.audit');
const operator: RequestSigner = { keyid: 'node/1', sign: (m) => signEd25519(seedOf('node-1'), m) };

async function call(signer: RequestSigner | undefined, path: string, init: RequestInit & { body?: Uint8Array | string } = {}, on: TestApi = signed) {
  const r = await signedFetch(signer, `${on.base}${path}`, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text.startsWith('{') ? JSON.parse(text) : text };
}

/** A concrete path for each route of the table (path parameters filled with records that exist). */
const SAMPLE: Record<string, string> = {
  '{height}': '1',
  '{eventId}': '00'.repeat(32),
  '{certificateId}': 'BDC:110105:2026-0001',
  '{requestId}': 'req-1',
  '{resourceId}': 'res.house',
  '{departmentId}': 'dept.tax',
  '{level}': '0',
  '{index}': '000',
};
const concrete = (path: string) => path.replace(/\{[A-Za-z]+\}/g, (m) => SAMPLE[m]!);

beforeAll(async () => {
  chain = await TestChain.create({ maxBlockEvents: 1000 });
  const w = chain.w;
  await chain.block([w.register('dept.bdc', { certificateTypeIds: ['BDC'], resourceIds: ['res.house'] }), w.register('dept.tax'), w.register('dept.other'), w.register('dept.audit')]);
  await chain.block([w.event('dept.bdc', certIssued('BDC:110105:2026-0001')), w.event('dept.bdc', resource('res.house', 2, ['坐落', '面积']))]);
  await chain.block([w.event('dept.tax', request('req-1', 'res.house', ['面积']))]);
  await chain.block([w.event('dept.bdc', grant('req-1', ['面积'], 0n, 1n << 62n))]);
  signed = await startTestApi(chain, {
    log: () => undefined,
    access: { mode: 'signed', auditors: ['dept.audit'], corsOrigins: ['https://reader.example.gov.cn'], rateLimits: { write: { perSecond: 1, burst: 3 }, heavy: { perSecond: 0.001, burst: 5 } } },
  });
  open = await startTestApi(chain, { log: () => undefined });
});

afterAll(async () => {
  await signed?.stop();
  await open?.stop();
});

describe('the policy table', () => {
  it('gives every route of the app a role, and names no route the app does not have', () => {
    const keys = signed.api.routes.map((r) => policyKey(r.method, r.path));
    for (const r of signed.api.routes) expect(() => policyOf(r), `${r.method} ${r.path}`).not.toThrow();
    expect(Object.keys(ROUTE_POLICY).filter((k) => !keys.includes(k))).toEqual([]);
    expect(() => policyOf({ method: 'get', path: '/v1/not-in-the-table' })).toThrow(/ROUTE_POLICY/);
  });

  it('states the roles of every operation in the OpenAPI document (x-roles, and a security requirement unless public)', async () => {
    const doc = (await call(undefined, '/v1/openapi.json')).json;
    expect(doc.components.securitySchemes.httpSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'Signature' });
    let operations = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { 'x-roles': string[]; security: unknown[] }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        operations++;
        expect(op['x-roles'], `${method} ${path}`).toEqual([...ROUTE_POLICY[policyKey(method, path)]!.roles]);
        expect(op.security.length === 0, `${method} ${path}`).toBe(op['x-roles'].includes('public'));
      }
    }
    expect(operations).toBe(signed.api.routes.length);
    // the open local mode's document asks for no signature (it demands none), roles still stated
    const openDoc = (await call(undefined, '/v1/openapi.json', {}, open)).json;
    const openOps = Object.values(openDoc.paths as Record<string, Record<string, { 'x-roles': string[]; security: unknown[] }>>).flatMap((ops) => Object.values(ops));
    expect(openOps.every((op) => op.security.length === 0 && op['x-roles'].length > 0)).toBe(true);
  });
});

describe('unsigned callers', () => {
  it('are refused with 401 UNAUTHENTICATED on every non-public route, and served on the public ones', async () => {
    for (const r of signed.api.routes) {
      const path = concrete(r.path);
      const res = await call(undefined, path, r.method === 'post' ? { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } } : {});
      if (policyOf(r).roles.includes('public')) {
        expect(res.status, `${r.method} ${path}`).not.toBe(401);
        expect(res.status, `${r.method} ${path}`).toBeLessThan(500);
      } else {
        expect([res.status, res.json.code], `${r.method} ${path}`).toEqual([401, 'UNAUTHENTICATED']);
        expect(res.headers.get('www-authenticate')).toContain('Signature');
        expect(res.headers.get('accept-signature')).toContain('"@method" "@authority" "@path" "@query"');
      }
    }
  });
});

describe('a department', () => {
  it('reads its own records, the catalogue and the grants it is party to', async () => {
    expect((await call(tax, '/v1/grants?grantee=dept.tax')).json.items).toHaveLength(1);
    expect((await call(tax, '/v1/grants/req-1')).status).toBe(200);
    expect((await call(bdc, '/v1/grants/req-1')).status).toBe(200); // the grantor
    expect((await call(bdc, '/v1/grants?resource=res.house')).json.items).toHaveLength(1); // the source
    expect((await call(bdc, '/v1/certificates/BDC:110105:2026-0001')).status).toBe(200);
    expect((await call(bdc, '/v1/certificates?issuer=dept.bdc')).json.items).toHaveLength(1);
    expect((await call(other, '/v1/resources')).status).toBe(200);
    expect((await call(other, '/v1/departments/dept.bdc')).status).toBe(200);
    expect((await call(tax, '/v1/departments/dept.tax/next-sequence')).json.nextSequence).toBe('2');
  });

  it("is refused another department's records: 403 for a filter naming another, 404 (as if absent) for a record it is not party to", async () => {
    for (const path of ['/v1/grants?grantee=dept.tax', '/v1/grants?resource=res.house', '/v1/certificates?issuer=dept.bdc', '/v1/access?grantee=dept.tax', '/v1/access?subject=' + '07'.repeat(32), '/v1/rejected?department=dept.tax', '/v1/rejected', '/v1/departments/dept.tax/next-sequence']) {
      const r = await call(other, path);
      expect([r.status, r.json.code], path).toEqual([403, 'FORBIDDEN']);
    }
    for (const [path, absent] of [
      ['/v1/grants/req-1', '/v1/grants/req-none'],
      ['/v1/grants/req-1/history', '/v1/grants/req-none/history'],
      ['/v1/certificates/BDC:110105:2026-0001', '/v1/certificates/BDC:110105:2026-9999'],
    ] as const) {
      const refused = await call(other, path);
      const missing = await call(other, absent);
      expect([refused.status, refused.json.code], path).toEqual([404, 'NOT_FOUND']);
      // the same answer as for a record that does not exist, but for the id it names
      expect(refused.json.message.replace(/req-1|BDC:110105:2026-0001/, 'X')).toBe(missing.json.message.replace(/req-none|BDC:110105:2026-9999/, 'X'));
    }
    // the auditor and operator routes
    for (const path of ['/v1/blocks/1', '/v1/blocks/1/raw', '/v1/stats/departments', '/v1/status']) expect((await call(other, path)).status, path).toBe(403);
  });
});

describe('the auditor and the operator', () => {
  it('the auditor reads everything; the operator reads the status and blocks but no records', async () => {
    for (const path of ['/v1/grants?grantee=dept.tax', '/v1/rejected', '/v1/stats/departments', '/v1/status', '/v1/blocks/1', '/v1/grants/req-1', '/v1/certificates/BDC:110105:2026-0001', '/v1/access?subject=' + '07'.repeat(32)]) {
      expect((await call(auditor, path)).status, path).toBe(200);
    }
    expect((await call(operator, '/v1/status')).status).toBe(200);
    expect((await call(operator, '/v1/blocks/1/raw')).status).toBe(200);
    expect((await call(operator, '/v1/grants/req-1')).status).toBe(403);
  });

  it('the operator may not submit (only departments write, each its own signed events)', async () => {
    const r = await call(operator, '/v1/events', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect([r.status, r.json.code]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('the audit right on chain (rules version 2, issue 22)', () => {
  it('makes a department an auditor with no node configuration naming it; a department without it stays a department', async () => {
    const v2 = await TestChain.create({ maxBlockEvents: 1000, rulesVersion: 2 });
    const r = await v2.block([v2.w.register('audit.city', { audit: true }), v2.w.register('dept.plain')]);
    expect(r.codes).toEqual(['OK', 'OK']);
    const api = await startTestApi(v2, { log: () => undefined, access: { mode: 'signed', auditors: [], corsOrigins: [] } });
    try {
      for (const path of ['/v1/stats/departments', '/v1/blocks/1', '/v1/status']) {
        expect((await call(dept('audit.city'), path, {}, api)).status, path).toBe(200);
        expect((await call(dept('dept.plain'), path, {}, api)).status, path).toBe(403);
      }
    } finally {
      await api.stop();
    }
  });
});

describe('forged, replayed, expired and tampered requests', () => {
  const url = (path: string) => `${signed.base}${path}`;
  const send = async (path: string, headers: Record<string, string>, init: RequestInit = {}) => {
    const r = await fetch(url(path), { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
    return { status: r.status, json: (await r.json()) as { code: string; message: string } };
  };

  it('a replayed request is refused, the original served', async () => {
    const h = signedHeaders(tax, 'GET', url('/v1/grants?grantee=dept.tax'));
    expect((await send('/v1/grants?grantee=dept.tax', h)).status).toBe(200);
    const again = await send('/v1/grants?grantee=dept.tax', h);
    expect([again.status, again.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(again.json.message).toMatch(/replayed/);
  });

  it('an expired or future-dated signature is refused', async () => {
    const old = await send('/v1/grants?grantee=dept.tax', signedHeaders(tax, 'GET', url('/v1/grants?grantee=dept.tax'), undefined, Date.now() - 10 * 60_000));
    expect([old.status, old.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(old.json.message).toMatch(/ago/);
    const ahead = await send('/v1/grants?grantee=dept.tax', signedHeaders(tax, 'GET', url('/v1/grants?grantee=dept.tax'), undefined, Date.now() + 10 * 60_000));
    expect([ahead.status, ahead.json.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('a signature by another key, an unknown key version or department, or over another path is refused', async () => {
    const cases: Array<[string, RequestSigner, string]> = [
      ['another key', dept('dept.tax', seedOf('attacker')), '/v1/grants?grantee=dept.tax'],
      ['an unknown key version', dept('dept.tax', seedOf('dept.tax#1'), 2), '/v1/grants?grantee=dept.tax'],
      ['an unregistered department', dept('dept.ghost'), '/v1/resources'],
      ['an unknown node', { keyid: 'node/9', sign: operator.sign }, '/v1/status'],
    ];
    for (const [what, signer, path] of cases) {
      const r = await call(signer, path);
      expect([r.status, r.json.code], what).toEqual([401, 'UNAUTHENTICATED']);
    }
    // signed for one path, sent to another (the signature covers @path and @query)
    const h = signedHeaders(tax, 'GET', url('/v1/grants?grantee=dept.tax'));
    expect((await send('/v1/grants?grantee=dept.bdc', h)).status).toBe(401);
    // signed for another node (the signature covers @authority): a request captured at one node replayed at another
    const elsewhere = signedHeaders(tax, 'GET', `http://10.0.0.9:8080/v1/grants?grantee=dept.tax`);
    expect((await send('/v1/grants?grantee=dept.tax', elsewhere)).status).toBe(401);
    // malformed fields
    for (const bad of [{ 'signature-input': 'ledger=("@method");created=1', signature: 'ledger=:AAAA:' }, { signature: h.signature! }]) {
      expect((await send('/v1/resources', bad as Record<string, string>)).json.code).toBe('UNAUTHENTICATED');
    }
  });

  it('a signed body changed on the way is refused (Content-Digest, RFC 9530)', async () => {
    const body = encode('SignedEvent', chain.w.event('dept.tax', request('req-9', 'res.house', ['面积'])));
    const h = signedHeaders(tax, 'POST', url('/v1/events'), body);
    const tampered = new Uint8Array(body);
    tampered[tampered.length - 1]! ^= 1;
    const r = await send('/v1/events', h, { method: 'POST', body: Buffer.from(tampered), headers: { 'content-type': 'application/octet-stream' } });
    expect([r.status, r.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    // a body the signature does not cover at all
    const noDigest = signedHeaders(tax, 'POST', url('/v1/events'));
    const r2 = await send('/v1/events', noDigest, { method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/octet-stream' } });
    expect([r2.status, r2.json.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('the signature base is the RFC 9421 section 2.5 text of the covered components', () => {
    const h = signedHeaders(tax, 'GET', 'http://127.0.0.1:1234/v1/grants?grantee=dept.tax', undefined, 1_700_000_000_000);
    const p = parseSignatureFields(h['signature-input'], h.signature);
    expect(p.params).toMatchObject({ created: 1_700_000_000, keyid: 'department/dept.tax/1', components: ['@method', '@authority', '@path', '@query'] });
    const base = new TextDecoder().decode(signatureBase({ method: 'GET', authority: '127.0.0.1:1234', path: '/v1/grants', query: 'grantee=dept.tax' }, p.params.components, p.signatureParamsText));
    expect(base).toBe(
      ['"@method": GET', '"@authority": 127.0.0.1:1234', '"@path": /v1/grants', '"@query": ?grantee=dept.tax', `"@signature-params": ("@method" "@authority" "@path" "@query");created=1700000000;nonce="${p.params.nonce}";keyid="department/dept.tax/1";alg="ed25519"`].join('\n'),
    );
  });
});

describe('limits, CORS and the stream', () => {
  it('rate-limits heavy reads per identity with 429 and Retry-After, other identities unaffected', async () => {
    let last = await call(bdc, '/v1/blocks/1');
    for (let i = 0; i < 6 && last.status !== 429; i++) last = await call(auditor, '/v1/blocks/1');
    expect([last.status, last.json.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(operator, '/v1/blocks/1')).status).toBe(200);
  });

  it('sends CORS headers only to a configured origin', async () => {
    const allowed = await fetch(`${signed.base}/v1/head`, { headers: { origin: 'https://reader.example.gov.cn' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://reader.example.gov.cn');
    const foreign = await fetch(`${signed.base}/v1/head`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${signed.base}/v1/grants`, { method: 'OPTIONS', headers: { origin: 'https://reader.example.gov.cn', 'access-control-request-method': 'GET', 'access-control-request-headers': 'signature, signature-input' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('signature-input');
    expect((await fetch(`${open.base}/v1/head`, { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it("refuses another department's event stream, and an unsigned one; headers stream to anyone", async () => {
    const wsUrl = (q: string) => `${signed.base.replace('http', 'ws')}/v1/stream${q}`;
    const outcome = (u: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(u, { headers });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
    expect(await outcome(wsUrl(''))).toBe(101);
    expect(await outcome(wsUrl('?department=dept.tax'))).toBe(401);
    const httpUrl = (q: string) => `${signed.base}/v1/stream${q}`;
    expect(await outcome(wsUrl('?department=dept.tax'), signedHeaders(other, 'GET', httpUrl('?department=dept.tax')))).toBe(403);
    expect(await outcome(wsUrl('?department=dept.tax'), signedHeaders(tax, 'GET', httpUrl('?department=dept.tax')))).toBe(101);
  });

  it('knows the loopback addresses the open local mode answers', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.127', '::', undefined]) expect(isLoopbackAddress(a), String(a)).toBe(false);
  });
});
