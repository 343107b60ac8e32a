/**
 * The reader page (issue 13) in headless Chromium, as built by `npm run build` (dist/reader/:
 * index.html and the esbuild bundle), served over HTTP with the genesis at /v1/genesis, exactly the
 * two things it needs from a node. Bundles of a chain cut by the real state machine and node core
 * (record times of today): VALID, REVOKED, EXPIRED, UNKNOWN, a tampered bundle (INVALID) and one
 * whose header is two days old (STALE under the default maximum age of 24 h) give
 * the counter's verdicts in Chinese; the English switch; a QR image decoded in the browser; a
 * pasted JSON view; the holder check from the holder's salts file; an anchor file for offline use
 * replacing the node's; a certificate type shown by its catalogue name (issue 24). (The screenshots in docs/ come from the demo test, test/integration/demo.test.ts.)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import { toHex } from '../../ledger/bytes.js';
import { commitment } from '../../ledger/commitment.js';
import { createGenesis } from '../../ledger/genesis.js';
import { attributesRoot, orderAttributes } from '../../ledger/attributes.js';
import { fromHex } from '../../ledger/bytes.js';
import { buildDisclosure } from '../../ledger/disclosure.js';
import { presentationParts } from '../../verifier/holder-presentation.js';
import { SigningKey } from '../../ledger/key-file.js';
import { bundleToJson } from '../../verifier/bundle-json.js';
import { chromium } from 'playwright-core';
import { requireProgram } from '../../stack/prerequisites.js';
import { CHROMIUM_ARGS, launchChromium } from '../helpers/browser.js';
import { bytes32, TestChain } from '../helpers/chain.js';
import { certIssued, grant, request, resource } from '../helpers/payloads.js';
import { AUTHORITY } from '../helpers/world.js';
import { tempDir } from '../helpers/temp.js';
import { attachWitnessed } from '../../proofs/bundle-witnessed.js';
import { testWitness, witnessedNote } from '../helpers/witnesses.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist', 'reader');
const tmp = tempDir('reader-page');

let browser: Browser;
let server: Server;
let base: string;
const files: Record<string, string> = {};
let anchorHash: string;
const HOLDER = '110105198001010011';
const HOLDER_SALT = bytes32('reader:holder');
let witnessNames: string[] = [];

beforeAll(async () => {
  expect(existsSync(join(DIST, 'index.html')), 'npm run build writes dist/reader/index.html').toBe(true);
  expect(existsSync(join(DIST, 'reader.js')), 'npm run build writes dist/reader/reader.js').toBe(true);

  // a chain that starts two days ago (a bundle from then is older than the default maximum
  // status age of 24 h: STALE), then goes on with record times of today
  const chain = await TestChain.create();
  chain.now = BigInt(Date.now()) - 2n * 86_400_000n;
  const w = chain.w;
  await chain.block([w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
  const holder = commitment(HOLDER, HOLDER_SALT);
  await chain.block([w.event('dept.realestate', certIssued('BDC:old', 'BDC', { holderCommitment: holder }))]);
  const oldSource = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
  const stale = await buildProofBundle(oldSource, { kind: 'certificate', id: 'BDC:old' });
  chain.now = BigInt(Date.now()) - 60_000n;
  await chain.block([
    w.event('dept.realestate', certIssued('BDC:valid', 'BDC', { holderCommitment: holder, validUntilMs: BigInt(Date.now()) + 365n * 86_400_000n })),
    w.event('dept.realestate', certIssued('BDC:revoked', 'BDC', { holderCommitment: holder })),
    // valid for 50 ms after its record time: expired when the page verifies it
    w.event('dept.realestate', certIssued('BDC:expired', 'BDC', { holderCommitment: holder, validUntilMs: chain.now + 50n })),
  ]);
  await chain.block([w.event('dept.realestate', { certificateRevoked: { certificateId: 'BDC:revoked', reason: '注销登记' } })]);
  // a data-share grant that its data source (the tax bureau) revoked (issue 17: the page must say the
  // data source revoked it, never a 签发机关, which issues certificates)
  await chain.block([w.register('dept.tax', { resourceIds: ['res.tax.income'] }), w.register('dept.civil', {}, AUTHORITY, '市民政局')]);
  await chain.block([w.event('dept.tax', resource('res.tax.income', 2, ['年收入']))]);
  await chain.block([w.event('dept.civil', request('hh-revoked', 'res.tax.income', ['年收入']))]);
  await chain.block([w.event('dept.tax', grant('hh-revoked', ['年收入'], 0n, chain.now + 365n * 86_400_000n))]);
  await chain.block([w.event('dept.tax', { shareRevoked: { requestId: 'hh-revoked', reason: '核对结束' } })]);
  const source = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
  const bundle = (id: string) => buildProofBundle(source, { kind: 'certificate', id });
  const valid = await bundle('BDC:valid');
  const tampered = new Uint8Array(valid);
  tampered[tampered.length >> 1] = tampered[tampered.length >> 1]! ^ 0x01;
  const write = (name: string, data: Uint8Array | string) => {
    files[name] = join(tmp.path, name);
    writeFileSync(files[name]!, data);
  };
  write('valid.bundle.bin', valid);
  write('valid.qr.y4m', qrVideo(valid));
  write('revoked.bundle.json', JSON.stringify(bundleToJson(await bundle('BDC:revoked')), null, 2));
  write('revoked-grant.bundle.bin', await buildProofBundle(source, { kind: 'grant', id: 'hh-revoked' }));
  write('expired.bundle.bin', await bundle('BDC:expired'));
  write('unknown.bundle.bin', await bundle('BDC:never-issued'));
  write('stale.bundle.bin', stale);
  write('tampered.bundle.bin', tampered);
  write('anchor.genesis.bin', chain.genesis.bytes);
  write('holder.salts.json', JSON.stringify({ certificate: 'BDC:valid', holder: { value: HOLDER, salt: toHex(HOLDER_SALT) }, attributes: [] }));
  write('wrong-holder.salts.json', JSON.stringify({ certificate: 'BDC:valid', holder: { value: '110105190001010000', salt: toHex(HOLDER_SALT) }, attributes: [] }));
  // a certificate with real salted attributes, for the holder's presentation (issue 24), in a
  // block after the bundles above were built (they stay valid against their own header)
  const presented = { certificate: 'BDC:presented', holder: { value: HOLDER, salt: toHex(HOLDER_SALT) }, attributes: [{ name: '坐落', value: '朝阳区建国路88号', salt: toHex(bytes32('attr:坐落')) }, { name: '面积', value: '89.50', salt: toHex(bytes32('attr:面积')) }] };
  const ordered = orderAttributes(presented.attributes.map((a) => ({ name: a.name, value: a.value, salt: fromHex(a.salt) })));
  await chain.block([w.event('dept.realestate', certIssued('BDC:presented', 'BDC', { holderCommitment: holder, attributesRoot: attributesRoot(ordered), attributeNames: ordered.map((a) => a.name) }))]);
  // the holder's one QR code: the bundle, the holder's salt and one chosen attribute (坐落), not 面积
  const parts = presentationParts(await bundle('BDC:presented'), HOLDER_SALT, buildDisclosure(presented, ['坐落']), 'BDC:presented');
  expect(parts).toHaveLength(1);
  write('presentation.qr.y4m', qrVideo(parts[0]!));
  files['valid.qr.png'] = join(tmp.path, 'valid.qr.png');
  await QRCode.toFile(files['valid.qr.png'], [{ data: valid, mode: 'byte' }], { errorCorrectionLevel: 'L', margin: 4, scale: 4 });
  // another chain's genesis: an anchor that is not this chain's
  write('other.genesis.bin', createGenesis({ channel: 'property', authorities: [{ departmentId: 'authority.city', name: 'x', publicKey: SigningKey.generate().publicKey }], nodes: [SigningKey.generate().publicKey], quorum: 1 }).bytes);

  // issue 23: a chain whose genesis names two witnesses (quorum 2); a bundle cosigned by both, one without
  const witnesses = [0, 1].map(testWitness);
  const wChain = await TestChain.create({ witnesses: witnesses.map((x) => ({ name: x.name, publicKey: x.key.publicKey, url: 'https://witness.example.cn' })) });
  wChain.now = BigInt(Date.now()) - 60_000n;
  await wChain.block([wChain.w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
  await wChain.block([wChain.w.event('dept.realestate', certIssued('BDC:witnessed', 'BDC', { holderCommitment: holder }))]);
  const wSource = { genesis: wChain.genesis, blocks: wChain.core.blocks, merkle: wChain.core.merkle, state: wChain.core.state };
  const unwitnessed = await buildProofBundle(wSource, { kind: 'certificate', id: 'BDC:witnessed' });
  const head = (await wChain.core.blocks.header(wChain.height))!;
  write('witnessed.genesis.bin', wChain.genesis.bytes);
  write('unwitnessed.bundle.bin', unwitnessed);
  write('witnessed.bundle.bin', await attachWitnessed(unwitnessed, witnessedNote(wChain.genesis, head.logSize, head.logRoot, witnesses), wChain.genesis, (o, n) => wChain.core.merkle.consistencyProof(o, n)));
  witnessNames = witnesses.map((x) => x.name);

  // issue 24: a chain under rules version 2 whose catalogue names BDC 不动产权证书; a certificate
  // issued with that name carries it in its record, so the bundle proves it to the page
  const nChain = await TestChain.create({ rulesVersion: 2 });
  nChain.now = BigInt(Date.now()) - 60_000n;
  await nChain.block([nChain.w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
  await nChain.block([nChain.w.event(AUTHORITY, { certificateTypeRegistered: { certificateTypeId: 'BDC', name: '不动产权证书' } })]);
  await nChain.block([nChain.w.event('dept.realestate', certIssued('BDC:named', 'BDC', { holderCommitment: holder, certificateTypeName: '不动产权证书' }))]);
  write('named.genesis.bin', nChain.genesis.bytes);
  write('named.bundle.bin', await buildProofBundle({ genesis: nChain.genesis, blocks: nChain.core.blocks, merkle: nChain.core.merkle, state: nChain.core.state }, { kind: 'certificate', id: 'BDC:named' }));
  anchorHash = toHex(chain.genesis.hash);

  // the two things the page needs from a node: its static files and the genesis
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/v1/genesis') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(chain.genesis.bytes);
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[a-z.]+$/.test(file) || !existsSync(join(DIST, file))) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript' }).end(readFileSync(join(DIST, file)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  tmp.remove();
});

/**
 * A camera's view of the bundle's QR code: one YUV4MPEG2 frame (I420, black modules on white) for
 * Chromium's fake capture device, which loops it.
 */
