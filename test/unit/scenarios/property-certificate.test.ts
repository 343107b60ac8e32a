/**
 * Scenario 1: the electronic property certificate (不动产权证书), end to end through the state
 * machine: issued by the registration authority, transferred, revoked; a department without the
 * right cannot issue; a non-issuer cannot revoke; a key declared compromised voids what it signed
 * from that log position.
 */
import { describe, expect, it } from 'vitest';
import { CertificateStatus } from '../../../proto/schema.generated.js';
import { isVoidAt } from '../../../ledger/state-records.js';
import { verifyStateRecord } from '../../../ledger/state-tree-verify.js';
import { AUTHORITY, seedOf, World } from '../../helpers/world.js';
import { b32, certIssued } from '../../helpers/payloads.js';

const CERT = '11100000MB0000000X:BDC:2026-000123';

describe('scenario: electronic property certificate', () => {
  it('issue, transfer, revoke by the registration authority; others are rejected', async () => {
    const w = await World.create();
    const setup = await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] }), w.register('dept.tax'), w.register('bank.icbc')]);
    expect(setup.codes).toEqual(['OK', 'OK', 'OK']);

    const r1 = await w.block([
      w.event('dept.realestate', certIssued(CERT)),
      w.event('dept.tax', certIssued('X:BDC:1')), // no right for the type
      w.event('dept.realestate', certIssued(CERT)), // the id is taken
      w.event('dept.realestate', certIssued('X:BDC:2', 'BDC', { attributeNames: ['面积', '面积'] })), // duplicate names
    ]);
    expect(r1.codes).toEqual(['OK', 'UNAUTHORIZED', 'ALREADY_EXISTS', 'BAD_PAYLOAD']);
    const issued = await w.store.getRecord('cert', CERT);
    expect(issued).toMatchObject({ issuerDepartmentId: 'dept.realestate', status: CertificateStatus.CERTIFICATE_ISSUED });
    expect(issued?.definingEvent?.eventId).toEqual((r1.fates[0] as { eventId: Uint8Array }).eventId);

    const r2 = await w.block([
      w.event('dept.realestate', { certificateTransferred: { certificateId: CERT, newHolderCommitment: b32(9), documentSha256: b32(10), reason: '买卖' } }),
      w.event('bank.icbc', { certificateRevoked: { certificateId: CERT, reason: 'fraud' } }), // not the issuer
      w.event('dept.tax', { certificateTransferred: { certificateId: CERT, newHolderCommitment: b32(11), documentSha256: new Uint8Array(0), reason: '' } }),
    ]);
    expect(r2.codes).toEqual(['OK', 'NOT_ISSUER', 'NOT_ISSUER']);
    expect((await w.store.getRecord('cert', CERT))?.holderCommitment).toEqual(b32(9));

    const r3 = await w.block([
      w.event('dept.realestate', { certificateRevoked: { certificateId: CERT, reason: '注销' } }),
      w.event('dept.realestate', { certificateRevoked: { certificateId: CERT, reason: 'again' } }),
      w.event('dept.realestate', { certificateAmended: { certificateId: CERT, attributesRoot: b32(4), documentSha256: b32(5), validUntilMs: 0n, reason: '', attributeNames: [] } }),
      w.event('dept.realestate', { certificateRevoked: { certificateId: 'no-such-cert', reason: '' } }),
    ]);
    expect(r3.codes).toEqual(['OK', 'CERT_REVOKED', 'CERT_REVOKED', 'CERT_NOT_FOUND']);
    const revoked = await w.store.getRecord('cert', CERT);
    expect(revoked).toMatchObject({ status: CertificateStatus.CERTIFICATE_REVOKED, revocationReason: '注销' });

    // a bank verifies the status offline from a state proof against the committed root
    const p = await w.store.prove('cert', CERT);
    expect(verifyStateRecord(r3.stateRoot, 'cert', CERT, p.recordBytes, p.proof)).toEqual({ ok: true, present: true });
    const absent = await w.store.prove('cert', 'X:BDC:1');
    expect(verifyStateRecord(r3.stateRoot, 'cert', 'X:BDC:1', null, absent.proof)).toEqual({ ok: true, present: false });
  });

  it('a key declared compromised voids what it signed from that log position; the rotated key carries on', async () => {
    const w = await World.create();
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
    const before = await w.block([w.event('dept.realestate', certIssued('C-before'))]);
    const beforePos = (before.fates[0] as { logPosition: bigint }).logPosition;
    const stolen = await w.block([w.event('dept.realestate', certIssued('C-stolen'))]);
    const stolenPos = (stolen.fates[0] as { logPosition: bigint }).logPosition;
    expect(stolen.codes).toEqual(['OK']);

    // the authority declares key 1 compromised from the stolen issue on, and rotates to key 2
    const gov = await w.block([
      w.event(AUTHORITY, { keyCompromised: { departmentId: 'dept.realestate', keyVersion: 1, fromLogPosition: stolenPos, reason: '密钥泄露' } }),
      w.event(AUTHORITY, { departmentKeyRotated: { departmentId: 'dept.realestate', keyVersion: 2, publicKey: w.publicKey('dept.realestate', 2) } }),
    ]);
    expect(gov.codes).toEqual(['OK', 'OK']);
    const dept = (await w.store.getRecord('dept', 'dept.realestate'))!;
    expect(isVoidAt(dept, 1, beforePos)).toBe(false);
    expect(isVoidAt(dept, 1, stolenPos)).toBe(true); // the record it defined is reported void (KEY_COMPROMISED)
    const cert = (await w.store.getRecord('cert', 'C-stolen'))!;
    expect(cert.definingEvent?.logPosition).toBe(stolenPos); // not rewritten

    // the old key can sign nothing more; the new one works
    const oldKey = w.event('dept.realestate', certIssued('C-old-key'), { keyVersion: 1, seed: seedOf('dept.realestate#1') });
    w.keys.set('dept.realestate', { seed: seedOf('dept.realestate#2'), version: 2 });
    const r = await w.block([oldKey, w.event('dept.realestate', certIssued('C-new-key'), { sequence: 3n })]);
    expect(r.codes).toEqual(['drop:COMPROMISED_KEY', 'OK']);
  });
});
