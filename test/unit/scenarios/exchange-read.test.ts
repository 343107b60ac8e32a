/**
 * The exchange point's reads on chain (rules_version 2, issue 21; ledger/rules/exchange.ts and
 * ledger/rules/consent.ts): civil affairs records the household's consent and requests a grant
 * bound to the household; the tax bureau's exchange point records each read it serves, signed by
 * itself. Reads of another subject, without the consent, past the uses, with no grant, or signed
 * by the grantee are rejected with their codes; rejected reads use no use. Under rules_version 1
 * the version-2 payloads are dropped as a version-1 node dropped them.
 */
import { describe, expect, it } from 'vitest';
import type { ExchangeRead } from '../../../proto/schema.generated.js';
import { consentSubjectCommitment, grantSubjectCommitment, trailTag } from '../../../ledger/subject.js';
import { World } from '../../helpers/world.js';
import { access, b32, grant, request, resource } from '../../helpers/payloads.js';

const HOUSEHOLD = '330106199001011234';
const OTHER = '330106198502023456';
const SECRET = b32(0x5a);
const OTHER_SECRET = b32(0x6b);
const T = 15_000n;

function read(over: Partial<ExchangeRead> & { subjectId?: string; secret?: Uint8Array } = {}): { exchangeRead: ExchangeRead } {
  const { subjectId = HOUSEHOLD, secret = SECRET, ...rest } = over;
  const grantId = rest.grantId ?? 'hh-001.tax';
  const consentId = rest.consentId ?? 'consent-001';
  const salt = b32(0x11);
  return {
    exchangeRead: {
      granteeDepartmentId: 'dept.civil',
      resourceId: 'res.tax.income',
      grantId,
      consentId,
      fields: ['年收入'],
      purpose: '家庭经济状况核对',
      subjectCommitment: trailTag(secret, salt),
      salt,
      grantSubjectCommitment: grantId === '' ? new Uint8Array(0) : grantSubjectCommitment(subjectId, secret, grantId),
      consentSubjectCommitment: consentId === '' ? new Uint8Array(0) : consentSubjectCommitment(subjectId, secret, consentId),
      requestDigest: b32(0x22),
      dataSha256: b32(0x33),
      recordCount: 1n,
      refusal: '',
      ...rest,
    },
  };
}

async function world(): Promise<World> {
  const w = await World.create({ rulesVersion: 2 });
  await w.block([w.register('dept.civil'), w.register('dept.tax', { resourceIds: ['res.tax.income'] }), w.register('dept.other')]);
  await w.block([w.event('dept.tax', resource('res.tax.income', 2, ['年收入', '纳税额']))]);
  const setup = await w.block([
    w.event('dept.civil', { consentRecorded: { consentId: 'consent-001', subjectCommitment: consentSubjectCommitment(HOUSEHOLD, SECRET, 'consent-001'), documentSha256: b32(9), purpose: '最低生活保障申请', kind: '申请' } }),
    w.event('dept.other', { consentRecorded: { consentId: 'consent-other', subjectCommitment: consentSubjectCommitment(HOUSEHOLD, SECRET, 'consent-other'), documentSha256: b32(9), purpose: 'x', kind: '委托' } }),
    w.event('dept.civil', { shareRequested: { ...request('hh-001.tax', 'res.tax.income', ['年收入']).shareRequested, subject: { subjectCommitment: grantSubjectCommitment(HOUSEHOLD, SECRET, 'hh-001.tax') } } }),
    w.event('dept.civil', request('plain.tax', 'res.tax.income', ['年收入'])),
  ]);
  expect(setup.codes).toEqual(['OK', 'OK', 'OK', 'OK']);
  const g = await w.block([w.event('dept.tax', grant('hh-001.tax', ['年收入'], 10_000n, 20_000n, 2n)), w.event('dept.tax', grant('plain.tax', ['年收入'], 10_000n, 20_000n, 2n))]);
  expect(g.codes).toEqual(['OK', 'OK']);
  return w;
}

