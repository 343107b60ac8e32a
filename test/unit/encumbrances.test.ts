/**
 * Encumbrances on a certificate (他项权利, rules version 2; issue 24; ledger/rules/encumbrances.ts)
 * through the real state machine and node core, and what a bank's clerk reads from the bundle
 * (verifier/bundle-verify.ts): a second bank sees the first mortgage (rank 1) before it lends and
 * its own takes rank 2; a seizure (查封) blocks a transfer (CERT_SEIZED) and is a warning first in
 * the reasons; after a transfer the previous holder's check says SUPERSEDED with the transfer's
 * time; a verification record (用证留痕) changes nothing; a rules-version-1 chain drops them all.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import { commitment } from '../../ledger/commitment.js';
import { decode } from '../../proto/codec.js';
import { verifyBundle, type VerifyResult } from '../../verifier/bundle-verify.js';
import type { CertificateSummary } from '../../verifier/bundle-types.js';
import { bytes32, TestChain } from '../helpers/chain.js';
import { certIssued } from '../helpers/payloads.js';

const REGISTRY = 'dept.realestate';
const BANK_A = 'bank.icbc';
const BANK_B = 'bank.ccb';
const COURT = 'court.chaoyang';
const COURT_2 = 'court.haidian';
const CERT = '11100000MB0000000X:BDC:2026-000777';
const OWNER = { id: '110101199001011234', salt: bytes32('owner-salt') };
const BUYER = { id: '110101198505051234', salt: bytes32('buyer-salt') };

let chain: TestChain;
const mortgage = (creditor: string, amountYuan: bigint) => ({ mortgageRegistered: { certificateId: CERT, creditorDepartmentId: creditor, amountYuan } });
const seize = (caseNumber: string) => ({ seizureRegistered: { certificateId: CERT, caseNumber } });
const transfer = () => ({ certificateTransferred: { certificateId: CERT, newHolderCommitment: commitment(BUYER.id, BUYER.salt), documentSha256: bytes32('doc:transfer'), reason: '买卖' } });

async function check(holder?: { id: string; salt: Uint8Array }): Promise<{ r: VerifyResult; s: CertificateSummary; bytes: Uint8Array }> {
  const bytes = await buildProofBundle({ genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state }, { kind: 'certificate', id: CERT });
  const head = await chain.core.blocks.header(chain.height);
  const r = verifyBundle(bytes, chain.genesis.bytes, { nowMs: head!.blockTimeMs + 1000n, ...(holder ? { holder } : {}) });
  return { r, s: r.summary as CertificateSummary, bytes };
}
// the deciding reasons, then the notes (encumbrances are notes: they never change the verdict)
const codes = (r: VerifyResult) => [...r.reasons, ...r.notes].map((x) => x.code);

beforeAll(async () => {
  chain = await TestChain.create({ rulesVersion: 2 });
  const w = chain.w;
  await chain.block([
    w.register(REGISTRY, { certificateTypeIds: ['BDC'] }),
    w.register(BANK_A),
    w.register(BANK_B),
    w.register(COURT, { seize: true }),
    w.register(COURT_2, { seize: true }),
  ]);
  await chain.block([w.event(REGISTRY, certIssued(CERT, 'BDC', { holderCommitment: commitment(OWNER.id, OWNER.salt) }))]);
}, 60_000);

describe('mortgages (抵押) on a certificate', () => {
  it('a second bank sees the first mortgage (rank 1) before it lends; its own takes rank 2', async () => {
    const w = chain.w;
    expect((await chain.block([w.event(REGISTRY, mortgage(BANK_A, 1_200_000n))])).codes).toEqual(['OK']);
    // bank B checks before lending: VALID, with the mortgage to bank A at rank 1 in the notes
    const before = await check(OWNER);
    expect(before.r.verdict).toBe('VALID');
    expect(codes(before.r)).toEqual(['MORTGAGED']);
    expect(before.s.encumbrances).toEqual([expect.objectContaining({ kind: 'MORTGAGE', rank: 1, rightHolderDepartmentId: BANK_A, amountYuan: '1200000' })]);
    expect(before.s.seized).toBe(false);
    expect((await chain.block([w.event(REGISTRY, mortgage(BANK_B, 300_000n))])).codes).toEqual(['OK']);
    const after = await check();
    expect(after.s.encumbrances.map((e) => [e.rank, e.rightHolderDepartmentId])).toEqual([
      [1, BANK_A],
      [2, BANK_B],
    ]);
    // still the compact form: the encumbrances travel beside the issue event
    const b = decode('ProofBundle', after.bytes);
    expect(b.certificate).toBeUndefined();
    expect(b.encumbrances).toHaveLength(2);
  });

  it('only the issuer registers and releases; a creditor must be registered; a released rank is gone', async () => {
    const w = chain.w;
    const r = await chain.block([
      w.event(BANK_A, mortgage(BANK_A, 1n)),
      w.event(REGISTRY, mortgage('bank.nowhere', 1n)),
      w.event(REGISTRY, { mortgageReleased: { certificateId: CERT, rank: 1 } }),
      w.event(REGISTRY, { mortgageReleased: { certificateId: CERT, rank: 1 } }),
      w.event(REGISTRY, { mortgageRegistered: { certificateId: 'no-such-cert', creditorDepartmentId: BANK_A, amountYuan: 1n } }),
    ]);
    expect(r.codes).toEqual(['NOT_ISSUER', 'UNKNOWN_DEPARTMENT', 'OK', 'ENCUMBRANCE_NOT_FOUND', 'CERT_NOT_FOUND']);
    expect((await check()).s.encumbrances.map((e) => [e.kind, e.rank, e.rightHolderDepartmentId])).toEqual([['MORTGAGE', 2, BANK_B]]);
  });
});

describe('seizures (查封) by a court', () => {
  it('only a court seizes; a seizure blocks a transfer and a new mortgage, and is the first warning', async () => {
    const w = chain.w;
    const r = await chain.block([w.event(BANK_A, seize('(2026)京0105执1号')), w.event(COURT, seize('(2026)京0105执1号')), w.event(COURT_2, seize('(2026)京0108执9号'))]);
    expect(r.codes).toEqual(['UNAUTHORIZED', 'OK', 'OK']);
    const blocked = await chain.block([w.event(REGISTRY, transfer()), w.event(REGISTRY, mortgage(BANK_A, 5n))]);
    expect(blocked.codes).toEqual(['CERT_SEIZED', 'CERT_SEIZED']);
    const { r: seen, s } = await check(OWNER);
    expect(seen.verdict).toBe('VALID');
    expect(codes(seen)).toEqual(['SEIZED', 'MORTGAGED']);
    expect(seen.notes[0]!.message).toMatch(/^WARNING/);
    expect(s.seized).toBe(true);
    expect(s.encumbrances.filter((e) => e.kind === 'SEIZURE').map((e) => [e.rank, e.rightHolderDepartmentId, e.caseNumber])).toEqual([
      [1, COURT, '(2026)京0105执1号'],
      [2, COURT_2, '(2026)京0108执9号'],
    ]);
  });

  it('only the seizing court lifts its seizure; once all are lifted the transfer goes through', async () => {
    const w = chain.w;
    const r = await chain.block([
      w.event(COURT_2, { seizureLifted: { certificateId: CERT, rank: 1 } }),
      w.event(COURT, { seizureLifted: { certificateId: CERT, rank: 1 } }),
      w.event(REGISTRY, transfer()),
      w.event(COURT_2, { seizureLifted: { certificateId: CERT, rank: 2 } }),
      w.event(REGISTRY, transfer()),
    ]);
    expect(r.codes).toEqual(['NOT_SEIZING_COURT', 'OK', 'CERT_SEIZED', 'OK', 'OK']);
  });
});

describe('after a transfer', () => {
  it("the previous holder's check says SUPERSEDED with the transfer's time; the new holder's passes; the mortgage stays", async () => {
    const { r, s } = await check(OWNER);
    expect(r.verdict).toBe('INVALID');
    expect(codes(r)[0]).toBe('SUPERSEDED');
    expect(s.transferredAtMs).not.toBe('0');
    expect(r.reasons[0]!.message).toContain(`transferred at ${s.transferredAtMs}`);
    expect(r.checks.holder).toBe('failed');
    const buyer = await check(BUYER);
    expect(buyer.r.verdict).toBe('VALID');
    expect(buyer.r.checks.holder).toBe('passed');
    expect(buyer.s.encumbrances.map((e) => [e.kind, e.rank])).toEqual([['MORTGAGE', 2]]);
    // a stranger is NOT_HOLDER, not superseded
    expect(codes((await check({ id: '110101200001011234', salt: bytes32('stranger') })).r)[0]).toBe('NOT_HOLDER');
  });
});

describe('用证留痕: a verification record', () => {
  it('any department records a check of an existing certificate; it changes no record', async () => {
    const w = chain.w;
    const before = (await check()).s;
    const r = await chain.block([
      w.event(BANK_B, { certificateVerified: { certificateId: CERT, purpose: '抵押贷款审查' } }),
      w.event(BANK_B, { certificateVerified: { certificateId: 'no-such-cert', purpose: '抵押贷款审查' } }),
      w.event(BANK_B, { certificateVerified: { certificateId: CERT, purpose: '' } }),
    ]);
    expect(r.codes).toEqual(['OK', 'CERT_NOT_FOUND', 'BAD_PAYLOAD']);
    expect((await check()).s).toEqual(before);
  });
});

describe('rules version 1', () => {
  it('drops every payload and right of version 2 as undecodable, as the first rules did', async () => {
    const v1 = await TestChain.create({ rulesVersion: 1 });
    const w = v1.w;
    await v1.block([w.register(REGISTRY, { certificateTypeIds: ['BDC'] }), w.register(BANK_A)]);
    await v1.block([w.event(REGISTRY, certIssued(CERT))]);
    const r = await v1.block([
      w.event(REGISTRY, mortgage(BANK_A, 1n), { sequence: 2n }),
      w.event(BANK_A, { certificateVerified: { certificateId: CERT, purpose: 'x' } }, { sequence: 1n }),
      w.register(COURT, { seize: true }),
      // issue 22: the auditor's right is of version 2 too
      w.register('audit.city', { audit: true }),
    ]);
    expect(r.codes).toEqual(['drop', 'drop', 'drop', 'drop']);
    expect((await v1.core.blocks.header(v1.height))!.rulesVersion).toBe(1);
  });
});
