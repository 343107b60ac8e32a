/**
 * Scenario 2: household economic-status check (家庭经济状况核对). Civil affairs requests tax,
 * social-insurance, real-estate and bank data on a household; each source grants (fields,
 * window, uses); every query is an access record under its grant; a query after the window or
 * beyond the uses is rejected. Grant windows are checked at their exact edges.
 */
import { describe, expect, it } from 'vitest';
import { GrantStatus } from '../../../proto/schema.generated.js';
import { World } from '../../helpers/world.js';
import { access, grant, request, resource } from '../../helpers/payloads.js';

const SOURCES = [
  { dept: 'dept.tax', res: 'res.tax.income', fields: ['年收入', '纳税额'] },
  { dept: 'dept.hrss', res: 'res.social.insurance', fields: ['缴费基数', '参保状态'] },
  { dept: 'dept.realestate', res: 'res.property.owner', fields: ['产权人', '坐落', '面积'] },
  { dept: 'bank.pboc', res: 'res.bank.deposit', fields: ['存款余额'] },
];
const FROM = 10_000n;
const UNTIL = 20_000n;

async function world(): Promise<World> {
  const w = await World.create();
  await w.block([w.register('dept.civil'), ...SOURCES.map((s) => w.register(s.dept, { resourceIds: [s.res] }))]);
  const r = await w.block(SOURCES.map((s) => w.event(s.dept, resource(s.res, 2, s.fields))));
  expect(r.codes).toEqual(SOURCES.map(() => 'OK'));
  const req = await w.block(SOURCES.map((s, i) => w.event('dept.civil', request(`hh-2026-001.${i}`, s.res, s.fields))));
  expect(req.codes).toEqual(SOURCES.map(() => 'OK'));
  return w;
}

describe('scenario: household economic-status check', () => {
  it('each source grants; queries under the grants are OK and counted; after the window or beyond the uses they are rejected', async () => {
    const w = await world();
    const grants = await w.block(SOURCES.map((s, i) => w.event(s.dept, grant(`hh-2026-001.${i}`, s.fields.slice(0, 1), FROM, UNTIL, 2n))));
    expect(grants.codes).toEqual(SOURCES.map(() => 'OK'));
    // only the source grants; a grant of a request already decided is rejected
    const wrong = await w.block([
      w.event('dept.civil', grant('hh-2026-001.0', ['年收入'], FROM, UNTIL)),
      w.event('dept.tax', grant('hh-2026-001.0', ['年收入'], FROM, UNTIL)),
      w.event('dept.tax', grant('no-such-request', ['年收入'], FROM, UNTIL)),
    ]);
    expect(wrong.codes).toEqual(['NOT_SOURCE', 'GRANT_NOT_PENDING', 'GRANT_NOT_FOUND']);

    const q = (i: number) => w.event('dept.civil', access(SOURCES[i]!.res, `hh-2026-001.${i}`, SOURCES[i]!.fields.slice(0, 1)));
    const inWindow = await w.block([q(0), q(1), q(2), q(3), q(0), q(0)], { recordTimes: [FROM, FROM, 15_000n, UNTIL - 1n, 15_000n, 15_000n] });
    expect(inWindow.codes).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'GRANT_EXHAUSTED']);
    expect((await w.store.getRecord('grant', 'hh-2026-001.0'))?.uses).toBe(2n);
    expect((await w.store.getRecord('grant', 'hh-2026-001.1'))?.uses).toBe(1n);

    const outside = await w.block([q(1), q(2)], { recordTimes: [UNTIL, FROM - 1n] });
    expect(outside.codes).toEqual(['GRANT_INACTIVE', 'GRANT_INACTIVE']);
    expect((await w.store.getRecord('grant', 'hh-2026-001.1'))?.uses).toBe(1n); // a rejected access uses no use

    // revocation by the source ends it
    const rev = await w.block([w.event('dept.hrss', { shareRevoked: { requestId: 'hh-2026-001.1', reason: 'case closed' } }), q(1)], { recordTimes: [15_000n, 15_000n] });
    expect(rev.codes).toEqual(['OK', 'GRANT_REVOKED']);
    expect((await w.store.getRecord('grant', 'hh-2026-001.1'))?.status).toBe(GrantStatus.GRANT_REVOKED);
  });

  it('grant windows at their exact edges: from <= t < until', async () => {
    const w = await world();
    await w.block([w.event('dept.tax', grant('hh-2026-001.0', ['年收入'], FROM, UNTIL))]);
    const times = [FROM - 1n, FROM, FROM + 1n, UNTIL - 1n, UNTIL, UNTIL + 1n];
    const r = await w.block(times.map(() => w.event('dept.civil', access('res.tax.income', 'hh-2026-001.0', ['年收入']))), { recordTimes: times });
    expect(r.codes).toEqual(['GRANT_INACTIVE', 'OK', 'OK', 'OK', 'GRANT_INACTIVE', 'GRANT_INACTIVE']);
  });

  it('granted fields must be within the resource; an empty window is a bad payload; denial is final', async () => {
    const w = await world();
    const r = await w.block([
      w.event('dept.tax', grant('hh-2026-001.0', ['年收入', '家庭住址'], FROM, UNTIL)),
      w.event('dept.tax', grant('hh-2026-001.0', ['年收入'], UNTIL, UNTIL)),
      w.event('dept.hrss', { shareDenied: { requestId: 'hh-2026-001.1', reason: 'no legal basis' } }),
      w.event('dept.hrss', grant('hh-2026-001.1', ['缴费基数'], FROM, UNTIL)),
      w.event('dept.civil', access('res.social.insurance', 'hh-2026-001.1', ['缴费基数'])),
    ], { recordTimes: [15_000n, 15_000n, 15_000n, 15_000n, 15_000n] });
    expect(r.codes).toEqual(['FIELDS_NOT_COVERED', 'BAD_PAYLOAD', 'OK', 'GRANT_NOT_PENDING', 'GRANT_INACTIVE']);
  });
});
