import { grantSubjectCommitment } from '../../ledger/subject.js';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { attributeLeafData, attributesRoot, namesInLeafOrder, orderAttributes } from '../../ledger/attributes.js';
import { fromHex, toHex, utf8 } from '../../ledger/bytes.js';
import { commitment, normalizeCommittedValue, opensCommitment } from '../../ledger/commitment.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { eventId } from '../../ledger/hash.js';
import { KEY_FILE_EXTENSION, SigningKey, loadKeyFile, writeNewKeyFile } from '../../ledger/key-file.js';
import { leafHash, rootHash } from '../../ledger/merkle.js';
import { verifyEd25519 } from '../../ledger/signature.js';
import { decode } from '../../proto/codec.js';
import { Outbox } from '../../producers/outbox.js';
import { PAYLOAD_TYPES, buildPayload, mergeSalts, parseSaltsFile } from '../../producers/payloads.js';
import { tempDir } from '../helpers/temp.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
function dir(prefix: string): string {
  const t = tempDir(prefix);
  cleanups.push(t.remove);
  return t.path;
}

const code = (c: string) => expect.objectContaining({ code: c });

describe('key files', () => {
  it('are written 0600, refuse to overwrite, and load back', () => {
    const path = join(dir('keys'), `dept${KEY_FILE_EXTENSION}`);
    const key = writeNewKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => writeNewKeyFile(path)).toThrowError(code('FILE_EXISTS'));
    const loaded = loadKeyFile(path);
    expect(loaded.publicKeyHex).toBe(key.publicKeyHex);
    const sig = loaded.sign(utf8('m'));
    expect(verifyEd25519(key.publicKey, utf8('m'), sig)).toBe(true);
  });
  it('a key file that others can read is refused with how to fix it', () => {
    const path = join(dir('keys'), `open${KEY_FILE_EXTENSION}`);
    writeNewKeyFile(path);
    chmodSync(path, 0o644);
    expect(() => loadKeyFile(path)).toThrowError(expect.objectContaining({ code: 'KEY_FILE_PERMISSIONS', message: expect.stringContaining(`chmod 600 ${path}`) }));
  });
  it('refuses another extension, a missing file and a file that is not a key', () => {
    const d = dir('keys');
    expect(() => writeNewKeyFile(join(d, 'key.json'))).toThrowError(code('BAD_ARGUMENT'));
    expect(() => loadKeyFile(join(d, `none${KEY_FILE_EXTENSION}`))).toThrowError(code('FILE_UNREADABLE'));
    const bogus = join(d, `bogus${KEY_FILE_EXTENSION}`);
    writeFileSync(bogus, '{"format":"x"}', { mode: 0o600 });
    expect(() => loadKeyFile(bogus)).toThrowError(code('BAD_ARGUMENT'));
  });
  it('never shows the secret key when printed, inspected or serialised', () => {
    const key = SigningKey.generate();
    const secretHex = JSON.parse(key.serialize()).secretKey as string;
    expect(JSON.stringify(key)).not.toContain(secretHex);
    expect(inspect(key)).not.toContain(secretHex);
    expect(String(Object.keys(key))).not.toContain(secretHex);
  });
});

describe('commitments (DESIGN.md section 5)', () => {
  const salt = new Uint8Array(32).fill(0xab);
  it('hash "ledger:commit:v1" || salt || u16 len || NFC-trimmed-uppercase value', () => {
    const expected = toHex(new Uint8Array(createHash('sha256').update(Buffer.concat([Buffer.from('ledger:commit:v1'), Buffer.from(salt), Buffer.from([0, 18]), Buffer.from('11010519491231002X')])).digest()));
    expect(toHex(commitment(' 11010519491231002x ', salt))).toBe(expected);
    expect(normalizeCommittedValue('e\u0301')).toBe('\u00c9');
  });
  it('open with the right value and salt only', () => {
    const c = commitment('110105194912310021', salt);
    expect(opensCommitment('110105194912310021', salt, c)).toBe(true);
    expect(opensCommitment('110105194912310022', salt, c)).toBe(false);
    expect(opensCommitment('110105194912310021', new Uint8Array(32), c)).toBe(false);
    expect(opensCommitment('110105194912310021', new Uint8Array(31), c)).toBe(false);
  });
});