function qrVideo(bundle: Uint8Array): Uint8Array {
  const qr = QRCode.create([{ data: bundle, mode: 'byte' }], { errorCorrectionLevel: 'L' });
  const size = qr.modules.size;
  const scale = 5;
  const side = Math.ceil(((size + 8) * scale) / 2) * 2;
  const y = new Uint8Array(side * side).fill(235);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!qr.modules.get(r, c)) continue;
      for (let dy = 0; dy < scale; dy++) y.fill(16, (4 * scale + r * scale + dy) * side + 4 * scale + c * scale, (4 * scale + r * scale + dy) * side + 4 * scale + (c + 1) * scale);
    }
  }
  const chroma = new Uint8Array((side / 2) * (side / 2) * 2).fill(128);
  const header = new TextEncoder().encode(`YUV4MPEG2 W${side} H${side} F5:1 Ip A1:1 C420jpeg\nFRAME\n`);
  const out = new Uint8Array(header.length + y.length + chroma.length);
  out.set(header, 0);
  out.set(y, header.length);
  out.set(chroma, header.length + y.length);
  return out;
}

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  await page.getByTestId('anchor-hash').waitFor();
  expect(errors).toEqual([]);
  return page;
}

async function upload(page: Page, name: string): Promise<{ verdict: string | null; label: string }> {
  await page.setInputFiles('#bundle-file', files[name]!);
  const v = page.getByTestId('verdict');
  await v.waitFor();
  return { verdict: await v.getAttribute('data-verdict'), label: (await v.textContent()) ?? '' };
}

