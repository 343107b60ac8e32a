/**
 * `ledger proof` on a stopped node's real LevelDB data folder (DESIGN.md section 11:
 * `<data>/genesis.bin`, `<data>/nodes/<n>/`), holding a chain cut by the real state machine and
 * node core (test/helpers/scenario-chain.ts), then `ledger verify` on what it wrote, checking the
 * exit codes of cli/exit-codes.ts VERDICT_EXIT: VALID 0, INVALID 1, REVOKED 3, UNKNOWN 4,
 * EXPIRED 5, STALE 6; the binary, JSON and QR (PNG, SVG) formats; the holder, disclosure,
 * document and fields checks; a folder locked by a running process (exit 2).
 */
import { Level } from 'level';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { bytes32 } from '../helpers/chain.js';
import { runCli } from '../helpers/cli.js';
import { grant, request } from '../helpers/payloads.js';
import { buildScenarioChain, CERT, type ScenarioFacts } from '../helpers/scenario-chain.js';
import { tempDir } from '../helpers/temp.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const tmp = tempDir('proof-cli');
const data = tmp.path;
const nodeDir = join(data, 'nodes', '1');
const anchor = join(data, 'genesis.bin');
const VALID_CERT = '11100000MB0000000X:BDC:2026-000124';
const EXPIRING = 'C-expiring';
const EXPIRES = 90_000_000n;
let facts: ScenarioFacts;
let headTime: bigint;

beforeAll(async () => {
  mkdirSync(nodeDir, { recursive: true });
  const db = new Level<Uint8Array, Uint8Array>(nodeDir, VIEW);
  const built = await buildScenarioChain({ db: db as unknown as AnyDb });
  facts = built.facts;
  const w = built.chain.w;
  await built.chain.block([
    w.event('dept.realestate', {
      certificateIssued: { certificateId: EXPIRING, certificateTypeId: 'BDC', holderCommitment: facts.newHolder.commitment, attributesRoot: facts.issued.root, documentSha256: bytes32('doc:expiring'), validUntilMs: EXPIRES, attributeNames: facts.issued.names, certificateTypeName: '' },
    }),
    w.event('dept.civil', request('hh-cli', 'res.tax.income', ['年收入'])),
  ]);
  await built.chain.block([w.event('dept.tax', grant('hh-cli', ['年收入'], 0n, 1n << 62n))]);
  headTime = (await built.chain.core.blocks.header(built.chain.height))!.blockTimeMs;
  writeFileSync(anchor, built.chain.genesis.bytes);
  await db.close();
}, 120_000);

afterAll(() => tmp.remove());

const out = (name: string) => join(data, name);
const proof = (args: string[]) => runCli(['proof', '--data', data, '--node', '1', ...args]);
/** The test chain's broker times are in 1970: the reader's time is a second after its head unless given. */
const verify = (file: string, args: string[] = []) => runCli(['verify', file, '--anchor', anchor, ...(args.includes('--now') ? [] : ['--now', String(headTime + 1000n)]), ...args]);