describe('attributes (DESIGN.md section 5)', () => {
  it('are ordered by UTF-8 bytes, unique, and rooted with RFC 9162 over salted leaves', () => {
    const salt = new Uint8Array(32).fill(1);
    const attrs = orderAttributes([
      { name: '面积', value: '89.5', salt },
      { name: 'area', value: 'x', salt },
      { name: '坐落', value: '北京市', salt },
    ]);
    expect(attrs.map((a) => a.name)).toEqual(['area', '坐落', '面积']);
    expect(namesInLeafOrder(attrs.map((a) => a.name))).toBe(true);
    expect(toHex(attributesRoot(attrs))).toBe(toHex(rootHash(attrs.map((a) => leafHash(attributeLeafData(a))))));
    const leaf = attributeLeafData(attrs[0]!);
    expect(toHex(leaf)).toBe(toHex(Buffer.concat([Buffer.from('ledger:attr:v1'), Buffer.from([0, 4]), Buffer.from('area'), Buffer.from([0, 0, 0, 1]), Buffer.from('x'), Buffer.from(salt)])));
    expect(() => orderAttributes([...attrs, { name: 'area', value: 'y', salt }])).toThrowError(code('BAD_ARGUMENT'));
  });
});

describe('payload builders', () => {
  const pk = SigningKey.generate().publicKeyHex;
  const valid: Record<string, unknown> = {
    'register-department': { departmentId: 'dept.tax', name: '市税务局', publicKey: pk, resources: ['res.tax.income'] },
    'rotate-key': { departmentId: 'dept.tax', keyVersion: 2, publicKey: pk },
    'compromise-key': { departmentId: 'dept.tax', keyVersion: 1, fromLogPosition: '120', reason: '泄露' },
    'suspend-department': { departmentId: 'dept.tax' },
    'reinstate-department': { departmentId: 'dept.tax' },
    'register-resource': { resourceId: 'res.tax.income', name: '纳税信息', shareType: 'CONDITIONAL', fields: ['年收入'] },
    'update-resource': { resourceId: 'res.tax.income', name: '纳税信息', shareType: 'UNCONDITIONAL', fields: ['年收入'] },
    'publish-version': { resourceId: 'res.tax.income', version: 3, datasetSha256: 'ab'.repeat(32), recordCount: 1000 },
    'request-share': { requestId: 'req-1', resourceId: 'res.tax.income', purpose: '低保核对', fields: ['年收入'] },
    'grant-share': { requestId: 'req-1', fields: ['年收入'], validFrom: '2026-01-01T00:00:00+08:00', validUntil: '2027-01-01T00:00:00+08:00', maxUses: 10 },
    'deny-share': { requestId: 'req-2', reason: '无法律依据' },
    'revoke-share': { requestId: 'req-1' },
    'record-access': { resourceId: 'res.tax.income', grantId: 'req-1', fields: ['年收入'], purpose: '低保核对', subject: '110105194912310021' },
    'record-consent': { consentId: 'consent-1', subject: '110105194912310021', subjectSecret: '5a'.repeat(32), documentSha256: 'ef'.repeat(32), purpose: '低保申请', kind: '申请' },
    'issue-certificate': { certificateId: 'BDC:110105:2026-0001', certificateTypeId: 'BDC', holder: '110105194912310021', attributes: { 坐落: '朝阳区', 面积: '89.5' }, documentSha256: 'cd'.repeat(32), validUntil: 4102444800000 },
    'amend-certificate': { certificateId: 'BDC:110105:2026-0001', attributes: [{ name: '面积', value: '90.1' }], documentSha256: 'cd'.repeat(32), validUntil: 4102444800000 },
    'transfer-certificate': { certificateId: 'BDC:110105:2026-0001', newHolder: '110105198001010011' },
    'revoke-certificate': { certificateId: 'BDC:110105:2026-0001', reason: '注销' },
    'register-mortgage': { certificateId: 'BDC:110105:2026-0001', creditor: 'bank.icbc', amountYuan: 1200000 },
    'release-mortgage': { certificateId: 'BDC:110105:2026-0001', rank: 1 },
    'register-seizure': { certificateId: 'BDC:110105:2026-0001', caseNumber: '(2026)京0105执123号' },
    'lift-seizure': { certificateId: 'BDC:110105:2026-0001', rank: 1 },
    'record-verification': { certificateId: 'BDC:110105:2026-0001', purpose: '抵押贷款审查' },
    'register-certificate-type': { certificateTypeId: 'BDC', name: '不动产权证书' },
  };
  it('covers every payload type, and each builds a body that decodes under the limits', () => {
    expect(Object.keys(valid).sort()).toEqual([...PAYLOAD_TYPES].sort());
    const key = SigningKey.generate();
    for (const [type, input] of Object.entries(valid)) {
      const built = buildPayload(type, input);
      const ev = buildSignedEvent({ channel: 'property', departmentId: 'dept.x', keyVersion: 1, sequence: 1n, clientTimeMs: 1n, ...built.payload }, key);
      const rec = decode('TopicRecord', ev.recordValue);
      expect(toHex(eventId(rec.event!.body)), type).toBe(toHex(ev.id));
      expect(verifyEd25519(key.publicKey, ev.id, rec.event!.signature), type).toBe(true);
    }
  });
  it('a request naming a data subject commits it under the grant subject salt; subject and secret go together', () => {
    const built = buildPayload('request-share', { ...(valid['request-share'] as object), subject: '110105194912310021', subjectSecret: '5a'.repeat(32) });
    expect(toHex(built.payload.shareRequested!.subject!.subjectCommitment)).toBe(toHex(grantSubjectCommitment('110105194912310021', new Uint8Array(32).fill(0x5a), 'req-1')));
    expect(() => buildPayload('request-share', { ...(valid['request-share'] as object), subject: '110105194912310021' })).toThrowError(/together/);
  });
  it('commits the holder and salts the attributes, and the salts file opens them', () => {
    const built = buildPayload('issue-certificate', valid['issue-certificate']);
    const issued = built.payload.certificateIssued!;
    const salts = mergeSalts(built.salts!);
    expect(opensCommitment(salts.holder.value, fromHex(salts.holder.salt), issued.holderCommitment)).toBe(true);
    expect(issued.attributeNames).toEqual(['坐落', '面积']);
    const root = attributesRoot(salts.attributes.map((a) => ({ name: a.name, value: a.value, salt: fromHex(a.salt) })));
    expect(toHex(root)).toBe(toHex(issued.attributesRoot));
    expect(JSON.stringify(built.payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain('110105194912310021');
    expect(parseSaltsFile(JSON.stringify(salts))).toEqual(salts);
    // a transfer keeps the attributes and replaces the holder
    const transfer = buildPayload('transfer-certificate', valid['transfer-certificate']);
    const after = mergeSalts(transfer.salts!, salts);
    expect(after.attributes).toEqual(salts.attributes);
    expect(after.holder.value).toBe('110105198001010011');
    expect(() => mergeSalts(transfer.salts!)).toThrowError(code('BAD_ARGUMENT'));
  });
  it('fresh salts every time', () => {
    const a = buildPayload('issue-certificate', valid['issue-certificate']).payload.certificateIssued!;
    const b = buildPayload('issue-certificate', valid['issue-certificate']).payload.certificateIssued!;
    expect(toHex(a.holderCommitment)).not.toBe(toHex(b.holderCommitment));
    expect(toHex(a.attributesRoot)).not.toBe(toHex(b.attributesRoot));
  });
  it('names every failing field', () => {
    expect(() => buildPayload('nope', {})).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringContaining('unknown payload type "nope"') }));
    const bad = () => buildPayload('grant-share', { requestId: 'bad id', fields: [], validFrom: 'yesterday', validUntil: 5, extra: 1 });
    expect(bad).toThrowError(code('BAD_ARGUMENT'));
    try {
      bad();
    } catch (e) {
      const msg = (e as Error).message;
      for (const field of ['requestId', 'fields', 'validFrom', 'extra']) expect(msg, field).toContain(field);
    }
    expect(() => buildPayload('register-department', { departmentId: 'd', name: 'n', publicKey: '00'.repeat(32) })).toThrowError(expect.objectContaining({ message: expect.stringContaining('publicKey') }));
    expect(() => buildPayload('grant-share', { requestId: 'r', fields: ['a'], validFrom: 10, validUntil: 10 })).toThrowError(code('BAD_ARGUMENT'));
    expect(() => buildPayload('issue-certificate', { ...(valid['issue-certificate'] as object), documentSha256: undefined })).toThrowError(code('BAD_ARGUMENT'));
    // a certificate that does not expire (e.g. a 不动产权证书): no validUntil is valid_until_ms 0 (issue 17)
    expect(buildPayload('issue-certificate', { ...(valid['issue-certificate'] as object), validUntil: undefined }).payload.certificateIssued!.validUntilMs).toBe(0n);
    expect(() => buildPayload('publish-version', { resourceId: 'r', version: 1, datasetFile: '/no/such/file', recordCount: 1 })).toThrowError(code('FILE_UNREADABLE'));
    expect(() => buildPayload('issue-certificate', { ...(valid['issue-certificate'] as object), attributes: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] })).toThrowError(code('BAD_ARGUMENT'));
    // a certificate type's name as the chain takes it (issue 24): 1 to 64 UTF-8 bytes, no outer blanks
    for (const name of ['', ' 不动产权证书', '不动产权证书\n', '证'.repeat(22)]) {
      expect(() => buildPayload('register-certificate-type', { certificateTypeId: 'BDC', name }), JSON.stringify(name)).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringContaining('name') }));
    }
    expect(buildPayload('register-certificate-type', { certificateTypeId: 'BDC', name: '证'.repeat(21) }).payload.certificateTypeRegistered!.name).toBe('证'.repeat(21));
  });
});

