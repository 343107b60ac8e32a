/**
 * The catalogue's certificate type table (issue 24; ledger/rules/certificate-types.ts): the
 * authority names BDC 不动产权证书; an issue event may carry that name, which the rules check against
 * the catalogue and the certificate record keeps, so that the certificate's own state proof carries
 * it to an offline reader. Under rules_version 1 the new payload and field are dropped.
 */
import { describe, expect, it } from 'vitest';
import { issuedCertificateRecord } from '../../../ledger/state-records.js';
import { World } from '../../helpers/world.js';
import { b32, certIssued } from '../../helpers/payloads.js';

const NAME = '不动产权证书';

describe('certificate types by name (rules_version 2)', () => {
  it('only a governing department names a type; the name is 1 to 64 UTF-8 bytes without outer blanks; naming again renames', async () => {
    const w = await World.create({ rulesVersion: 2 });
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
    const r = await w.block([
      w.event('dept.realestate', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: NAME } }),
      w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '' } }),
      w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '证'.repeat(22) } }), // 66 bytes
      w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: ` ${NAME}` } }),
      w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '房产证' } }),
      w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: NAME } }),
    ]);
    expect(r.codes).toEqual(['UNAUTHORIZED', 'BAD_PAYLOAD', 'BAD_PAYLOAD', 'BAD_PAYLOAD', 'OK', 'OK']);
    expect((await w.store.getRecord('ctype', 'BDC'))?.name).toBe(NAME);
  });

  it("an issue event's type name must be the catalogue's; the record keeps it, as the compact form derives it", async () => {
    const w = await World.create({ rulesVersion: 2 });
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC', 'JZZ'] })]);
    await w.block([w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: NAME } })]);
    const r = await w.block([
      w.event('dept.realestate', certIssued('C1', 'BDC', { certificateTypeName: NAME })),
      w.event('dept.realestate', certIssued('C2', 'BDC', { certificateTypeName: '房产证' })), // not the catalogue's
      w.event('dept.realestate', certIssued('C3', 'JZZ', { certificateTypeName: '居住证' })), // a type with no name on chain
      w.event('dept.realestate', certIssued('C4', 'BDC')), // no name given: the code alone
    ]);
    expect(r.codes).toEqual(['OK', 'CERT_TYPE_NAME_MISMATCH', 'CERT_TYPE_NAME_MISMATCH', 'OK']);
    const c1 = (await w.store.getRecord('cert', 'C1'))!;
    expect(c1.certificateTypeName).toBe(NAME);
    expect((await w.store.getRecord('cert', 'C4'))!.certificateTypeName).toBe('');
    // the bundle's compact form derives the record from the issue event: the same bytes, name included
    const issued = certIssued('C1', 'BDC', { certificateTypeName: NAME }).certificateIssued;
    expect(issuedCertificateRecord('dept.realestate', issued, c1.definingEvent!)).toEqual(c1);
  });

  it('the name stays with the certificate through amendment, mortgage, transfer and revocation; renaming the type later does not rewrite it', async () => {
    const w = await World.create({ rulesVersion: 2 });
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] }), w.register('bank.city')]);
    await w.block([w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: NAME } })]);
    await w.block([w.event('dept.realestate', certIssued('C1', 'BDC', { certificateTypeName: NAME })), w.event('dept.realestate', certIssued('C2', 'BDC', { certificateTypeName: NAME }))]);
    const nameOf = async (id: string) => (await w.store.getRecord('cert', id))!.certificateTypeName;
    const steps = await w.block([
      w.event('dept.realestate', { certificateAmended: { certificateId: 'C1', attributesRoot: b32(7), documentSha256: b32(8), validUntilMs: 0n, reason: '更正', attributeNames: ['面积'] } }),
      w.event('dept.realestate', { mortgageRegistered: { certificateId: 'C1', creditorDepartmentId: 'bank.city', amountYuan: 1_000_000n } }),
      w.event('dept.realestate', { certificateTransferred: { certificateId: 'C1', newHolderCommitment: b32(9), documentSha256: new Uint8Array(0), reason: '买卖' } }),
      w.event('dept.realestate', { certificateRevoked: { certificateId: 'C2', reason: '注销登记' } }),
    ]);
    expect(steps.codes).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect([await nameOf('C1'), await nameOf('C2')]).toEqual([NAME, NAME]);
    // the authority renames the type: certificates issued before keep the name they were issued with,
    // new ones must carry the new name (the old one no longer matches the catalogue)
    await w.block([w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '不动产权证' } })]);
    const after = await w.block([
      w.event('dept.realestate', certIssued('C3', 'BDC', { certificateTypeName: NAME })),
      w.event('dept.realestate', certIssued('C4', 'BDC', { certificateTypeName: '不动产权证' })),
    ]);
    expect(after.codes).toEqual(['CERT_TYPE_NAME_MISMATCH', 'OK']);
    expect([await nameOf('C1'), await nameOf('C4')]).toEqual([NAME, '不动产权证']);
  });

  it('under rules_version 1 the payload and a named issue are dropped as undecodable', async () => {
    const w = await World.create({ rulesVersion: 1 });
    await w.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
    const r = await w.block([
      w.event('authority.city', { certificateTypeRegistered: { certificateTypeId: 'BDC', name: NAME } }),
      w.event('dept.realestate', certIssued('C1', 'BDC', { certificateTypeName: NAME })),
    ]);
    expect(r.codes).toEqual(['drop:UNDECODABLE', 'drop:UNDECODABLE']);
  });
});
