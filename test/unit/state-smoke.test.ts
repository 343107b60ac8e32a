import { describe, expect, it } from 'vitest';
import { World, AUTHORITY } from '../helpers/world.js';

describe('smoke', () => {
  it('registers and uses a department', async () => {
    const w = await World.create();
    const r = await w.block([w.register('dept.a', { certificateTypeIds: ['BDC'] }), w.event('dept.a', { certificateIssued: { certificateId: 'C1', certificateTypeId: 'BDC', holderCommitment: new Uint8Array(32).fill(1), attributesRoot: new Uint8Array(32).fill(2), documentSha256: new Uint8Array(32).fill(3), validUntilMs: 0n, attributeNames: ['a', 'b'] } })]);
    expect(r.codes).toEqual(['OK', 'OK']);
    const c = await w.store.getRecord('cert', 'C1');
    expect(c?.issuerDepartmentId).toBe('dept.a');
    const p = await w.store.prove('cert', 'C1');
    expect(p.stateRoot).toEqual(r.stateRoot);
    void AUTHORITY;
  });
});
