/**
 * The disclosure and holder checks (verifier/disclosure-check.ts) are pure and browser-safe:
 * bundled for the browser with esbuild (platform browser, so any Node import fails the build),
 * they run in headless Chromium and give the answers they give in Node.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { buildDisclosure, disclosureToJson } from '../../ledger/disclosure.js';
import { launchChromium } from '../helpers/browser.js';
import { buildScenarioChain, CERT } from '../helpers/scenario-chain.js';

let browser: Browser;
let js: string;

beforeAll(async () => {
  const entry = fileURLToPath(new URL('../../verifier/disclosure-check.ts', import.meta.url));
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'disclosure', platform: 'browser', write: false, target: 'es2022' });
  js = bundle.outputFiles[0]!.text;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('disclosure checks in the browser', () => {
  it('verify a disclosure and the holder, and refuse a changed value, salt or index', async () => {
    const { chain, facts } = await buildScenarioChain();
    const record = (await chain.core.state.getRecord('cert', CERT))!;
    const salts = { certificate: CERT, holder: { value: facts.newHolder.value, salt: facts.newHolder.salt }, attributes: facts.amended.salts.attributes };
    const good = disclosureToJson(buildDisclosure(salts, ['面积', '产权人'], record.attributesRoot));
    const changed = (f: (d: typeof good) => void) => {
      const d = JSON.parse(JSON.stringify(good)) as typeof good;
      f(d);
      return JSON.stringify(d);
    };
    const input = {
      root: toHex(record.attributesRoot),
      names: record.attributeNames,
      holder: toHex(record.holderCommitment),
      holderId: facts.newHolder.value,
      holderSalt: facts.newHolder.salt,
      cases: [
        JSON.stringify(good),
        changed((d) => (d.attributes[0]!.value = '100')),
        changed((d) => (d.attributes[0]!.salt = '00'.repeat(32))),
        changed((d) => (d.attributes[1]!.index += 1)),
        'garbage',
      ],
    };
    const page = await browser.newPage();
    await page.setContent('<!doctype html><meta charset="utf-8"><title>disclosure</title>');
    await page.addScriptTag({ content: js });
    const out = await page.evaluate((i) => {
      const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
      type R = { ok: boolean; code: string };
      const m = (globalThis as unknown as { disclosure: { checkDisclosure(d: unknown, t: unknown): R; checkHolder(id: string, salt: string, c: Uint8Array): R } }).disclosure;
      const trusted = { attributesRoot: hex(i.root), attributeNames: i.names };
      return {
        cases: i.cases.map((c) => {
          const r = m.checkDisclosure(c, trusted);
          return [r.ok, r.code];
        }),
        holder: m.checkHolder(i.holderId, i.holderSalt, hex(i.holder)),
        notHolder: m.checkHolder('110101190001010000', i.holderSalt, hex(i.holder)),
      };
    }, input);
    expect(out.cases).toEqual([
      [true, 'OK'],
      [false, 'PROOF_INVALID'],
      [false, 'PROOF_INVALID'],
      [false, 'NAME_MISMATCH'],
      [false, 'MALFORMED'],
    ]);
    expect(out.holder).toEqual({ ok: true, code: 'OK' });
    expect(out.notHolder).toEqual({ ok: false, code: 'NOT_HOLDER' });
    await page.close();
  });
});
