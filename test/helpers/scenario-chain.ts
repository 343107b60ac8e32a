/**
 * One rich chain from the state-machine scenarios (test/unit/scenarios/*), cut by a single-node
 * core with small blocks: the property certificate (issue, transfer, amend, revoke, attempts by
 * others), one source per resource, the household check (grants, windows at their edges, uses,
 * revocation), insider misuse, dataset versions, suspension, a compromised key with rotation, a
 * sequence gap, and a registration used within its block. Record times only go forward, as on a
 * real chain (DESIGN.md section 6). Returns the chain and the facts the tests check against.
 */
import { attributesRoot, orderAttributes } from '../../ledger/attributes.js';
import { toHex } from '../../ledger/bytes.js';
import { commitment } from '../../ledger/commitment.js';
import type { SignedEvent } from '../../proto/schema.generated.js';
import { bytes32, TestChain, type ChainOptions } from './chain.js';
import { access, grant, request, resource } from './payloads.js';
import { AUTHORITY, seedOf } from './world.js';

export const CERT = '11100000MB0000000X:BDC:2026-000123';

/** A holder's salts file (DESIGN.md section 5) for a set of attributes. */
export interface ScenarioSalts {
  certificate: string;
  holder: { value: string; salt: string };
  attributes: Array<{ name: string; value: string; salt: string }>;
}

function saltsFor(certificate: string, holder: string, attrs: Record<string, string>, label: string): { salts: ScenarioSalts; holderCommitment: Uint8Array; root: Uint8Array; names: string[] } {
  const holderSalt = bytes32(`${label}:holder`);
  const ordered = orderAttributes(Object.entries(attrs).map(([name, value]) => ({ name, value, salt: bytes32(`${label}:${name}`) })));
  return {
    salts: { certificate, holder: { value: holder, salt: toHex(holderSalt) }, attributes: ordered.map((a) => ({ name: a.name, value: a.value, salt: toHex(a.salt) })) },
    holderCommitment: commitment(holder, holderSalt),
    root: attributesRoot(ordered),
    names: ordered.map((a) => a.name),
  };
}

export interface ScenarioFacts {
  /** The salts file after the issue, and after the amendment (the holder's current one is `amended` with `transferHolder`). */
  issued: ReturnType<typeof saltsFor>;
  amended: ReturnType<typeof saltsFor>;
  /** The holder commitment after the transfer. */
  newHolder: { value: string; salt: string; commitment: Uint8Array };
  FROM: bigint;
  UNTIL: bigint;
  /** When the hrss grant was revoked. */
  revokedAt: bigint;
  subject: Uint8Array;
  stolenLogPosition: bigint;
  events: Record<string, SignedEvent>;
  /** Every code the scenario expects, by block label. */
  codes: Record<string, string[]>;
}

