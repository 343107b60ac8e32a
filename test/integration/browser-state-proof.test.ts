/**
 * The state-proof verifier (ledger/state-tree-verify.ts) is pure: bundled for the browser with
 * esbuild (platform browser, so any Node import would fail the build), it runs in headless
 * Chromium and gives the committed vectors' answers.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';

let browser: Browser;
let js: string;

beforeAll(async () => {
  const entry = fileURLToPath(new URL('../../ledger/state-tree-verify.ts', import.meta.url));
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'smt', platform: 'browser', write: false, target: 'es2022' });
  js = bundle.outputFiles[0]!.text;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('state proofs in the browser', () => {
  it('verifies every state-tree vector with the expected result', async () => {
    const dir = new URL('../vectors/state-tree/', import.meta.url);
    const cases = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'tree.json')
      .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { name: string; root: string; type: string; id: string; valueHash: string | null; proof: string; expect: { ok: boolean; code?: string } });
    const page = await browser.newPage();
    await page.setContent('<!doctype html><meta charset="utf-8"><title>smt</title>');
    await page.addScriptTag({ content: js });
    const results = await page.evaluate((cs) => {
      const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
      type R = { ok: boolean; code?: string };
      const smt = (globalThis as unknown as { smt: { verifyStateProof(r: Uint8Array, k: Uint8Array, v: Uint8Array | null, p: Uint8Array): R; stateKey(t: string, i: string): Uint8Array } }).smt;
      return cs.map((c) => {
        const r = smt.verifyStateProof(hex(c.root), smt.stateKey(c.type, c.id), c.valueHash === null ? null : hex(c.valueHash), hex(c.proof));
        return { name: c.name, ok: r.ok, code: r.code };
      });
    }, cases);
    expect(results).toEqual(cases.map((c) => ({ name: c.name, ok: c.expect.ok, code: c.expect.ok ? undefined : (c.expect.code ?? expect.any(String)) })));
    await page.close();
  });
});
