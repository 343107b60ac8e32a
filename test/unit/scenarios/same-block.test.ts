/**
 * Scenario 6: a department registered and used within one block (DESIGN.md section 6: each
 * record's fate is decided from the state after every earlier record, including earlier records
 * of the same block). Also the genesis, the sequence table, retries and the drops.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../../proto/codec.js';
import { stateRootOf } from '../../../ledger/state-tree.js';
import { encodeRecord, genesisDepartments, recordValueHash } from '../../../ledger/state-records.js';
import { stateKey } from '../../../ledger/state-tree-verify.js';
import { AUTHORITY, CHANNEL, seedOf, World } from '../../helpers/world.js';
import { certIssued, resource } from '../../helpers/payloads.js';

describe('scenario: registered and used within one block', () => {
  it('registration, rights, a resource, a certificate and a key rotation in one block', async () => {
    const w = await World.create();
    const reg = w.register('dept.realestate', { certificateTypeIds: ['BDC'], resourceIds: ['res.property.owner'] });
    const r = await w.block([
      w.event('dept.realestate', certIssued('C0'), { sequence: 1n }), // before its registration: unknown department
      reg,
      w.event('dept.realestate', resource('res.property.owner', 2, ['坐落'])),
      w.event('dept.realestate', certIssued('C1')),
      w.event(AUTHORITY, { departmentKeyRotated: { departmentId: 'dept.realestate', keyVersion: 2, publicKey: w.publicKey('dept.realestate', 2) } }),
      w.event('dept.realestate', certIssued('C2')), // key 1 retired from here
    ]);
    expect(r.codes).toEqual(['drop:UNKNOWN_DEPARTMENT', 'OK', 'OK', 'OK', 'OK', 'drop:RETIRED_KEY']);
  });

  it('the genesis authorities are the state of block 1 (an empty block 1 has exactly their records)', async () => {
    const w = await World.create({ authorities: ['authority.city', 'authority.province'] });
    const r = await w.block([]);
    const entries = genesisDepartments(w.genesis).map((d) => [stateKey('dept', d.departmentId), recordValueHash(encodeRecord('dept', d))] as [Uint8Array, Uint8Array]);
    expect(r.stateRoot).toEqual(stateRootOf(entries));
    const again = await w.block([]);
    expect(again.stateRoot).toEqual(r.stateRoot);
  });

  it('sequence table, retries and drops (DESIGN.md sections 5 and 6)', async () => {
    const w = await World.create();
    await w.block([w.register('dept.a', { certificateTypeIds: ['BDC'] })]);
    const e1 = w.event('dept.a', certIssued('C1'));
    const gap = w.event('dept.a', certIssued('C9'), { sequence: 5n });
    const dup = w.event('dept.a', certIssued('C1b'), { sequence: 1n });
    const wrongChannel = w.event('dept.a', certIssued('C3'), { channel: 'other', sequence: 2n });
    const badSig = { ...w.event('dept.a', certIssued('C4'), { sequence: 2n }), signature: new Uint8Array(64) };
    const wrongKey = w.event('dept.a', certIssued('C5'), { sequence: 2n, keyVersion: 2 });
    const foreign = w.event('dept.a', certIssued('C6'), { sequence: 2n, seed: seedOf('someone else') });
    const garbage = { body: Uint8Array.of(0xff, 0xff), signature: new Uint8Array(64) };
    const nonCanonical = { body: Uint8Array.from([...encode('EventBody', { channel: CHANNEL, departmentId: 'dept.a', keyVersion: 1, sequence: 2n, clientTimeMs: 0n, ...certIssued('C7') }), 0x28, 0x00]), signature: new Uint8Array(64) };
    const r = await w.block([e1, e1, gap, dup, wrongChannel, badSig, wrongKey, foreign, garbage, nonCanonical]);
    expect(r.codes).toEqual([
      'OK',
      'drop:RETRIED_DUPLICATE',
      'SEQUENCE_GAP',
      'DUPLICATE_SEQUENCE',
      'drop:CHANNEL_MISMATCH',
      'drop:BAD_SIGNATURE',
      'drop:UNKNOWN_KEY',
      'drop:BAD_SIGNATURE',
      'drop:UNDECODABLE',
      'drop:NON_CANONICAL',
    ]);
    expect((await w.store.getRecord('dept', 'dept.a'))?.nextSequence).toBe(2n);
    // a retry in a later block is dropped too (the event-id index)
    const later = await w.block([e1, w.event('dept.a', certIssued('C2'), { sequence: 2n })]);
    expect(later.codes).toEqual(['drop:RETRIED_DUPLICATE', 'OK']);
    expect(await w.store.eventLocation((r.fates[0] as { eventId: Uint8Array }).eventId)).toEqual({ height: r.block.height, index: 0, logPosition: (r.fates[0] as { logPosition: bigint }).logPosition });
  });
});