describe('outbox', () => {
  const fake = (n: bigint) => ({ id: new Uint8Array(32).fill(Number(n)), recordValue: utf8(`event ${n}`) });
  it('hands out consecutive sequence numbers and keeps them across reopen', async () => {
    const d = dir('outbox');
    let box = await Outbox.open(d, 'property', 'dept.tax');
    const entries = await Promise.all([1, 2, 3].map(() => box.append(fake)));
    expect(entries.map((e) => e.sequence)).toEqual([1n, 2n, 3n]);
    await box.acknowledge(1n, 1, 0, 41n);
    await box.close();
    box = await Outbox.open(d, 'property', 'dept.tax');
    expect(box.nextSequence).toBe(4n);
    expect(box.counts()).toMatchObject({ nextSequence: 4n, pending: 2, acknowledged: 1 });
    expect((await box.pending()).map((e) => e.sequence)).toEqual([2n, 3n]);
    expect(await box.entry(1n)).toMatchObject({ state: 'acknowledged', offset: 41n, partition: 0 });
    expect(toHex((await box.entry(2n))!.recordValue)).toBe(toHex(utf8('event 2')));
    expect(await box.entry(2n)).toMatchObject({ state: 'pending', eventId: new Uint8Array(32).fill(2) });
    await box.close();
  });
  it('stores a batch at once, skipping no number for a build that throws, and maps offsets per acknowledged batch', async () => {
    const box = await Outbox.open(dir('outbox'), 'property', 'dept.tax', 10n);
    const results = await box.appendMany(['a', 'bad', 'b', 'c'], (item, s) => {
      if (item === 'bad') throw new Error('bad input');
      return fake(s);
    });
    expect(results.map((r) => (r.ok ? r.entry.sequence : 'error'))).toEqual([10n, 'error', 11n, 12n]);
    await expect(box.acknowledge(11n, 1, 0, 5n)).rejects.toMatchObject({ code: 'INTERNAL' });
    await box.acknowledge(10n, 2, 0, 100n);
    await box.acknowledge(12n, 1, 0, 200n);
    const all = [];
    for await (const e of box.entries()) all.push([e.sequence, e.state, e.offset]);
    expect(all).toEqual([[10n, 'acknowledged', 100n], [11n, 'acknowledged', 101n], [12n, 'acknowledged', 200n]]);
    expect(await box.entry(11n)).toMatchObject({ offset: 101n });
    expect(box.counts()).toMatchObject({ pending: 0, acknowledged: 3, nextSequence: 13n });
    await box.close();
  });
  it('a build that throws uses no number', async () => {
    const box = await Outbox.open(dir('outbox'), 'property', 'dept.tax');
    await expect(box.append(() => { throw new Error('bad input'); })).rejects.toThrow('bad input');
    expect((await box.append(fake)).sequence).toBe(1n);
    await box.close();
  });
  it('refuses a folder of another department, and a second process on the same folder', async () => {
    const d = dir('outbox');
    const box = await Outbox.open(d, 'property', 'dept.tax');
    await expect(Outbox.open(d, 'property', 'dept.tax')).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    await box.close();
    await expect(Outbox.open(d, 'property', 'dept.other')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
