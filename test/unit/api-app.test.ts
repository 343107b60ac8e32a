/**
 * The express app over a real chain without Kafka (a single-node core over memory-level,
 * test/helpers/chain.ts): the read routes, validation and error answers, submission (its
 * `produce` feeds the same core, so `?wait=commit` commits for real), the stream, the C2SP
 * checkpoint and tiles checked by a client written from the specs (test/helpers/tlog-client.ts),
 * and the OpenAPI document against the express router.
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApi, type Api } from '../../api/app.js';
import { Submitter } from '../../api/submit.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { expressPathOf } from '../../api/route-spec.js';
import { ApiClient, HttpChainSource } from '../../api/client.js';
import { audit } from '../../audit/audit.js';
import { bundleFromJson, verifyBundle } from '../../verifier/bundle-verify.js';
import { noteVerifierKeys } from '../../api/checkpoint-note.js';
import { fromHex, toHex } from '../../ledger/bytes.js';
import { eventId } from '../../ledger/hash.js';
import { verifyConsistency, verifyInclusion } from '../../ledger/merkle-verify.js';
import { leafHash } from '../../ledger/merkle.js';
import { decode, encode } from '../../proto/codec.js';
import type { SignedEvent } from '../../proto/schema.generated.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { TestChain } from '../helpers/chain.js';
import { certIssued, resource, request } from '../helpers/payloads.js';
import { TileClient, verifierKeyFromSpec, verifyCheckpointNote, leafHashOf } from '../helpers/tlog-client.js';
import { AUTHORITY } from '../helpers/world.js';

let chain: TestChain;
let api: Api;
let testApi: TestApi;
let base: string;

async function get(path: string): Promise<{ status: number; json: any; type: string }> {
  const r = await fetch(`${base}${path}`);
  const type = r.headers.get('content-type') ?? '';
  const text = await r.text();
  return { status: r.status, type, json: type.includes('json') ? JSON.parse(text) : text };
}

async function post(path: string, body: BodyInit, type: string): Promise<{ status: number; json: any }> {
  const r = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
  const text = await r.text();
  return { status: r.status, json: text.startsWith('{') ? JSON.parse(text) : text };
}

const wire = (e: SignedEvent): BodyInit => Buffer.from(encode('SignedEvent', e));

beforeAll(async () => {
  chain = await TestChain.create({ maxBlockEvents: 1000 });
  const w = chain.w;
  await chain.block([w.register('dept.bdc', { certificateTypeIds: ['BDC'], resourceIds: ['res.house'] }), w.register('dept.tax')]);
  await chain.block([w.event('dept.bdc', certIssued('BDC:110105:2026-0001')), w.event('dept.bdc', resource('res.house', 2, ['坐落', '面积']))]);
  await chain.block([w.event('dept.tax', request('req-1', 'res.house', ['面积'])), w.event('dept.tax', request('req-2', 'res.nothing', ['x']))]);
  // enough events for full tiles: 600 registrations over three blocks
  for (let b = 0; b < 3; b++) {
    await chain.block(Array.from({ length: 200 }, (_, i) => w.register(`dept.r${b * 200 + i}`)));
  }
  testApi = await startTestApi(chain, { log: () => undefined });
  api = testApi.api;
  base = testApi.base;
});

afterAll(async () => {
  await testApi?.stop();
});

describe('read routes', () => {
  it('serve the genesis, head, headers, blocks and raw blocks', async () => {
    const g = await fetch(`${base}/v1/genesis`);
    expect(g.headers.get('content-type')).toContain('application/octet-stream');
    expect(toHex(new Uint8Array(await g.arrayBuffer()))).toBe(toHex(chain.genesis.bytes));
    const head = await get('/v1/head');
    expect(head.json.height).toBe(chain.height.toString());
    expect(head.json.header.logSize).toBe('606');
    expect((await get('/v1/status')).json).toMatchObject({ phase: 'consuming', height: chain.height.toString(), projectionsHeight: chain.height.toString(), logSize: '606' });
    const headers = await get('/v1/headers?from=2&limit=2');
    expect(headers.json.items.map((h: any) => h.height)).toEqual(['2', '3']);
    expect(headers.json.next).toBe('4');
    const block = await get('/v1/blocks/2');
    expect(block.json.events.map((e: any) => [e.payloadType, e.resultName])).toEqual([['certificateIssued', 'OK'], ['resourceRegistered', 'OK']]);
    const raw = await fetch(`${base}/v1/blocks/2/raw`);
    const bwc = decode('BlockWithCommit', new Uint8Array(await raw.arrayBuffer()));
    expect(toHex(bwc.block)).toBe(toHex((await chain.core.blocks.blockBytes(2n))!));
    expect(bwc.commit!.signatures.length).toBe(1);
  });

  it('serve an event with its result and an inclusion proof that verifies against the head', async () => {
    const loc = await chain.core.state.getEventLocations([]);
    expect(loc).toEqual([]);
    const block = await chain.core.blocks.block(3n);
    const e = block!.events[1]!;
    const id = eventId(e.event!.body);
    const r = await get(`/v1/events/${toHex(id)}`);
    expect(r.status).toBe(200);
    expect(r.json.resultName).toBe('UNKNOWN_RESOURCE');
    expect(r.json.height).toBe('3');
    const p = r.json.inclusionProof;
    const check = verifyInclusion(leafHash(id), BigInt(p.leafIndex), BigInt(p.logSize), p.hashes.map((h: string) => fromHex(h)), fromHex(p.logRoot));
    expect(check.ok).toBe(true);
    expect((await get(`/v1/events/${'ab'.repeat(32)}`)).json.code).toBe('NOT_FOUND');
  });

  it('serve certificates, grants, catalogue, departments, access, rejected attempts and stats', async () => {
    const c = await get('/v1/certificates/BDC:110105:2026-0001');
    expect(c.status).toBe(200);
    expect(c.json.certificate.record.issuerDepartmentId).toBe('dept.bdc');
    expect(c.json.history.items).toHaveLength(1);
    expect((await get('/v1/certificates?issuer=dept.bdc')).json.items).toHaveLength(1);
    expect((await get('/v1/grants/req-1')).json.grant.record.requesterDepartmentId).toBe('dept.tax');
    expect((await get('/v1/grants?grantee=dept.tax')).json.items).toHaveLength(1);
    expect((await get('/v1/resources')).json.items.map((r: any) => r.resourceId)).toEqual(['res.house']);
    expect((await get('/v1/resources?shareType=CONDITIONAL')).json.items).toHaveLength(1);
    expect((await get('/v1/resources/res.house')).json.resource.source ?? (await get('/v1/resources/res.house')).json.resource.sourceDepartmentId).toBe('dept.bdc');
    const depts = await get('/v1/departments?limit=2');
    expect(depts.json.items).toHaveLength(2);
    expect(depts.json.next).toMatch(/^[0-9a-f]+$/);
    expect((await get(`/v1/departments?limit=2&cursor=${depts.json.next}`)).json.items[0].record.departmentId).not.toBe(depts.json.items[0].record.departmentId);
    expect((await get('/v1/rejected?department=dept.tax')).json.items[0].code).toBe(20);
    expect((await get('/v1/rejected?code=UNKNOWN_RESOURCE')).json.items).toHaveLength(1);
    expect((await get('/v1/access?grantee=dept.tax')).json.items).toEqual([]);
    const stats = await get('/v1/stats/departments?limit=1000');
    const tax = stats.json.items.find((d: any) => d.departmentId === 'dept.tax');
    expect(tax).toMatchObject({ events: '2', rejections: 1, accesses: 0 });
    expect((await get('/v1/departments/dept.tax/next-sequence')).json.nextSequence).toBe('3');
    const cons = await get('/v1/proofs/consistency?from=4&to=606');
    expect(verifyConsistency(4, 606, fromHex(cons.json.fromRoot), fromHex(cons.json.toRoot), cons.json.hashes.map((h: string) => fromHex(h))).ok).toBe(true);
  });
});

describe('proof bundles', () => {
  it('serve a certificate bundle that the offline verifier finds VALID, its JSON view, and an UNKNOWN for an absent id', async () => {
    const r = await fetch(`${base}/v1/certificates/BDC:110105:2026-0001/bundle`);
    expect(r.headers.get('content-type')).toContain('application/octet-stream');
    const bundle = new Uint8Array(await r.arrayBuffer());
    const v = verifyBundle(bundle, chain.genesis.bytes, { nowMs: 2_000_000n });
    expect(v.verdict, JSON.stringify(v.reasons)).toBe('VALID');
    expect(v.subject).toEqual({ kind: 'certificate', id: 'BDC:110105:2026-0001' });
    const j = await get('/v1/certificates/BDC:110105:2026-0001/bundle?format=json&fromLogSize=4');
    expect(toHex(bundleFromJson(j.json))).not.toBe('');
    expect(verifyBundle(bundleFromJson(j.json), chain.genesis.bytes, { nowMs: 2_000_000n }).verdict).toBe('VALID');
    const absent = new Uint8Array(await (await fetch(`${base}/v1/certificates/BDC:NONE/bundle`)).arrayBuffer());
    expect(verifyBundle(absent, chain.genesis.bytes, { nowMs: 2_000_000n }).verdict).toBe('UNKNOWN');
    const grant = new Uint8Array(await (await fetch(`${base}/v1/grants/req-1/bundle`)).arrayBuffer());
    expect(verifyBundle(grant, chain.genesis.bytes, { nowMs: 2_000_000n }).subject).toEqual({ kind: 'grant', id: 'req-1' });
    // the CLI's remote source
    const viaClient = await new ApiClient(base).bundle({ kind: 'certificate', id: 'BDC:110105:2026-0001' });
    expect(verifyBundle(viaClient, chain.genesis.bytes, { nowMs: 2_000_000n }).verdict).toBe('VALID');
    for (const [path, status, code] of [['/v1/certificates/a%20b/bundle', 400, 'BAD_ARGUMENT'], ['/v1/certificates/X/bundle?format=pdf', 400, 'BAD_ARGUMENT'], ['/v1/certificates/X/bundle?fromLogSize=0', 400, 'BAD_ARGUMENT'], ['/v1/grants/X/bundle?fromLogSize=99999', 404, 'NOT_FOUND']] as const) {
      const e = await get(path);
      expect([e.status, e.json.code], path).toEqual([status, code]);
    }
  });
});

describe('methods a path does not serve', () => {
  it('answer 405 METHOD_NOT_ALLOWED with an Allow header naming those it does (RFC 9110 section 15.5.6)', async () => {
    for (const [method, path, allow] of [
      ['PATCH', '/v1/head', 'GET, HEAD'],
      ['DELETE', '/v1/blocks/1', 'GET, HEAD'],
      ['GET', '/v1/events', 'POST'],
      ['PUT', '/tile/0/000', 'GET, HEAD'],
    ] as const) {
      const r = await fetch(`${base}${path}`, { method });
      expect([r.status, r.headers.get('allow')], `${method} ${path}`).toEqual([405, allow]);
      expect((await r.json()).code).toBe('METHOD_NOT_ALLOWED');
    }
    expect((await fetch(`${base}/v1/nothing`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('the auditor\'s chain source over HTTP', () => {
  it('gives the genesis, the head height and each block with its commit as stored', async () => {
    const src = new HttpChainSource(base);
    expect(toHex(await src.genesisBytes())).toBe(toHex(chain.genesis.bytes));
    expect(await src.headHeight()).toBe(chain.height);
    const b = await src.block(2n);
    expect(toHex(b!.block)).toBe(toHex((await chain.core.blocks.blockBytes(2n))!));
    expect(toHex(b!.commit)).toBe(toHex(encode('Commit', (await chain.core.blocks.commit(2n))!)));
    expect(await src.block(chain.height + 5n)).toBeUndefined();
    await expect(new HttpChainSource('http://127.0.0.1:1').headHeight()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // the auditor over it: every block verified at the merkle level; another anchor is a finding
    const report = await audit({ source: src, anchor: chain.genesis, level: 'merkle' });
    expect(report.ok, JSON.stringify(report.finding)).toBe(true);
    expect(report.verifiedHeight).toBe(chain.height.toString());
    const other = (await TestChain.create({ authorities: ['authority.other'] })).genesis;
    const bad = await audit({ source: src, anchor: other, level: 'headers' });
    expect(bad.ok).toBe(false);
    expect(bad.findings.map((f) => f.code)).toContain('GENESIS_MISMATCH');
    expect(() => new HttpChainSource('ftp://x')).toThrow(/http/);
  });
});

describe('bad input', () => {
  const cases: Array<[string, number, string]> = [
    ['/v1/blocks/0', 400, 'BAD_ARGUMENT'],
    ['/v1/blocks/abc', 400, 'BAD_ARGUMENT'],
    ['/v1/blocks/01', 400, 'BAD_ARGUMENT'],
    ['/v1/blocks/99999999999999999999999', 400, 'BAD_ARGUMENT'],
    ['/v1/blocks/999', 404, 'NOT_FOUND'],
    ['/v1/blocks/2/raw?x=1', 400, 'BAD_ARGUMENT'],
    ['/v1/headers/-1', 400, 'BAD_ARGUMENT'],
    ['/v1/headers?limit=0', 400, 'BAD_ARGUMENT'],
    ['/v1/headers?limit=1&limit=2', 400, 'BAD_ARGUMENT'],
    ['/v1/events/xyz', 400, 'BAD_ARGUMENT'],
    ['/v1/events/%E0%A4%A', 400, 'BAD_ARGUMENT'],
    ['/v1/certificates/bad%20id', 400, 'BAD_ARGUMENT'],
    ['/v1/certificates/' + 'a'.repeat(65), 400, 'BAD_ARGUMENT'],
    ['/v1/certificates', 400, 'BAD_ARGUMENT'],
    ['/v1/certificates?issuer=a&holder=b', 400, 'BAD_ARGUMENT'],
    ['/v1/certificates?holder=12', 400, 'BAD_ARGUMENT'],
    ['/v1/certificates/NOPE', 404, 'NOT_FOUND'],
    ['/v1/grants?activeAt=-5', 400, 'BAD_ARGUMENT'],
    ['/v1/resources?shareType=SOMETIMES', 400, 'BAD_ARGUMENT'],
    ['/v1/departments?cursor=zz', 400, 'BAD_ARGUMENT'],
    ['/v1/departments?cursor=0', 400, 'BAD_ARGUMENT'],
    ['/v1/departments?limit=1001', 400, 'BAD_ARGUMENT'],
    ['/v1/rejected?code=NOT_A_CODE', 400, 'BAD_ARGUMENT'],
    ['/v1/rejected?code=0', 400, 'BAD_ARGUMENT'],
    ['/v1/access', 400, 'BAD_ARGUMENT'],
    ['/v1/proofs/consistency', 400, 'BAD_ARGUMENT'],
    ['/v1/proofs/consistency?from=10&to=5', 400, 'BAD_ARGUMENT'],
    ['/v1/proofs/consistency?from=1&to=100000', 404, 'NOT_FOUND'],
    ['/v1/departments/x/next-sequence', 404, 'NOT_FOUND'],
    ['/v1/genesis?format=xml', 400, 'BAD_ARGUMENT'],
    ['/v1/status?verbose=1', 400, 'BAD_ARGUMENT'],
    ['/tile/0/1', 400, 'BAD_ARGUMENT'],
    ['/tile/00/000', 400, 'BAD_ARGUMENT'],
    ['/tile/64/000', 400, 'BAD_ARGUMENT'],
    ['/tile/0/000.p/0', 400, 'BAD_ARGUMENT'],
    ['/tile/0/000.p/256', 400, 'BAD_ARGUMENT'],
    ['/tile/0/x000/001', 400, 'BAD_ARGUMENT'],
    ['/tile/0/999', 404, 'NOT_FOUND'],
    ['/tile/2/000', 404, 'NOT_FOUND'],
    ['/nowhere', 404, 'NOT_FOUND'],
  ];
  it.each(cases)('GET %s answers %i %s', async (path, status, code) => {
    const r = await get(path);
    expect(r.status, JSON.stringify(r.json)).toBe(status);
    expect(r.json.code).toBe(code);
    expect(typeof r.json.message).toBe('string');
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('answers every documented route, with every parameter malformed, with a 4xx and a code (never a 5xx)', async () => {
    const doc = (await get('/v1/openapi.json')).json;
    const junk = ['%00', 'a%20b', 'x'.repeat(3000), '-1', '1.5', '0x10', '%F0%9F%98%80', '..', 'null', '[]'];
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const params = (op.parameters ?? []) as Array<{ name: string; in: string }>;
        const good: Record<string, string> = { height: '1', eventId: 'ab'.repeat(32), certificateId: 'BDC:110105:2026-0001', requestId: 'req-1', resourceId: 'res.house', departmentId: 'dept.tax', level: '0', index: '000' };
        for (const p of params) {
          for (const j of junk) {
            let url = path.replace(/\{([A-Za-z]+)\}/g, (_m, n: string) => (n === p.name ? j : (good[n] ?? 'x')));
            if (p.in === 'query') url += `?${p.name}=${j}`;
            const r = await fetch(`${base}${url}`, { method: method.toUpperCase(), ...(method === 'post' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
            const text = await r.text();
            expect(r.status, `${method} ${url.slice(0, 120)}: ${text.slice(0, 200)}`).toBeLessThan(500);
            if (r.status >= 400) expect(JSON.parse(text).code, url.slice(0, 120)).toMatch(/^[A-Z_]+$/);
            checked++;
          }
        }
        // an unknown parameter, and a repeated one
        const plain = path.replace(/\{([A-Za-z]+)\}/g, (_m, n: string) => good[n] ?? 'x');
        const r = await fetch(`${base}${plain}?nonsense=1`, { method: method.toUpperCase() });
        expect([r.status, (await r.json()).code], plain).toEqual([400, 'BAD_ARGUMENT']);
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('refuses malformed, oversized and mistyped bodies with a 4xx and a code', async () => {
    const bad: Array<[BodyInit, string, number, string]> = [
      [new Uint8Array([1, 2, 3]), 'application/octet-stream', 400, 'MALFORMED'],
      [new Uint8Array(70 * 1024), 'application/octet-stream', 413, 'PAYLOAD_TOO_LARGE'],
      ['{"body": 5}', 'application/json', 400, 'BAD_ARGUMENT'],
      ['{"body": "AA==", "signature": "AA==", "extra": 1}', 'application/json', 400, 'BAD_ARGUMENT'],
      ['{not json', 'application/json', 400, 'MALFORMED'],
      ['[]', 'application/json', 400, 'BAD_ARGUMENT'],
      ['hello', 'text/plain', 400, 'BAD_ARGUMENT'],
      ['{"body": "!!!!", "signature": "AA=="}', 'application/json', 400, 'BAD_ARGUMENT'],
    ];
    for (const [body, type, status, code] of bad) {
      const r = await post('/v1/events', body, type);
      expect([r.status, r.json.code], `${type} ${String(body).slice(0, 20)}`).toEqual([status, code]);
    }
    // a well-formed event with a bad signature, another channel, an unknown department
    const w = chain.w;
    const e = w.event('dept.tax', request('req-9', 'res.house', ['面积']), { sequence: 3n });
    const forged = { body: e.body, signature: new Uint8Array(64).fill(7) };
    expect((await post('/v1/events', wire(forged), 'application/octet-stream')).json.code).toBe('BAD_SIGNATURE');
    const other = w.event('dept.tax', request('req-9', 'res.house', ['面积']), { sequence: 3n, channel: 'other' });
    expect((await post('/v1/events', wire(other), 'application/octet-stream')).status).toBe(422);
    const nobody = w.event('dept.nobody', request('req-9', 'res.house', ['面积']), { sequence: 1n });
    expect((await post('/v1/events', wire(nobody), 'application/octet-stream')).json.code).toBe('CHECK_FAILED');
    expect((await post('/v1/events?wait=later', wire(e), 'application/octet-stream')).json.code).toBe('BAD_ARGUMENT');
    expect((await post('/v1/events?timeoutMs=0', wire(e), 'application/octet-stream')).json.code).toBe('BAD_ARGUMENT');
    w.nextSeq.set('dept.tax', 3n);
  });
});

describe('submission and the stream', () => {
  it('commits with ?wait=commit, streams it, answers a resend with its receipt, and a wrong sequence with 409 and the expected one', async () => {
    const w = chain.w;
    const messages: any[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream?department=dept.tax`);
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));

    const wrong = w.event('dept.tax', request('req-5', 'res.house', ['面积']), { sequence: 9n });
    const r409 = await post('/v1/events', wire(wrong), 'application/octet-stream');
    expect(r409.status).toBe(409);
    expect(r409.json.details.expected).toBe('3');

    const e = w.event('dept.tax', request('req-3', 'res.house', ['面积']));
    const json = JSON.stringify({ body: Buffer.from(e.body).toString('base64'), signature: Buffer.from(e.signature).toString('base64') });
    const r = await post('/v1/events?wait=commit&timeoutMs=10000', json, 'application/json');
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ status: 'committed', resultName: 'OK', sequence: '3', departmentId: 'dept.tax' });
    const p = r.json.inclusionProof;
    expect(verifyInclusion(leafHash(eventId(e.body)), BigInt(p.leafIndex), BigInt(p.logSize), p.hashes.map(fromHex), fromHex(p.logRoot)).ok).toBe(true);

    // a byte-identical resend: its receipt again; the next sequence is 4 now
    const again = await post('/v1/events', wire(e), 'application/octet-stream');
    expect([again.status, again.json.eventId, again.json.height]).toEqual([200, toHex(eventId(e.body)), r.json.height]);
    expect((await get('/v1/departments/dept.tax/next-sequence')).json.nextSequence).toBe('4');

    // without waiting: 202 and a queued receipt with its offset
    const e2 = w.event('dept.tax', request('req-4', 'res.house', ['面积']));
    const q = await post('/v1/events', wire(e2), 'application/octet-stream');
    expect(q.status).toBe(202);
    expect(q.json).toMatchObject({ status: 'queued', sequence: '4', partition: 0 });

    await expect.poll(() => messages.filter((m) => m.type === 'event').map((m) => m.sequence), { timeout: 5000 }).toEqual(['3', '4']);
    expect(messages[0].type).toBe('hello');
    const headerOfEvent = messages.find((m) => m.type === 'header' && m.height === r.json.height);
    expect(headerOfEvent).toMatchObject({ eventCount: '1' });
    expect(messages.indexOf(headerOfEvent)).toBeLessThan(messages.findIndex((m) => m.type === 'event'));
    ws.close();
  });

  it('replays headers from a height and refuses bad stream parameters', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream?from=1`);
    const got: any[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d))));
    await expect.poll(() => got.filter((m) => m.type === 'header').length, { timeout: 5000 }).toBe(Number(chain.height));
    expect(got.filter((m) => m.type === 'header').map((m) => m.height)).toEqual(Array.from({ length: Number(chain.height) }, (_, i) => String(i + 1)));
    ws.close();
    for (const q of ['?from=0', '?department=a%20b', '?x=1', '']) {
      const path = q === '' ? '/v1/elsewhere' : `/v1/stream${q}`;
      const status = await new Promise<number>((resolve) => {
        const bad = new WebSocket(`${base.replace('http', 'ws')}${path}`);
        bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        bad.on('error', () => undefined);
      });
      expect(status, path).toBe(q === '' ? 404 : 400);
    }
  });

  it('survives clients that reset refused upgrade connections (no uncaught socket error)', async () => {
    const port = Number(new URL(base).port);
    for (const path of ['/nope', '/v1/stream?from=abc', '/v1/stream?x=1']) {
      for (let i = 0; i < 10; i++) {
        await new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
            setTimeout(() => {
              socket.resetAndDestroy();
              resolve();
            }, i % 2 === 0 ? 0 : 5);
          });
          socket.on('error', () => resolve());
        });
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    const r = await fetch(`${base}/v1/head`);
    expect(r.status).toBe(200);
  });
});

describe('C2SP checkpoint and tiles', () => {
  it('serve a checkpoint whose note signatures verify and tiles from which the log and its proofs are recomputed', async () => {
    const cp = await fetch(`${base}/checkpoint`);
    expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const note = await cp.text();
    const keys = (await get('/v1/note-keys')).json.verifierKeys as string[];
    expect(keys).toEqual(noteVerifierKeys(chain.genesis));
    // the key ids and signature lines as the signed-note text defines them
    const origin = `ledger/property/${toHex(chain.genesis.hash).slice(0, 16)}`;
    expect(keys).toEqual([verifierKeyFromSpec(`${origin}/node-1`, chain.genesis.genesis.nodes[0]!.publicKey)]);
    const [text, sigs] = note.split('\n\n') as [string, string];
    expect(text.split('\n')).toEqual([origin, expect.stringMatching(/^[1-9][0-9]*$/), expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/)]);
    expect(sigs).toMatch(new RegExp(`^\u2014 ${origin.replace(/[.]/g, '\\.')}/node-1 [A-Za-z0-9+/]{91}=\n$`));
    const v = verifyCheckpointNote(note, keys);
    expect(v.origin).toBe(`ledger/property/${toHex(chain.genesis.hash).slice(0, 16)}`);
    expect(v.signedBy).toEqual([`${v.origin}/node-1`]);
    const head = (await get('/v1/head')).json.header;
    expect(String(v.size)).toBe(head.logSize);
    expect(toHex(v.root)).toBe(head.logRoot);

    const tiles = new TileClient(base, v.size);
    expect(toHex(await tiles.range(0, v.size))).toBe(toHex(v.root));
    // level 1 partial tile (width floor(size/256)) holds the roots of the full level-0 tiles
    const level1 = await tiles.tile(1, 0);
    expect(level1).toHaveLength(Math.floor(v.size / 256));
    expect(toHex(level1[1]!)).toBe(toHex(await tiles.range(256, 256)));
    // entries hash to the level-0 tile's leaves, and are the chain's event ids in log order
    const entries = await tiles.entries(0);
    const leaves = await tiles.tile(0, 0);
    expect(entries.map((e) => toHex(leafHashOf(e)))).toEqual(leaves.map(toHex));
    const block1 = await chain.core.blocks.block(1n);
    expect(toHex(entries[0]!)).toBe(toHex(eventId(block1!.events[0]!.event!.body)));
    // inclusion and consistency proofs recomputed from tiles match the API's
    for (const m of [0, 3, 255, 256, v.size - 1]) {
      const id = (await tiles.entries(Math.floor(m / 256)))[m % 256]!;
      const api = (await get(`/v1/events/${toHex(id)}`)).json.inclusionProof;
      expect((await tiles.inclusionProof(m)).map(toHex), `inclusion of ${m}`).toEqual(api.hashes);
    }
    for (const old of [1, 4, 256, 300]) {
      const api = (await get(`/v1/proofs/consistency?from=${old}&to=${v.size}`)).json;
      expect((await tiles.consistencyProof(old)).map(toHex), `consistency from ${old}`).toEqual(api.hashes);
    }
    // tile bytes are exact: a full tile is 8,192 bytes; a partial one of the wrong width is not served
    const full = await fetch(`${base}/tile/0/000`);
    expect((await full.arrayBuffer()).byteLength).toBe(8192);
    expect((await fetch(`${base}/tile/0/002.p/255`)).status).toBe(404);
  });
});

describe('OpenAPI document', () => {
  it('documents every express route, and every documented route exists', async () => {
    const doc = (await get('/v1/openapi.json')).json;
    expect(doc.openapi).toMatch(/^3\./);
    const ids = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) for (const m of Object.keys(ops)) documented.add(`${m} ${path}`);
    // the express router's own table
    const registered = new Set<string>();
    const stack = (api.app as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
    // (the 405 answers are `app.all` layers: every method, TRACE among them, which no route serves)
    const answers405 = new Set<string>();
    for (const layer of stack) {
      if (!layer.route) continue;
      if (layer.route.methods.trace) answers405.add(layer.route.path);
      else for (const m of Object.keys(layer.route.methods)) registered.add(`${m} ${layer.route.path}`);
    }
    const expected = new Set(api.routes.map((r) => `${r.method} ${expressPathOf(r)}`));
    expect(registered).toEqual(expected);
    expect(answers405).toEqual(new Set(api.routes.map((r) => expressPathOf(r))));
    expect(new Set(api.routes.map((r) => `${r.method} ${r.path}`))).toEqual(documented);
    // each documented GET path answers something other than "no route" once its parameters are filled
    for (const key of documented) {
      const [method, path] = key.split(' ') as [string, string];
      if (method !== 'get') continue;
      const filled = path.replace('{height}', '1').replace('{eventId}', 'ab'.repeat(32)).replace('{certificateId}', 'BDC:110105:2026-0001').replace('{requestId}', 'req-1').replace('{level}', '0').replace('{index}', '000').replace(/\{[A-Za-z]+\}/g, 'x');
      const r = await get(filled);
      expect(r.json?.message ?? '', filled).not.toMatch(/^no route/);
    }
    // every parameter is declared with a schema; every path template has its path parameter; every operation has error responses
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(ops)) {
        const templated = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]).sort();
        expect((op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort(), path).toEqual(templated);
        expect(op.operationId).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(op.responses['4XX']).toBeDefined();
        for (const p of op.parameters ?? []) expect(p.schema).toBeDefined();
      }
    }
  });
});

describe('the reader page', () => {
  it('is served at / from the reader folder when it exists, beside the API', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'reader-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>reader</title>');
    const withReader = createApi(api.ctx, { access: { mode: 'open-loopback' }, readerDir: dir, log: () => undefined });
    const s = createServer(withReader.app);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>reader</title>');
      expect((await fetch(`${url}/v1/head`)).status).toBe(200);
      expect((await (await fetch(`${url}/missing.js`)).json()).code).toBe('NOT_FOUND');
    } finally {
      withReader.close();
      await new Promise((r) => s.close(r));
    }
  });
});

describe('the submission queue when Kafka fails', () => {
  it('fails the events queued behind a failed send, and frees their numbers', async () => {
    let sends = 0;
    const submitter = new Submitter({
      genesis: chain.genesis,
      blocks: chain.core.blocks,
      merkle: chain.core.merkle,
      state: chain.core.state,
      projections: chain.projections!,
      produce: async () => {
        sends++;
        await new Promise((r) => setTimeout(r, 30));
        throw new LedgerError('UNAVAILABLE', 'the broker is down', {});
      },
      status: () => ({ phase: 'consuming' }),
    } as never);
    const before = (await submitter.expectedSequence('dept.bdc'))!.expected;
    const w = chain.w;
    const first = submitter.submit(encode('SignedEvent', w.event('dept.bdc', certIssued('BDC:q:1'), { sequence: before })));
    // accepted while the first send is in flight: it counts the first as queued
    const second = submitter.submit(encode('SignedEvent', w.event('dept.bdc', certIssued('BDC:q:2'), { sequence: before + 1n })));
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(second).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sends).toBe(1); // the second was never sent on top of the failed first
    expect((await submitter.expectedSequence('dept.bdc'))!.expected).toBe(before);
  });
});
