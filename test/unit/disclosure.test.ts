/**
 * Selective disclosure (ledger/disclosure.ts) and its pure check (verifier/disclosure-check.ts)
 * against a certificate on a real chain (test/helpers/scenario-chain.ts): a disclosure from the
 * holder's current salts file verifies against the certificate record's attributes root and
 * names; a changed value, salt, index, leaf count, proof or root, or an extra attribute, does not;
 * malformed input is reported, never thrown. The holder check opens the holder commitment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { buildDisclosure, disclosureToJson, type DisclosureJson, type HolderSalts } from '../../ledger/disclosure.js';
import { isLedgerError } from '../../errors/ledger-error.js';
import type { CertificateRecord } from '../../proto/schema.generated.js';
import { checkDisclosure, checkHolder, type TrustedCertificate } from '../../verifier/disclosure-check.js';
import { runCli } from '../helpers/cli.js';
import { bytes32 } from '../helpers/chain.js';
import { buildScenarioChain, CERT, type ScenarioFacts } from '../helpers/scenario-chain.js';
import { tempDir } from '../helpers/temp.js';

let facts: ScenarioFacts;
let record: CertificateRecord;
let salts: HolderSalts;
let trusted: TrustedCertificate;

beforeAll(async () => {
  const built = await buildScenarioChain();
  facts = built.facts;
  record = (await built.chain.core.state.getRecord('cert', CERT))!;
  // the holder's current file: the amended attributes, the holder after the transfer
  salts = { certificate: CERT, holder: { value: facts.newHolder.value, salt: facts.newHolder.salt }, attributes: facts.amended.salts.attributes };
  trusted = { attributesRoot: record.attributesRoot, attributeNames: record.attributeNames, certificateId: CERT };
});

const disclose = (names: string[]): DisclosureJson => disclosureToJson(buildDisclosure(salts, names, record.attributesRoot));
const clone = (d: DisclosureJson): DisclosureJson => JSON.parse(JSON.stringify(d)) as DisclosureJson;
const flipHex = (h: string, at = 0): string => h.slice(0, at) + (h[at] === '0' ? '1' : '0') + h.slice(at + 1);

describe('selective disclosure', () => {
  it('discloses chosen attributes that verify against the certificate record (JSON text too)', () => {
    const d = disclose(['面积', '产权人']);
    expect(d).toMatchObject({ certificateId: CERT, attributesRoot: toHex(record.attributesRoot), leafCount: record.attributeNames.length });
    expect(d.attributes.map((a) => [a.name, a.value, a.index])).toEqual([
      ['面积', '91.2', record.attributeNames.indexOf('面积')],
      ['产权人', '张三', record.attributeNames.indexOf('产权人')],
    ]);
    const r = checkDisclosure(d, trusted);
    expect(r).toEqual({ ok: true, code: 'OK', attributes: [{ name: '面积', ok: true, code: 'OK' }, { name: '产权人', ok: true, code: 'OK' }], disclosed: { 面积: '91.2', 产权人: '张三' } });
    expect(checkDisclosure(JSON.stringify(d), trusted).ok).toBe(true);
    // the root alone (no names) is enough for the proofs
    expect(checkDisclosure(d, { attributesRoot: record.attributesRoot }).ok).toBe(true);
    // every attribute, one at a time
    for (const name of record.attributeNames) expect(checkDisclosure(disclose([name]), trusted).ok, name).toBe(true);
  });

  it('a changed value, salt, index, leaf count or proof does not verify', () => {
    const d = disclose(['坐落', '面积']);
    const cases: Array<[string, (x: DisclosureJson) => void, string]> = [
      ['value', (x) => (x.attributes[0]!.value = '北京市朝阳区建国路2号'), 'PROOF_INVALID'],
      ['value whitespace', (x) => (x.attributes[1]!.value = '91.2 '), 'PROOF_INVALID'],
      ['salt', (x) => (x.attributes[0]!.salt = flipHex(x.attributes[0]!.salt, 63)), 'PROOF_INVALID'],
      ['short salt', (x) => (x.attributes[0]!.salt = x.attributes[0]!.salt.slice(2)), 'BAD_SALT'],
      ['index', (x) => (x.attributes[0]!.index += 1), 'NAME_MISMATCH'],
      ['name', (x) => (x.attributes[1]!.name = '用途'), 'NAME_MISMATCH'],
      ['leaf count', (x) => (x.leafCount += 1), 'LEAF_COUNT_MISMATCH'],
      ['proof hash', (x) => (x.attributes[1]!.proof[0] = flipHex(x.attributes[1]!.proof[0]!)), 'PROOF_INVALID'],
      ['proof shortened', (x) => x.attributes[1]!.proof.pop(), 'PROOF_INVALID'],
      ['proof lengthened', (x) => x.attributes[1]!.proof.push('00'.repeat(32)), 'PROOF_INVALID'],
      ['root', (x) => (x.attributesRoot = toHex(facts.issued.root)), 'ROOT_MISMATCH'],
      ['certificate', (x) => (x.certificateId = 'C-other'), 'CERTIFICATE_MISMATCH'],
      ['duplicate', (x) => x.attributes.push(clone(x).attributes[0]!), 'DUPLICATE_ATTRIBUTE'],
      ['none', (x) => (x.attributes = []), 'EMPTY'],
    ];
    for (const [what, mutate, code] of cases) {
      const x = clone(d);
      mutate(x);
      const r = checkDisclosure(x, trusted);
      expect(r.ok, what).toBe(false);
      expect(r.code, what).toBe(code);
    }
    // without the names, the proof itself catches a moved index or a changed leaf count
    for (const mutate of [(x: DisclosureJson) => (x.attributes[0]!.index += 1), (x: DisclosureJson) => (x.leafCount += 1), (x: DisclosureJson) => (x.attributes[0]!.index = 0)]) {
      const x = clone(d);
      mutate(x);
      const r = checkDisclosure(x, { attributesRoot: record.attributesRoot });
      expect(r.ok).toBe(false);
      expect(r.code).toBe('PROOF_INVALID');
    }
  });

  it('an extra attribute (not in the certificate) does not verify, whatever index it claims', () => {
    const d = disclose(['产权人']);
    const real = d.attributes[0]!;
    for (const index of [0, real.index, record.attributeNames.length, 99]) {
      const x = clone(d);
      x.attributes.push({ name: '抵押情况', value: '无', salt: toHex(bytes32('forged')), index, proof: real.proof });
      for (const t of [trusted, { attributesRoot: record.attributesRoot }]) {
        const r = checkDisclosure(x, t);
        expect(r.ok).toBe(false);
        expect(r.attributes[0]!.ok).toBe(true);
        expect(r.attributes[1]!.ok).toBe(false);
        expect(r.disclosed).toEqual({ 产权人: '张三' });
      }
    }
  });

  it('every single-character change of a salt or a proof fails', () => {
    const d = disclose(['用途']);
    const a = d.attributes[0]!;
    for (let i = 0; i < a.salt.length; i += 7) {
      const x = clone(d);
      x.attributes[0]!.salt = flipHex(a.salt, i);
      expect(checkDisclosure(x, trusted).ok).toBe(false);
    }
    a.proof.forEach((p, j) => {
      for (let i = 0; i < p.length; i += 11) {
        const x = clone(d);
        x.attributes[0]!.proof[j] = flipHex(p, i);
        expect(checkDisclosure(x, trusted).ok).toBe(false);
      }
    });
  });

  it('malformed input is reported, never thrown', () => {
    const d = disclose(['面积']);
    const bad: unknown[] = [null, undefined, 42, 'not json', '{}', [], {}, { ...d, attributes: 'x' }, { ...d, attributesRoot: 'zz' }, { ...d, leafCount: -1 }, { ...d, leafCount: 1.5 }];
    for (const x of bad) expect(checkDisclosure(x, trusted).code).toBe('MALFORMED');
    const x = clone(d);
    (x.attributes[0] as unknown as { proof: unknown }).proof = ['nothex'];
    expect(checkDisclosure(x, trusted).code).toBe('MALFORMED');
    expect(checkDisclosure(d, { attributesRoot: 'x' as unknown as Uint8Array }).code).toBe('MALFORMED');
  });

  it('a salts file that does not give the certificate root, or unknown names, are refused when building', () => {
    const old: HolderSalts = { ...salts, attributes: facts.issued.salts.attributes }; // from before the amendment
    const code = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return isLedgerError(e) ? e.code : String(e);
      }
    };
    expect(code(() => buildDisclosure(old, ['面积'], record.attributesRoot))).toBe('CHECK_FAILED');
    expect(code(() => buildDisclosure(salts, ['抵押情况']))).toBe('BAD_ARGUMENT');
    expect(code(() => buildDisclosure(salts, ['面积', '面积']))).toBe('BAD_ARGUMENT');
    expect(code(() => buildDisclosure(salts, []))).toBe('BAD_ARGUMENT');
    expect(code(() => buildDisclosure({ ...salts, attributes: [{ name: 'a', value: 'b', salt: 'ab' }] }, ['a']))).toBe('BAD_ARGUMENT');
  });

  it('the holder check opens the holder commitment (normalised id), and nothing else does', () => {
    expect(checkHolder(facts.newHolder.value, facts.newHolder.salt, record.holderCommitment)).toEqual({ ok: true, code: 'OK' });
    expect(checkHolder(` ${facts.newHolder.value}\n`, facts.newHolder.salt, record.holderCommitment).ok).toBe(true);
    expect(checkHolder(salts.holder.value, Uint8Array.from(Buffer.from(facts.newHolder.salt, 'hex')), record.holderCommitment).ok).toBe(true);
    expect(checkHolder(facts.issued.salts.holder.value, facts.issued.salts.holder.salt, record.holderCommitment)).toEqual({ ok: false, code: 'NOT_HOLDER' }); // the holder before the transfer
    expect(checkHolder(facts.newHolder.value, flipHex(facts.newHolder.salt), record.holderCommitment).code).toBe('NOT_HOLDER');
    expect(checkHolder(facts.newHolder.value, 'abcd', record.holderCommitment).code).toBe('BAD_SALT');
    expect(checkHolder('', facts.newHolder.salt, record.holderCommitment).code).toBe('MALFORMED');
    expect(checkHolder(facts.newHolder.value, facts.newHolder.salt, new Uint8Array(3)).code).toBe('MALFORMED');
  });

  it('ledger disclose writes a disclosure that checks', () => {
    const tmp = tempDir('disclose');
    try {
      const saltsFile = join(tmp.path, 'salts.json');
      const out = join(tmp.path, 'disclosure.json');
      writeFileSync(saltsFile, JSON.stringify(salts));
      const r = runCli(['disclose', '--salts', saltsFile, '--attr', '坐落', '--attr', '用途', '--out', out, '--root', toHex(record.attributesRoot)]);
      expect(r.status, r.stderr).toBe(0);
      const check = checkDisclosure(readFileSync(out, 'utf8'), trusted);
      expect(check).toMatchObject({ ok: true, disclosed: { 坐落: '北京市朝阳区建国路1号', 用途: '住宅' } });
      expect(runCli(['disclose', '--salts', saltsFile, '--attr', '坐落', '--out', out]).stderr).toMatch(/FILE_EXISTS/);
      const wrongRoot = runCli(['disclose', '--salts', saltsFile, '--attr', '坐落', '--out', join(tmp.path, 'x.json'), '--root', toHex(facts.issued.root)]);
      expect(wrongRoot.status).toBe(1);
      expect(wrongRoot.stderr).toMatch(/CHECK_FAILED/);
      expect(runCli(['disclose', '--salts', saltsFile, '--attr', 'nope', '--out', join(tmp.path, 'y.json')]).status).toBe(2);
    } finally {
      tmp.remove();
    }
  });
});