describe('ledger proof then ledger verify', () => {
  it('an issued certificate: binary and JSON bundles are VALID (exit 0)', () => {
    const p = proof(['--cert', VALID_CERT, '--out', out('valid.bin'), '--format', 'binary']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/binary, \d+ bytes/);
    const v = verify(out('valid.bin'));
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^VALID {2}certificate 11100000MB0000000X:BDC:2026-000124/);
    expect(v.stdout).toContain('issuer dept.realestate');

    expect(proof(['--cert', VALID_CERT, '--out', out('valid.json')]).status).toBe(0);
    const j = verify(out('valid.json'), ['--json']);
    expect(j.status).toBe(0);
    const r = JSON.parse(j.stdout);
    expect(r).toMatchObject({ verdict: 'VALID', subject: { kind: 'certificate', id: VALID_CERT }, summary: { status: 'ISSUED' } });
    expect(JSON.parse(readFileSync(out('valid.json'), 'utf8')).subjectId).toBe(VALID_CERT);
  });

  it('revoked exits 3, unknown 4, expired 5, stale 6, tampered 1', () => {
    expect(proof(['--cert', CERT, '--out', out('revoked.bin'), '--format', 'binary']).status).toBe(0);
    expect(verify(out('revoked.bin')).status).toBe(3);
    const u = proof(['--cert', 'no-such-cert', '--out', out('unknown.bin'), '--format', 'binary']);
    expect(u.stdout).toContain('proves its absence');
    expect(verify(out('unknown.bin')).status).toBe(4);
    expect(proof(['--cert', EXPIRING, '--out', out('expiring.bin'), '--format', 'binary']).status).toBe(0);
    expect(verify(out('expiring.bin'), ['--now', String(EXPIRES - 1n), '--max-age', 'none']).status).toBe(0);
    expect(verify(out('expiring.bin'), ['--now', String(EXPIRES), '--max-age', 'none']).status).toBe(5);
    const stale = verify(out('valid.bin'), ['--max-age', '1d', '--now', String(86_400_000n * 10n)]);
    expect([stale.status, stale.stdout.split(' ')[0]]).toEqual([6, 'STALE']);
    const bytes = readFileSync(out('valid.bin'));
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 1;
    writeFileSync(out('tampered.bin'), bytes);
    const t = verify(out('tampered.bin'));
    expect(t.status).toBe(1);
    expect(t.stdout).toMatch(/^INVALID/);
    // a bundle about another id than the one asked about; an anchor that is not a genesis
    expect(verify(out('valid.bin'), ['--cert', 'other-id']).status).toBe(1);
    writeFileSync(out('junk.bin'), Uint8Array.of(1, 2, 3));
    // a wrong anchor is a usage error (exit 2), not a verdict on the certificate (issue 17)
    const junk = runCli(['verify', out('valid.bin'), '--anchor', out('junk.bin')]);
    expect([junk.status, junk.stdout]).toEqual([2, '']);
    expect(junk.stderr).toContain(`error [USAGE]: --anchor ${out('junk.bin')}: this file is not a genesis`);
  });

  it('fresh by default: a bundle older than 24 h is STALE without any option; --max-age none must be explicit', () => {
    const day = 86_400_000n;
    const fresh = verify(out('valid.bin'), ['--now', String(headTime + day)]);
    expect(fresh.status, fresh.stdout).toBe(0);
    expect(fresh.stdout).toContain('maximum age: 24 h (the default');
    const old = verify(out('valid.bin'), ['--now', String(headTime + day + 1n)]);
    expect([old.status, old.stdout.split(' ')[0]]).toEqual([6, 'STALE']);
    const none = verify(out('valid.bin'), ['--now', String(headTime + 365n * day), '--max-age', 'none']);
    expect(none.status, none.stdout).toBe(0);
    expect(none.stdout).toContain('maximum age: none (--max-age none)');
    const j = verify(out('valid.bin'), ['--now', String(headTime + day + 1n), '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ verdict: 'STALE', maxAgeMs: String(day) });
    expect(verify(out('valid.bin'), ['--max-age', 'never']).status).toBe(2);
  });

  it('grants: VALID with the fields covered, INVALID without; a revoked grant exits 3', () => {
    expect(proof(['--grant', 'hh-cli', '--out', out('grant.json')]).status).toBe(0);
    const ok = verify(out('grant.json'), ['--fields', '年收入']);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('grantee dept.civil');
    expect(verify(out('grant.json'), ['--fields', '年收入,纳税额']).status).toBe(1);
    expect(proof(['--grant', 'hh-2026-001.1', '--out', out('grant-revoked.json')]).status).toBe(0);
    expect(verify(out('grant-revoked.json')).status).toBe(3);
  });

  it('holder, disclosure and document checks', () => {
    const holderSalt = facts.issued.salts.holder.salt;
    const salts = { certificate: VALID_CERT, holder: facts.issued.salts.holder, attributes: facts.issued.salts.attributes };
    writeFileSync(out('salts.json'), JSON.stringify(salts));
    expect(runCli(['disclose', '--salts', out('salts.json'), '--attr', '面积', '--out', out('disclosure.json')]).status).toBe(0);
    writeFileSync(out('doc.ofd'), `test-bytes:doc:${VALID_CERT}`); // bytes32(label) is SHA-256 of this text
    const all = verify(out('valid.bin'), ['--holder', '110101199001011234', '--holder-salt', holderSalt, '--disclose', out('disclosure.json'), '--document', out('doc.ofd'), '--json']);
    expect(all.status, all.stdout).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ verdict: 'VALID', checks: { holder: 'passed', attributes: 'passed', document: 'passed' }, disclosed: { 面积: '89.5' } });
    expect(verify(out('valid.bin'), ['--holder', '110101199001011235', '--holder-salt', holderSalt]).status).toBe(1);
    writeFileSync(out('other.ofd'), 'another file');
    expect(verify(out('valid.bin'), ['--document', out('other.ofd')]).status).toBe(1);
    expect(verify(out('valid.bin'), ['--holder', 'x']).status).toBe(2); // --holder-salt missing: usage
    // the holder's presentation (issue 24): bundle, holder salt and 面积 in one QR code
    const present = runCli(['disclose', '--salts', out('salts.json'), '--attr', '面积', '--bundle', out('valid.bin'), '--qr', '--out', out('present.png')]);
    expect(present.status, present.stderr).toBe(0);
    expect(present.stdout).toContain('in 1 QR code(s)');
    expect(toHex(readFileSync(out('present.png')).subarray(0, 8))).toBe('89504e470d0a1a0a');
    expect(runCli(['disclose', '--salts', out('salts.json'), '--qr', '--out', out('present2.png')]).status).toBe(2); // --bundle missing
  });

  it('QR formats: a PNG and an SVG of the binary bundle', () => {
    expect(proof(['--cert', VALID_CERT, '--out', out('valid.png'), '--format', 'qr']).status).toBe(0);
    expect(toHex(readFileSync(out('valid.png')).subarray(0, 8))).toBe('89504e470d0a1a0a');
    expect(proof(['--cert', VALID_CERT, '--out', out('valid.svg'), '--format', 'qr']).status).toBe(0);
    expect(readFileSync(out('valid.svg'), 'utf8')).toMatch(/^<svg/);
    const v = verify(out('valid.png'));
    expect(v.status).toBe(1);
    expect(v.stdout).toContain('PNG');
  });

  it('usage errors and a folder locked by a running process (exit 2)', async () => {
    expect(proof(['--out', out('x.json')]).status).toBe(2);
    expect(proof(['--cert', VALID_CERT, '--out', out('valid.bin')]).status).toBe(2); // exists
    const db = new Level<Uint8Array, Uint8Array>(nodeDir, VIEW);
    await db.open();
    try {
      const r = proof(['--cert', VALID_CERT, '--out', out('locked.json')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('STORE_LOCKED');
    } finally {
      await db.close();
    }
  });
});