export async function buildScenarioChain(opts: ChainOptions = {}): Promise<{ chain: TestChain; facts: ScenarioFacts }> {
  // rules version 1: test/vectors/chain-v1 holds this chain as the first rules cut it
  const chain = await TestChain.create({ maxBlockEvents: 4, rulesVersion: 1, ...opts });
  const w = chain.w;
  const codes: Record<string, string[]> = {};
  const events: Record<string, SignedEvent> = {};
  const run = async (label: string, evs: SignedEvent[], times?: bigint[]) => {
    const r = await chain.block(evs, times ? { times } : {});
    codes[label] = r.codes;
    return r;
  };

  await run('setup', [
    w.register('dept.realestate', { certificateTypeIds: ['BDC'], resourceIds: ['res.property.owner'] }),
    w.register('dept.housing', { resourceIds: ['res.property.owner'] }),
    w.register('dept.tax', { resourceIds: ['res.tax.income'] }),
    w.register('dept.hrss', { resourceIds: ['res.social.insurance'] }),
    w.register('dept.civil'),
    w.register('dept.police'),
    w.register('bank.icbc'),
    w.register('dept.src', { resourceIds: ['r.closed', 'r.open', 'r.cond'] }),
    w.register('dept.reader'),
  ]);

  // one data item, one source
  await run('catalogue', [
    w.event('dept.realestate', resource('res.property.owner', 2, ['产权人', '坐落', '面积'])),
    w.event('dept.housing', resource('res.property.owner', 2, ['产权人'])),
    w.event('dept.tax', resource('res.tax.income', 2, ['年收入', '纳税额'])),
    w.event('dept.hrss', resource('res.social.insurance', 2, ['缴费基数', '参保状态'])),
    w.event('dept.src', resource('r.closed', 3, ['a'])),
    w.event('dept.src', resource('r.open', 1, ['a'])),
    w.event('dept.src', resource('r.cond', 2, ['a'])),
    w.event('dept.realestate', resource('res.bad', 2, ['x', 'x'])),
  ]);

  // the property certificate
  const issued = saltsFor(CERT, '110101199001011234', { 产权人: '张三', 坐落: '北京市朝阳区建国路1号', 面积: '89.5', 用途: '住宅' }, 'issue');
  const amended = saltsFor(CERT, '110101199001011234', { 产权人: '张三', 坐落: '北京市朝阳区建国路1号', 面积: '91.2', 用途: '住宅', 共有情况: '单独所有' }, 'amend');
  const cert = (id: string, holder: Uint8Array) => ({
    certificateIssued: { certificateId: id, certificateTypeId: 'BDC', holderCommitment: holder, attributesRoot: issued.root, documentSha256: bytes32(`doc:${id}`), validUntilMs: 0n, attributeNames: issued.names, certificateTypeName: '' },
  });
  events.issue = w.event('dept.realestate', cert(CERT, issued.holderCommitment));
  await run('issue', [
    events.issue,
    w.event('dept.tax', cert('X:BDC:1', issued.holderCommitment)),
    w.event('dept.realestate', cert(CERT, issued.holderCommitment)),
    w.event('dept.realestate', cert('11100000MB0000000X:BDC:2026-000124', issued.holderCommitment)),
  ]);
  const newHolderSalt = bytes32('transfer:holder');
  const newHolder = { value: '110101198505051234', salt: toHex(newHolderSalt), commitment: commitment('110101198505051234', newHolderSalt) };
  events.transfer = w.event('dept.realestate', { certificateTransferred: { certificateId: CERT, newHolderCommitment: newHolder.commitment, documentSha256: bytes32('doc:transfer'), reason: '买卖' } });
  events.amend = w.event('dept.realestate', {
    certificateAmended: { certificateId: CERT, attributesRoot: amended.root, documentSha256: bytes32('doc:amend'), validUntilMs: 0n, reason: '面积更正', attributeNames: amended.names },
  });
  await run('transfer', [events.transfer, w.event('bank.icbc', { certificateRevoked: { certificateId: CERT, reason: 'fraud' } }), events.amend]);

  // household check: requests, grants, accesses at the window's edges, uses, revocation
  await run('requests', [
    w.event('dept.civil', request('hh-2026-001.0', 'res.tax.income', ['年收入'])),
    w.event('dept.civil', request('hh-2026-001.1', 'res.social.insurance', ['缴费基数'])),
    w.event('dept.reader', request('q1', 'r.closed', ['a'])),
  ]);
  const FROM = chain.now + 1000n;
  const UNTIL = FROM + 10_000n;
  await run('grants', [
    w.event('dept.tax', grant('hh-2026-001.0', ['年收入'], FROM, UNTIL, 2n)),
    w.event('dept.hrss', grant('hh-2026-001.1', ['缴费基数'], FROM, UNTIL)),
    w.event('dept.civil', grant('hh-2026-001.0', ['年收入'], FROM, UNTIL)),
  ]);
  const subject = bytes32('subject:household-001');
  const acc = (dept: string, res: string, g: string, f: string[]) => w.event(dept, { accessRecorded: { ...access(res, g, f).accessRecorded, subjectCommitment: subject } });
  await run(
    'accesses',
    [
      acc('dept.civil', 'res.tax.income', 'hh-2026-001.0', ['年收入']),
      acc('dept.civil', 'res.tax.income', 'hh-2026-001.0', ['年收入']),
      acc('dept.civil', 'res.tax.income', 'hh-2026-001.0', ['年收入']),
      acc('dept.civil', 'res.tax.income', 'hh-2026-001.0', ['年收入']),
      acc('dept.police', 'res.tax.income', 'hh-2026-001.0', ['年收入']),
      acc('dept.civil', 'res.social.insurance', 'hh-2026-001.1', ['缴费基数']),
      w.event('dept.reader', access('r.open', '', ['a'])),
      w.event('dept.reader', access('r.cond', '', ['a'])),
    ],
    [FROM - 1n, FROM, FROM + 1n, FROM + 2n, FROM + 3n, FROM + 4n, FROM + 5n, FROM + 6n],
  );
  const revokedAt = FROM + 100n;
  await run('revoke', [w.event('dept.hrss', { shareRevoked: { requestId: 'hh-2026-001.1', reason: 'case closed' } }), acc('dept.civil', 'res.social.insurance', 'hh-2026-001.1', ['缴费基数'])], [revokedAt, revokedAt + 1n]);

  // dataset versions, a share-type change, suspension
  await run('versions', [
    w.event('dept.realestate', { resourceVersionPublished: { resourceId: 'res.property.owner', version: 1n, datasetSha256: bytes32('v1'), recordCount: 2n } }),
    w.event('dept.civil', { resourceVersionPublished: { resourceId: 'res.property.owner', version: 2n, datasetSha256: bytes32('v2'), recordCount: 2n } }),
    w.event('dept.src', { resourceUpdated: { resourceId: 'r.cond', name: 'r.cond', shareType: 3, fields: ['a'], updateCycle: '' } }),
  ]);
  await run('suspension', [
    w.event(AUTHORITY, { departmentSuspended: { departmentId: 'dept.police', reason: 'investigation' } }),
    w.event('dept.police', access('res.tax.income', '', ['年收入'])),
    w.event(AUTHORITY, { departmentReinstated: { departmentId: 'dept.police', reason: 'cleared' } }),
  ]);

  // the revocation of the certificate, and a second one (final)
  await run('revocation', [w.event('dept.realestate', { certificateRevoked: { certificateId: CERT, reason: '注销' } }), w.event('dept.realestate', { certificateRevoked: { certificateId: CERT, reason: 'again' } })]);

  // a compromised key: what it signed from that log position is void; key 2 carries on
  events.stolen = w.event('dept.realestate', cert('C-stolen', issued.holderCommitment));
  await run('stolen', [events.stolen]);
  const stolenLogPosition = (await chain.locate(events.stolen)).logPosition;
  await run('compromise', [
    w.event(AUTHORITY, { keyCompromised: { departmentId: 'dept.realestate', keyVersion: 1, fromLogPosition: stolenLogPosition, reason: '密钥泄露' } }),
    w.event(AUTHORITY, { departmentKeyRotated: { departmentId: 'dept.realestate', keyVersion: 2, publicKey: w.publicKey('dept.realestate', 2) } }),
  ]);
  w.keys.set('dept.realestate', { seed: seedOf('dept.realestate#2'), version: 2 });
  // (the realestate sequence continues after the stolen issue)
  await run('new-key', [w.event('dept.realestate', cert('C-new-key', newHolder.commitment)), w.event('dept.civil', request('gap', 'res.tax.income', ['年收入']), { sequence: 999n })]);

  // registered and used within one block
  const reg = w.register('dept.transport', { certificateTypeIds: ['JSZ'] });
  await run('same-block', [reg, w.event('dept.transport', { certificateIssued: { ...cert('JSZ:0001', newHolder.commitment).certificateIssued, certificateTypeId: 'JSZ' } })]);

  return { chain, facts: { issued, amended, newHolder, FROM, UNTIL, revokedAt, subject, stolenLogPosition, events, codes } };
}
