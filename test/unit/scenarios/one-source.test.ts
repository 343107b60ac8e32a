/**
 * Scenario 3: one data item, one source (一数一源): a second source for a resource is rejected;
 * only the source updates the entry; NOT_SHARED is never grantable; UNCONDITIONAL needs no grant.
 */
import { describe, expect, it } from 'vitest';
import { World } from '../../helpers/world.js';
import { access, grant, request, resource } from '../../helpers/payloads.js';

describe('scenario: one source per resource', () => {
  it('rejects a second source, whatever its rights', async () => {
    const w = await World.create();
    await w.block([w.register('dept.realestate', { resourceIds: ['res.property.owner'] }), w.register('dept.housing', { resourceIds: ['res.property.owner'] }), w.register('dept.other')]);
    const r = await w.block([
      w.event('dept.realestate', resource('res.property.owner', 2, ['产权人', '坐落'])),
      w.event('dept.housing', resource('res.property.owner', 2, ['产权人'])),
      w.event('dept.other', resource('res.property.owner', 1, ['产权人'])),
      w.event('dept.realestate', resource('res.property.owner', 2, ['产权人'])),
      w.event('dept.other', resource('res.other', 1, ['x'])), // no right to be its source
      w.event('dept.realestate', resource('res.bad', 2, ['x', 'x'])),
    ]);
    expect(r.codes).toEqual(['OK', 'SECOND_SOURCE', 'SECOND_SOURCE', 'ALREADY_EXISTS', 'UNAUTHORIZED', 'BAD_PAYLOAD']);
    expect((await w.store.getRecord('resource', 'res.property.owner'))?.sourceDepartmentId).toBe('dept.realestate');
    const u = await w.block([
      w.event('dept.housing', { resourceUpdated: { resourceId: 'res.property.owner', name: 'x', shareType: 1, fields: ['产权人'], updateCycle: '' } }),
      w.event('dept.realestate', { resourceUpdated: { resourceId: 'res.property.owner', name: '不动产登记信息', shareType: 2, fields: ['产权人', '坐落', '面积'], updateCycle: 'weekly' } }),
      w.event('dept.realestate', { resourceUpdated: { resourceId: 'res.none', name: 'x', shareType: 1, fields: ['a'], updateCycle: '' } }),
    ]);
    expect(u.codes).toEqual(['NOT_SOURCE', 'OK', 'UNKNOWN_RESOURCE']);
  });

  it('NOT_SHARED is never grantable; UNCONDITIONAL needs no grant; CONDITIONAL does', async () => {
    const w = await World.create();
    await w.block([w.register('dept.src', { resourceIds: ['r.closed', 'r.open', 'r.cond'] }), w.register('dept.reader')]);
    await w.block([w.event('dept.src', resource('r.closed', 3, ['a'])), w.event('dept.src', resource('r.open', 1, ['a'])), w.event('dept.src', resource('r.cond', 2, ['a']))]);
    const r = await w.block([
      w.event('dept.reader', request('q1', 'r.closed', ['a'])),
      w.event('dept.reader', access('r.closed', '', ['a'])),
      w.event('dept.reader', access('r.open', '', ['a'])),
      w.event('dept.reader', access('r.cond', '', ['a'])),
      w.event('dept.src', access('r.closed', '', ['a'])), // the source reads its own data
      w.event('dept.reader', request('q2', 'r.cond', ['a'])),
      // the source turns the resource NOT_SHARED before granting
      w.event('dept.src', { resourceUpdated: { resourceId: 'r.cond', name: 'r', shareType: 3, fields: ['a'], updateCycle: '' } }),
      w.event('dept.src', grant('q2', ['a'], 0n, 1n << 60n)),
    ]);
    expect(r.codes).toEqual(['NOT_SHAREABLE', 'NOT_SHAREABLE', 'OK', 'GRANT_REQUIRED', 'OK', 'OK', 'OK', 'NOT_SHAREABLE']);
  });
});
