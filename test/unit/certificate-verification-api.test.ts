/**
 * 用证留痕 (issue 24): a bank's online verification through the API leaves a CertificateVerified
 * event signed by the bank, which the holder finds with `ledger trail --certificate`; the request
 * must be signed by the department that signed the event (the node never signs for a bank); an
 * offline check (a bundle fetched and verified) leaves nothing. Over a real chain core (test/helpers/chain.ts),
 * the API in its signed mode (whose public trail index serves the holder, api/routes-trail.ts), and
 * an open one over the same chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanVerifications } from '../../exchange/trail-scan.js';
import { certificateTrailKey } from '../../verifier/trail.js';
import { signEd25519 } from '../../ledger/signature.js';
import { encode } from '../../proto/codec.js';
import type { SignedEvent } from '../../proto/schema.generated.js';
import { signedFetch, type RequestSigner } from '../../producers/signed-fetch.js';
import { bundleFromJson, verifyBundle } from '../../verifier/bundle-verify.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { TestChain } from '../helpers/chain.js';
import { runCliAsync } from '../helpers/cli.js';
import { certIssued } from '../helpers/payloads.js';
import { seedOf } from '../helpers/world.js';

const CHECKED = 'BDC:110105:2026-0001';
const ONLY_OFFLINE = 'BDC:110105:2026-0002';
const PURPOSE = '抵押贷款审查';

let chain: TestChain;
let signed: TestApi;
let open: TestApi;

const dept = (id: string): RequestSigner => ({ keyid: `department/${id}/1`, sign: (m) => signEd25519(seedOf(`${id}#1`), m) });
const wire = (e: SignedEvent): Uint8Array => encode('SignedEvent', e);

async function post(signer: RequestSigner | undefined, certificateId: string, body: Uint8Array) {
  const r = await signedFetch(signer, `${signed.base}/v1/certificates/${encodeURIComponent(certificateId)}/verifications`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  const text = await r.text();
  return { status: r.status, json: JSON.parse(text) };
}

beforeAll(async () => {
  chain = await TestChain.create({ maxBlockEvents: 100, rulesVersion: 2 });
  const w = chain.w;
  await chain.block([w.register('dept.bdc', { certificateTypeIds: ['BDC'] }), w.register('bank.city'), w.register('bank.other')]);
  await chain.block([w.event('dept.bdc', certIssued(CHECKED)), w.event('dept.bdc', certIssued(ONLY_OFFLINE))]);
  signed = await startTestApi(chain, { log: () => undefined, access: { mode: 'signed' } });
  open = await startTestApi(chain, { log: () => undefined });
});

afterAll(async () => {
  await signed?.stop();
  await open?.stop();
});

describe('an online verification through the API (用证留痕)', () => {
  it('refuses a check the caller did not sign itself, an unsigned one, and one about another certificate, recording nothing', async () => {
    const w = chain.w;
    const height = chain.height;
    const banks = w.event('bank.city', { certificateVerified: { certificateId: CHECKED, purpose: PURPOSE } }, { sequence: 1n });
    const unsigned = await post(undefined, CHECKED, wire(banks));
    expect([unsigned.status, unsigned.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    // another bank relaying the city bank's event: the request's signer must be the event's
    const relayed = await post(dept('bank.other'), CHECKED, wire(banks));
    expect([relayed.status, relayed.json.code]).toEqual([403, 'FORBIDDEN']);
    const elsewhere = await post(dept('bank.city'), ONLY_OFFLINE, wire(banks));
    expect([elsewhere.status, elsewhere.json.code]).toEqual([400, 'BAD_ARGUMENT']);
    const notAVerification = await post(dept('bank.city'), CHECKED, wire(w.event('bank.city', certIssued('BDC:x:1'), { sequence: 1n })));
    expect([notAVerification.status, notAVerification.json.code]).toEqual([400, 'BAD_ARGUMENT']);
    expect(chain.height).toBe(height);
  });

  it("commits the bank's signed record and answers with a bundle that includes it; the holder's trail lists it; an offline check leaves nothing", async () => {
    const w = chain.w;
    const event = w.event('bank.city', { certificateVerified: { certificateId: CHECKED, purpose: PURPOSE } }, { sequence: 1n });
    const r = await post(dept('bank.city'), CHECKED, wire(event));
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const v = r.json.verification;
    expect(v).toMatchObject({ status: 'committed', departmentId: 'bank.city', resultName: 'OK', recordTimeMs: expect.stringMatching(/^[1-9]\d*$/) });
    // the bundle is against a head that holds the record, and verifies offline as VALID
    const bundle = bundleFromJson(r.json.bundle);
    const verdict = verifyBundle(bundle, chain.genesis.bytes, { nowMs: 2_000_000n });
    expect(verdict.verdict).toBe('VALID');
    expect(BigInt(verdict.header!.height)).toBeGreaterThanOrEqual(BigInt(v.height));

    // the offline check of the other certificate: its bundle fetched and verified, no record made
    const before = chain.height;
    const got = await fetch(`${open.base}/v1/certificates/${encodeURIComponent(ONLY_OFFLINE)}/bundle`);
    expect(verifyBundle(new Uint8Array(await got.arrayBuffer()), chain.genesis.bytes, { nowMs: 2_000_000n }).verdict).toBe('VALID');
    expect(chain.height).toBe(before);

    // the holder's view: who checked, which certificate, when, why; with its inclusion proof
    // through the signed node's public trail index, unsigned: the holder has no key
    const trail = await scanVerifications(signed.base, CHECKED);
    expect(trail.map((e) => [e.verifierDepartmentId, e.certificateId, e.purpose, e.resultName, e.recordTimeMs, e.eventId, e.inclusion?.verified])).toEqual([
      ['bank.city', CHECKED, PURPOSE, 'OK', v.recordTimeMs, v.eventId, true],
    ]);
    expect(await scanVerifications(signed.base, ONLY_OFFLINE)).toEqual([]);
    // the index names no certificate, only its hash; the event is served for its certificate and no other
    const index = (await (await fetch(`${signed.base}/v1/trail/index`)).json()) as { entries: Array<Record<string, string>> };
    expect(index.entries.filter((e) => e.kind === 'verification')).toEqual([{ eventId: v.eventId, height: trail[0]!.height, logPosition: trail[0]!.logPosition, kind: 'verification', certificateKey: certificateTrailKey(CHECKED) }]);
    expect(JSON.stringify(index)).not.toContain(CHECKED);
    expect((await fetch(`${signed.base}/v1/trail/events/${v.eventId}?certificateId=${encodeURIComponent(ONLY_OFFLINE)}`)).status).toBe(404);
    expect((await fetch(`${signed.base}/v1/trail/events/${v.eventId}?certificateId=${encodeURIComponent(CHECKED)}`)).status).toBe(200);
    // whole blocks and events by id stay signed-only
    expect((await fetch(`${signed.base}/v1/events/${v.eventId}`)).status).toBe(401);

    // the same through the CLI
    const cli = await runCliAsync(['trail', '--certificate', CHECKED, '--api', signed.base, '--json']);
    expect(cli.status, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as { verifications: Array<{ eventId: string }> }).verifications.map((e) => e.eventId)).toEqual([v.eventId]);
    const text = await runCliAsync(['trail', '--certificate', CHECKED, '--api', open.base]);
    expect(text.stdout).toContain(`1 条用证记录 (recorded verifications) of ${CHECKED}`);
    expect(text.stdout).toContain(`bank.city 核验 verified, 用途 purpose ${PURPOSE}`);
    const neither = await runCliAsync(['trail', '--api', open.base]);
    expect(neither.status).not.toBe(0);
    expect(neither.stderr).toContain('give exactly one of --subject-secret');
  });
});
