/**
 * Scenario 4: insider misuse. An access with no grant, with fields outside the grant, with
 * someone else's grant, or by a suspended department is rejected and kept (included with its
 * code, attributable to the department that signed it); it uses no use and changes no record.
 */
import { describe, expect, it } from 'vitest';
import { AUTHORITY, World } from '../../helpers/world.js';
import { access, grant, request, resource } from '../../helpers/payloads.js';

describe('scenario: insider misuse', () => {
  it('rejected accesses are included, attributable, and change nothing but the sequence', async () => {
    const w = await World.create();
    await w.block([w.register('dept.tax', { resourceIds: ['res.tax.income'] }), w.register('dept.civil'), w.register('dept.police')]);
    await w.block([w.event('dept.tax', resource('res.tax.income', 2, ['年收入', '纳税额'])), w.event('dept.civil', request('g1', 'res.tax.income', ['年收入']))]);
    await w.block([w.event('dept.tax', grant('g1', ['年收入'], 0n, 1n << 60n, 10n))]);
    const r = await w.block([
      w.event('dept.police', access('res.tax.income', '', ['年收入'])), // no grant
      w.event('dept.civil', access('res.tax.income', 'g1', ['年收入', '纳税额'])), // fields outside the grant
      w.event('dept.police', access('res.tax.income', 'g1', ['年收入'])), // someone else's grant
      w.event('dept.civil', access('res.tax.income', 'g-unknown', ['年收入'])),
      w.event('dept.civil', access('res.other', 'g1', ['年收入'])),
      w.event('dept.civil', access('res.tax.income', 'g1', ['家庭住址'])), // not a field of the resource
      w.event(AUTHORITY, { departmentSuspended: { departmentId: 'dept.civil', reason: 'investigation' } }),
      w.event('dept.civil', access('res.tax.income', 'g1', ['年收入'])), // suspended
    ]);
    expect(r.codes).toEqual(['GRANT_REQUIRED', 'FIELDS_NOT_COVERED', 'NOT_GRANTEE', 'GRANT_NOT_FOUND', 'UNKNOWN_RESOURCE', 'FIELDS_NOT_COVERED', 'OK', 'SUSPENDED']);
    for (const f of r.fates) expect(f.kind).toBe('include');
    expect(r.fates.map((f) => (f.kind === 'include' ? f.departmentId : ''))).toEqual(['dept.police', 'dept.civil', 'dept.police', 'dept.civil', 'dept.civil', 'dept.civil', AUTHORITY, 'dept.civil']);
    expect((await w.store.getRecord('grant', 'g1'))?.uses).toBe(0n);
    // every included event advanced its department's sequence
    expect((await w.store.getRecord('dept', 'dept.civil'))?.nextSequence).toBe(w.nextSeq.get('dept.civil'));
    expect((await w.store.getRecord('dept', 'dept.police'))?.nextSequence).toBe(3n);

    // a suspended department can do nothing until reinstated
    const s = await w.block([
      w.event('dept.civil', request('g2', 'res.tax.income', ['年收入'])),
      w.event(AUTHORITY, { departmentSuspended: { departmentId: 'dept.civil', reason: 'again' } }),
      w.event(AUTHORITY, { departmentReinstated: { departmentId: 'dept.civil', reason: 'cleared' } }),
      w.event(AUTHORITY, { departmentReinstated: { departmentId: 'dept.civil', reason: 'twice' } }),
      w.event('dept.civil', access('res.tax.income', 'g1', ['年收入'])),
      w.event('dept.police', { departmentSuspended: { departmentId: 'dept.civil', reason: 'not an authority' } }),
    ]);
    expect(s.codes).toEqual(['SUSPENDED', 'ALREADY_SUSPENDED', 'OK', 'NOT_SUSPENDED', 'OK', 'UNAUTHORIZED']);
    expect((await w.store.getRecord('grant', 'g1'))?.uses).toBe(1n);
  });
});