describe('exchange reads (rules_version 2)', () => {
  it('the source records reads of the granted subject under the consent; everything else is refused and uses no use', async () => {
    const w = await world();
    const times = (n: number) => Array.from({ length: n }, () => T);
    const refused = await w.block(
      [
        w.event('dept.tax', read({ subjectId: OTHER, secret: OTHER_SECRET })), // another household
        w.event('dept.tax', read({ subjectId: OTHER })), // the right secret, another id
        w.event('dept.tax', read({ consentId: '' })), // no consent named
        w.event('dept.tax', read({ consentId: 'consent-other' })), // a consent of another department
        w.event('dept.tax', read({ consentId: 'no-such-consent' })),
        w.event('dept.tax', read({ grantId: '' })), // no grant: the resource is CONDITIONAL
        w.event('dept.tax', read({ grantId: 'plain.tax' })), // a grant that names no subject
        w.event('dept.civil', read()), // the grantee writes its own read record
        w.event('dept.civil', access('res.tax.income', 'hh-001.tax', ['年收入'])), // ... or a self-reported access
        w.event('dept.tax', read({ refusal: 'bad request signature', dataSha256: new Uint8Array(0) })),
        w.event('dept.tax', read({ fields: ['纳税额'] })), // a field the grant does not give
        w.event('dept.tax', read({ granteeDepartmentId: 'dept.other' })),
        w.event('dept.tax', read({ dataSha256: new Uint8Array(0) })), // served, but no digest of what
      ],
      { recordTimes: times(13) },
    );
    expect(refused.codes).toEqual([
      'SUBJECT_NOT_COVERED',
      'SUBJECT_NOT_COVERED',
      'CONSENT_MISSING',
      'CONSENT_MISSING',
      'CONSENT_MISSING',
      'GRANT_REQUIRED',
      'SUBJECT_NOT_COVERED',
      'NOT_SOURCE',
      'SUBJECT_NOT_COVERED',
      'REFUSED_BY_SOURCE',
      'FIELDS_NOT_COVERED',
      'NOT_GRANTEE',
      'BAD_PAYLOAD',
    ]);
    expect((await w.store.getRecord('grant', 'hh-001.tax'))?.uses).toBe(0n);

    const served = await w.block([w.event('dept.tax', read()), w.event('dept.tax', read()), w.event('dept.tax', read())], { recordTimes: times(3) });
    expect(served.codes).toEqual(['OK', 'OK', 'GRANT_EXHAUSTED']);
    expect((await w.store.getRecord('grant', 'hh-001.tax'))?.uses).toBe(2n);
    const late = await w.block([w.event('dept.tax', read())], { recordTimes: [20_000n] });
    expect(late.codes).toEqual(['GRANT_INACTIVE']);
  });

  it('a consent id is taken once; a consent needs its subject and document digest', async () => {
    const w = await world();
    const r = await w.block([
      w.event('dept.civil', { consentRecorded: { consentId: 'consent-001', subjectCommitment: b32(1), documentSha256: b32(2), purpose: '', kind: '' } }),
      w.event('dept.civil', { consentRecorded: { consentId: 'consent-002', subjectCommitment: b32(1), documentSha256: new Uint8Array(0), purpose: '', kind: '' } }),
    ]);
    expect(r.codes).toEqual(['ALREADY_EXISTS', 'BAD_PAYLOAD']);
    expect((await w.store.getRecord('consent', 'consent-001'))?.departmentId).toBe('dept.civil');
  });

  it('under rules_version 1 the version-2 payloads are dropped as undecodable', async () => {
    const w = await World.create({ rulesVersion: 1 });
    await w.block([w.register('dept.civil'), w.register('dept.tax', { resourceIds: ['res.tax.income'] })]);
    await w.block([w.event('dept.tax', resource('res.tax.income', 2, ['年收入']))]);
    const r = await w.block([
      w.event('dept.civil', { consentRecorded: { consentId: 'c', subjectCommitment: b32(1), documentSha256: b32(2), purpose: '', kind: '' } }),
      w.event('dept.civil', { shareRequested: { ...request('r1', 'res.tax.income', ['年收入']).shareRequested, subject: { subjectCommitment: b32(1) } } }),
      w.event('dept.tax', read()),
    ]);
    expect(r.codes).toEqual(['drop:UNDECODABLE', 'drop:UNDECODABLE', 'drop:UNDECODABLE']);
  });
});
