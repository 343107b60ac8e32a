/**
 * The browser path, proven early: the pure Ed25519 rule (ledger/ed25519-rule.ts), bundled with
 * esbuild as the reader page will be, runs in headless Chromium and gives the rule's answers.
 */
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { readVectorJson } from '../helpers/vectors.js';

interface Rfc8032 {
  vectors: Array<{ name: string; public_key: string; message: string; signature: string }>;
}

let server: Server;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  const entry = fileURLToPath(new URL('../../ledger/ed25519-rule.ts', import.meta.url));
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'rule', platform: 'browser', write: false, target: 'es2022' });
  const js = bundle.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><title>smoke</title><script src="/rule.js"></script><p id="ready">ok</p>';
  server = createServer((req, res) => {
    if (req.url === '/rule.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('browser smoke test (headless Chromium through playwright-core)', () => {
  it('loads a local page and runs the bundled Ed25519 rule on RFC 8032 vectors', async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl + '/');
    expect(await page.textContent('#ready')).toBe('ok');
    const { vectors } = readVectorJson<Rfc8032>('rfc8032', 'rfc8032_7_1_ed25519.json');
    const results = await page.evaluate((vs) => {
      const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
      const r = (globalThis as unknown as { rule: { verifyEd25519Noble(a: Uint8Array, m: Uint8Array, s: Uint8Array): boolean } }).rule;
      return vs.map((v) => {
        const sig = hex(v.signature);
        const tampered = sig.slice();
        tampered[0] = (tampered[0] ?? 0) ^ 1;
        return [r.verifyEd25519Noble(hex(v.public_key), hex(v.message), sig), r.verifyEd25519Noble(hex(v.public_key), hex(v.message), tampered)];
      });
    }, vectors);
    expect(results).toEqual(vectors.map(() => [true, false]));
    await page.close();
  });
});
