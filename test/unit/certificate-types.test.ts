/**
 * Certificate types by name (issue 24) from the chain to the reader, over a real chain core
 * (test/helpers/chain.ts, rules version 2): the catalogue route lists what the authority
 * registered (GET /v1/certificate-types[/{id}], a department's or the auditor's signed read in the
 * signed mode); a bundle proves the name with the certificate's record, in the compact form (the
 * record derived from the issue event) and in the full form (after a transfer), so that an offline
 * verifier shows 不动产权证书 (BDC) without asking anyone; a certificate issued without a name shows
 * the code alone. The rules themselves: test/unit/scenarios/certificate-types.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeResult } from '../../cli/commands/proof.js';
import { toHex } from '../../ledger/bytes.js';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import { signedFetch, type RequestSigner } from '../../producers/signed-fetch.js';
import { decode } from '../../proto/codec.js';
import { signEd25519 } from '../../ledger/signature.js';
import { certificateTypeLabel, verifyBundle } from '../../verifier/bundle-verify.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { TestChain } from '../helpers/chain.js';
import { b32, certIssued } from '../helpers/payloads.js';
import { AUTHORITY, seedOf } from '../helpers/world.js';

const NAME = '不动产权证书';
const NAMED = 'BDC:110105:2026-0001';
const UNNAMED = 'BDC:110105:2026-0002';
const MOVED = 'BDC:110105:2026-0003';

let chain: TestChain;
let open: TestApi;
let signed: TestApi;

const dept = (id: string): RequestSigner => ({ keyid: `department/${id}/1`, sign: (m) => signEd25519(seedOf(`${id}#1`), m) });

beforeAll(async () => {
  chain = await TestChain.create({ rulesVersion: 2 });
  const w = chain.w;
  await chain.block([w.register('dept.realestate', { certificateTypeIds: ['BDC', 'JZZ'] }), w.register('bank.city')]);
  await chain.block([
    w.event(AUTHORITY, { certificateTypeRegistered: { certificateTypeId: 'JZZ', name: '居住证' } }),
    w.event(AUTHORITY, { certificateTypeRegistered: { certificateTypeId: 'BDC', name: NAME } }),
  ]);
  await chain.block([
    w.event('dept.realestate', certIssued(NAMED, 'BDC', { certificateTypeName: NAME })),
    w.event('dept.realestate', certIssued(UNNAMED, 'BDC')),
    w.event('dept.realestate', certIssued(MOVED, 'BDC', { certificateTypeName: NAME })),
  ]);
  await chain.block([w.event('dept.realestate', { certificateTransferred: { certificateId: MOVED, newHolderCommitment: b32(9), documentSha256: new Uint8Array(0), reason: '买卖' } })]);
  open = await startTestApi(chain, { log: () => undefined });
  signed = await startTestApi(chain, { log: () => undefined, access: { mode: 'signed' } });
});

afterAll(async () => {
  await open?.stop();
  await signed?.stop();
});

async function get(path: string, signer?: RequestSigner, base = open.base): Promise<{ status: number; json: any }> {
  const r = await signedFetch(signer, `${base}${path}`, {});
  return { status: r.status, json: JSON.parse(await r.text()) };
}

describe('the catalogue route (GET /v1/certificate-types)', () => {
  it('lists the named types by id, pages them, and serves one', async () => {
    const all = await get('/v1/certificate-types');
    expect(all.status).toBe(200);
    expect(all.json.items.map((t: any) => [t.certificateTypeId, t.name])).toEqual([
      ['BDC', NAME],
      ['JZZ', '居住证'],
    ]);
    expect(all.json.items[0].definingEvent.height).toBe('2');
    const first = await get('/v1/certificate-types?limit=1');
    expect(first.json.items.map((t: any) => t.certificateTypeId)).toEqual(['BDC']);
    const second = await get(`/v1/certificate-types?limit=1&cursor=${first.json.next}`);
    expect(second.json.items.map((t: any) => t.certificateTypeId)).toEqual(['JZZ']);
    expect(await get('/v1/certificate-types/BDC')).toMatchObject({ status: 200, json: { certificateTypeId: 'BDC', name: NAME } });
  });

  it('answers 404 for a type the catalogue does not name, 400 for a bad id or an unknown parameter', async () => {
    expect(await get('/v1/certificate-types/XYZ')).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
    expect(await get(`/v1/certificate-types/${encodeURIComponent('不动产')}`)).toMatchObject({ status: 400, json: { code: 'BAD_ARGUMENT' } });
    expect(await get('/v1/certificate-types/BDC?x=1')).toMatchObject({ status: 400, json: { code: 'BAD_ARGUMENT' } });
    expect(await get('/v1/certificate-types?limit=0')).toMatchObject({ status: 400, json: { code: 'BAD_ARGUMENT' } });
  });

  it('in the signed mode, is the catalogue: any registered department reads it, an unsigned caller does not', async () => {
    expect((await get('/v1/certificate-types', undefined, signed.base)).status).toBe(401);
    expect(await get('/v1/certificate-types/BDC', dept('bank.city'), signed.base)).toMatchObject({ status: 200, json: { name: NAME } });
    expect((await get('/v1/certificate-types', dept('dept.realestate'), signed.base)).json.items).toHaveLength(2);
  });
});

describe('the name in a proof bundle, verified offline', () => {
  const source = () => ({ genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state });
  const verify = async (id: string) => {
    const bundle = await buildProofBundle(source(), { kind: 'certificate', id });
    const head = (await chain.core.blocks.header(chain.height))!;
    return { bundle, result: verifyBundle(bundle, chain.genesis.bytes, { nowMs: head.blockTimeMs + 1000n }) };
  };

  it('the compact form derives the name from the issue event; the summary, ledger verify and the page show 不动产权证书 (BDC)', async () => {
    const { bundle, result } = await verify(NAMED);
    // compact: the record is not in the bundle, the issue event is
    const b = decode('ProofBundle', bundle);
    expect([b.certificate === undefined, b.event !== undefined]).toEqual([true, true]);
    expect(result.verdict).toBe('VALID');
    expect(result.summary).toMatchObject({ kind: 'certificate', certificateTypeId: 'BDC', certificateTypeName: NAME });
    expect(certificateTypeLabel(result.summary as { certificateTypeId: string; certificateTypeName: string })).toBe(`${NAME} (BDC)`);
    expect(describeResult(result)).toContain(`  type ${NAME} (BDC), issuer dept.realestate`);
  });

  it('the full form (a transferred certificate) carries the record, name included', async () => {
    const { bundle, result } = await verify(MOVED);
    const b = decode('ProofBundle', bundle);
    expect(b.certificate?.certificateTypeName).toBe(NAME);
    expect(result.verdict).toBe('VALID');
    expect(result.summary).toMatchObject({ certificateTypeName: NAME });
    expect(describeResult(result)).toContain(`type ${NAME} (BDC)`);
  });

  it('a changed name breaks the record proof: the name is proved, not shown on trust', async () => {
    const { bundle } = await verify(MOVED);
    const b = decode('ProofBundle', bundle);
    const text = toHex(bundle);
    const forged = text.replace(toHex(new TextEncoder().encode(NAME)), toHex(new TextEncoder().encode('房屋所有权证')));
    expect(forged).not.toBe(text);
    expect(b.certificate).toBeDefined();
    const head = (await chain.core.blocks.header(chain.height))!;
    const r = verifyBundle(Uint8Array.from(Buffer.from(forged, 'hex')), chain.genesis.bytes, { nowMs: head.blockTimeMs + 1000n });
    expect([r.verdict, r.reasons[0]?.code]).toEqual(['INVALID', 'RECORD_PROOF_INVALID']);
  });

  it('a certificate issued without the name shows the code alone', async () => {
    const { result } = await verify(UNNAMED);
    expect(result.verdict).toBe('VALID');
    expect(result.summary).toMatchObject({ certificateTypeId: 'BDC', certificateTypeName: '' });
    expect(describeResult(result)).toContain('  type BDC, issuer dept.realestate');
  });
});