describe('the reader page', () => {
  it('speaks Chinese by default and takes the anchor from the node serving it', async () => {
    const page = await openPage();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await page.title()).toBe('电子证照与共享授权核验');
    expect(await page.getByTestId('anchor-hash').textContent()).toBe(anchorHash);
    await page.close();
  });

  it('gives the counter verdicts for VALID, REVOKED, EXPIRED, UNKNOWN, tampered and two-day-old bundles', async () => {
    const page = await openPage();
    const cases: Array<[string, string, string]> = [
      ['valid.bundle.bin', 'VALID', '有效'],
      ['revoked.bundle.json', 'REVOKED', '已撤销'],
      ['expired.bundle.bin', 'EXPIRED', '已过期'],
      ['unknown.bundle.bin', 'UNKNOWN', '未找到'],
      ['tampered.bundle.bin', 'INVALID', '无效'],
      ['stale.bundle.bin', 'STALE', '状态过旧'],
    ];
    for (const [file, verdict, label] of cases) {
      await page.setInputFiles('#bundle-file', files[file]!);
      await page.waitForFunction((v) => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === v, verdict);
      expect(await page.getByTestId('verdict').textContent(), file).toBe(label);
      const reasons = await page.getByTestId('reasons').textContent();
      if (verdict === 'REVOKED') expect(reasons).toContain('证照已被撤销');
      if (verdict === 'EXPIRED') expect(reasons).toContain('证照已超过有效期');
      if (verdict === 'UNKNOWN') expect(reasons).toContain('账本中不存在该记录');
      if (verdict === 'STALE') expect(await page.getByTestId('status-age').textContent()).toMatch(/（2 天前）/);
      if (verdict === 'VALID') {
        expect(reasons).toContain('全部核验通过');
        expect(await page.getByTestId('summary').textContent()).toContain('BDC:valid');
        expect(await page.getByTestId('status-age').textContent()).toMatch(/状态时间: .*（\d+ 分钟前）/);
      }
      if (verdict === 'INVALID') expect(await page.locator('[data-testid=reasons] li[data-code]').count()).toBeGreaterThan(0);
    }
    await page.close();
  });

  it('shows a certificate type by its catalogue name, proved with the record (issue 24), in Chinese and in English; an unnamed type by its code alone', async () => {
    const page = await openPage();
    await upload(page, 'valid.bundle.bin');
    const typeRow = () => page.locator('[data-testid=summary] tr', { has: page.locator('th', { hasText: /^(证照类型|Certificate type)$/ }) }).locator('td').textContent();
    expect(await typeRow()).toBe('BDC');
    await page.setInputFiles('#anchor-file', files['named.genesis.bin']!);
    await page.setInputFiles('#bundle-file', files['named.bundle.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=summary]')?.textContent?.includes('BDC:named') === true);
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe('VALID');
    expect(await page.getByTestId('summary').textContent()).toContain('证照类型不动产权证书 (BDC)');
    expect(await typeRow()).toBe('不动产权证书 (BDC)');
    await page.click('#lang');
    expect(await page.getByTestId('verdict').textContent()).toBe('Valid');
    expect(await page.getByTestId('summary').textContent()).toContain('Certificate type不动产权证书 (BDC)');
    await page.close();
  });

  it('a revoked grant says its data source revoked it, in Chinese and in English, never a 签发机关 (issue 17)', async () => {
    const page = await openPage();
    await page.setInputFiles('#bundle-file', files['revoked-grant.bundle.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'REVOKED');
    expect(await page.getByTestId('verdict').textContent()).toBe('已撤销');
    const advice = await page.locator('p.advice').textContent();
    expect(advice).toBe('该共享授权已被数据来源部门撤销，不可再使用。');
    expect(advice).not.toContain('签发机关');
    expect(await page.getByTestId('summary').textContent()).toContain('hh-revoked');
    // the grantee by name (issue 17): its record is proved in the bundle
    expect(await page.getByTestId('summary').textContent()).toContain('被授权部门市民政局 (dept.civil)');
    await page.click('#lang');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.locator('p.advice').textContent()).toBe('The data source revoked this grant: it may no longer be used.');
    await page.close();
  });

  it('decodes a QR image in the browser, and reads a pasted JSON view', async () => {
    const page = await openPage();
    expect(await upload(page, 'valid.qr.png')).toEqual({ verdict: 'VALID', label: '有效' });
    expect(await page.getByTestId('bundle-status').textContent()).toContain('已识别二维码');
    await page.fill('#bundle-text', readFileSync(files['revoked.bundle.json']!, 'utf8'));
    await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'REVOKED');
    await page.close();
  });

  it('a garbage or truncated paste, or an empty file, gets the verdict 无效 with the reason in Chinese, never a green note first (issue 17)', async () => {
    const page = await openPage();
    const verdictOf = async (text: string) => {
      await page.fill('#bundle-text', '');
      await page.fill('#bundle-text', text);
      await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'INVALID');
      return { label: await page.getByTestId('verdict').textContent(), reasons: await page.getByTestId('reasons').textContent(), green: await page.locator('[data-testid=bundle-status] .ok').count() };
    };
    expect(await verdictOf('这不是证明 hello!')).toEqual({ label: '无效', reasons: expect.stringContaining('内容不是证明：应为证明的 JSON、十六进制或 Base64 文本'), green: 0 });
    const json = readFileSync(files['revoked.bundle.json']!, 'utf8');
    expect(await verdictOf(json.slice(0, json.length >> 1))).toEqual({ label: '无效', reasons: expect.stringContaining('JSON 文本不完整或格式错误'), green: 0 });
    const hex = readFileSync(files['valid.bundle.bin']!).toString('hex');
    expect(await verdictOf(hex.slice(0, (hex.length >> 2) * 2))).toEqual({ label: '无效', reasons: expect.stringContaining('证明文件格式错误或不规范'), green: 0 });
    writeFileSync(join(tmp.path, 'empty.bin'), new Uint8Array(0));
    await page.setInputFiles('#bundle-file', join(tmp.path, 'empty.bin'));
    await page.waitForFunction(() => document.querySelector('[data-testid=reasons]')?.textContent?.includes('文件是空的'));
    expect(await page.getByTestId('verdict').textContent()).toBe('无效');
    await page.close();
  });

  it('a random file as the anchor is refused as not a genesis, never shown as loaded (issue 17)', async () => {
    const page = await openPage();
    writeFileSync(join(tmp.path, 'random.bin'), Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff));
    await page.setInputFiles('#anchor-file', join(tmp.path, 'random.bin'));
    await page.getByTestId('anchor-not-genesis').waitFor();
    const status = await page.getByTestId('anchor-status').textContent();
    expect(status).toContain('该文件不是创世文件（genesis），不能作为信任锚');
    expect(status).not.toContain('已加载信任锚');
    await page.close();
  });

  it('checks the holder from the salts file; switches to English', async () => {
    const page = await openPage();
    await page.click('#options summary');
    await page.setInputFiles('#salts-file', files['holder.salts.json']!);
    await page.waitForFunction(() => (document.querySelector('#holder-id') as HTMLInputElement).value !== '');
    await upload(page, 'valid.bundle.bin');
    expect(await page.locator('[data-check=checkHolder]').textContent()).toBe('通过');
    await page.click('#lang');
    expect(await page.getByTestId('verdict').textContent()).toBe('Valid');
    expect(await page.locator('[data-check=checkHolder]').textContent()).toBe('passed');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.click('#lang');
    await page.screenshot({ path: join(tmp.path, 'holder.png'), fullPage: true });
    expect(readFileSync(join(tmp.path, 'holder.png')).subarray(1, 4).toString()).toBe('PNG');

    await page.setInputFiles('#salts-file', files['wrong-holder.salts.json']!);
    await page.click('#verify');
    await page.waitForFunction(() => document.querySelector('[data-check=checkHolder]')?.textContent === '未通过');
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe('INVALID');
    expect(await page.getByTestId('reasons').textContent()).toContain('持证人身份与证照不符');
    await page.close();
  });

  it('an anchor file replaces the node\'s: another chain\'s genesis makes the bundle INVALID', async () => {
    const page = await openPage();
    await upload(page, 'valid.bundle.bin');
    await page.setInputFiles('#anchor-file', files['other.genesis.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'INVALID');
    expect(await page.getByTestId('reasons').textContent()).toContain('证明不属于本账本');
    await page.setInputFiles('#anchor-file', files['anchor.genesis.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'VALID');
    expect(await page.getByTestId('anchor-status').textContent()).toContain('本地文件');
    await page.close();
  });

  it("shows the witness check (issue 23): not checked under an anchor without witnesses; the anchor's witnesses cosigned, or too few", async () => {
    const page = await openPage();
    await upload(page, 'valid.bundle.bin');
    expect(await page.locator('[data-check=checkWitnesses]').textContent()).toBe('未核验（信任锚未指定见证方）');
    await page.setInputFiles('#anchor-file', files['witnessed.genesis.bin']!);
    await page.setInputFiles('#bundle-file', files['witnessed.bundle.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-check=checkWitnesses]')?.textContent?.startsWith('通过') === true);
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe('VALID');
    const row = (await page.locator('[data-check=checkWitnesses]').textContent()) ?? '';
    for (const name of witnessNames) expect(row).toContain(name);
    await page.setInputFiles('#bundle-file', files['unwitnessed.bundle.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'INVALID');
    expect(await page.getByTestId('reasons').textContent()).toContain('外部见证方联署数量不足');
    await page.close();
  });

  it('a pinned anchor: another genesis is refused, the pinned one accepted after a reload', async () => {
    const page = await openPage();
    await page.click('#anchor-pin');
    expect(await page.getByTestId('anchor-pinned').textContent()).toContain('与本机固定的信任锚一致');
    await upload(page, 'valid.bundle.bin');
    await page.setInputFiles('#anchor-file', files['other.genesis.bin']!);
    await page.getByTestId('anchor-refused').waitFor();
    expect(await page.getByTestId('anchor-refused').textContent()).toContain('与本机固定的信任锚不符');
    expect(await page.getByTestId('result').isHidden()).toBe(true);
    await page.reload();
    await page.getByTestId('anchor-pinned').waitFor();
    expect(await page.getByTestId('anchor-hash').textContent()).toBe(anchorHash);
    await page.click('#anchor-pin'); // unpin
    expect(await page.getByTestId('anchor-pinned').count()).toBe(0);
    await page.setInputFiles('#anchor-file', files['other.genesis.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=anchor-status]')?.textContent?.includes('本地文件'));
    await page.close();
  });

  it('works offline from the files alone (file://): the clerk loads the anchor file', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${join(DIST, 'index.html')}`);
    expect(await page.getByTestId('anchor-status').textContent()).toContain('尚未加载信任锚');
    await page.setInputFiles('#bundle-file', files['revoked.bundle.json']!);
    await page.click('#verify');
    expect(await page.getByTestId('bundle-status').textContent()).toContain('请先加载信任锚');
    await page.setInputFiles('#anchor-file', files['anchor.genesis.bin']!);
    await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'REVOKED');
    expect(await page.getByTestId('anchor-hash').textContent()).toBe(anchorHash);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the holder's presentation round-trips from a camera image: one scan, the clerk types only the ID number", async () => {
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const camera = await chromium.launch({
      executablePath: requireProgram('chromium'),
      headless: true,
      args: [...CHROMIUM_ARGS, ...(asRoot ? ['--no-sandbox'] : []), '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${files['presentation.qr.y4m']}`],
    });
    try {
      const page = await camera.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/`);
      await page.getByTestId('anchor-hash').waitFor();
      await page.click('#scan');
      await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'VALID', undefined, { timeout: 30_000 });
      expect(await page.getByTestId('bundle-status').textContent()).toContain('已识别持证人出示码');
      // the salt came with the code; the ID number did not
      expect(await page.inputValue('#holder-salt')).toBe(toHex(HOLDER_SALT));
      expect(await page.inputValue('#holder-id')).toBe('');
      await page.fill('#holder-id', HOLDER);
      await page.click('#verify');
      await page.waitForFunction(() => document.querySelector('[data-check=checkHolder]')?.textContent === '通过');
      expect(await page.locator('[data-check=checkAttributes]').textContent()).toBe('通过');
      expect(await page.getByTestId('disclosed').textContent()).toContain('朝阳区建国路88号');
      // the attribute the holder did not choose stays hidden
      expect(await page.getByTestId('disclosed').textContent()).not.toContain('89.50');
      // another ID number: the holder check fails
      await page.fill('#holder-id', '110105190001010000');
      await page.click('#verify');
      await page.waitForFunction(() => document.querySelector('[data-check=checkHolder]')?.textContent === '未通过');
      expect(errors).toEqual([]);
    } finally {
      await camera.close();
    }
  });

  it('scans the QR code with the camera (Chromium\'s fake camera showing the code)', async () => {
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const camera = await chromium.launch({
      executablePath: requireProgram('chromium'),
      headless: true,
      args: [...CHROMIUM_ARGS, ...(asRoot ? ['--no-sandbox'] : []), '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${files['valid.qr.y4m']}`],
    });
    try {
      const page = await camera.newPage();
      await page.goto(`${base}/`);
      await page.getByTestId('anchor-hash').waitFor();
      await page.click('#scan');
      await page.waitForFunction(() => document.querySelector('[data-testid=verdict]')?.getAttribute('data-verdict') === 'VALID', undefined, { timeout: 30_000 });
      expect(await page.getByTestId('bundle-status').textContent()).toBe('已识别二维码: 摄像头');
      expect(await page.locator('#scan-video').isHidden()).toBe(true);
    } finally {
      await camera.close();
    }
  });
});
