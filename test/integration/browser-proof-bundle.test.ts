/**
 * The offline verifier (verifier/bundle-verify.ts) is pure: bundled for the browser with esbuild
 * (platform browser, so any Node import would fail the build), it runs in headless Chromium and
 * verifies bundles of a chain cut by the real state machine and node core, with the same verdicts
 * as in Node: VALID, REVOKED, UNKNOWN, INVALID for a changed byte, and the holder check.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import { toHex } from '../../ledger/bytes.js';
import { verifyBundle } from '../../verifier/bundle-verify.js';
import { launchChromium } from '../helpers/browser.js';
import { buildScenarioChain, CERT, type ScenarioFacts } from '../helpers/scenario-chain.js';

let browser: Browser;
let js: string;
let cases: Array<{ name: string; bundle: string }>;
let anchor: string;
let facts: ScenarioFacts;
let now: bigint;

beforeAll(async () => {
  const entry = fileURLToPath(new URL('../../verifier/bundle-verify.ts', import.meta.url));
  const out = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'verifier', platform: 'browser', write: false, target: 'es2022', minify: true });
  js = out.outputFiles[0]!.text;
  const built = await buildScenarioChain();
  facts = built.facts;
  const chain = built.chain;
  const source = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
  const valid = await buildProofBundle(source, { kind: 'certificate', id: '11100000MB0000000X:BDC:2026-000124' });
  const flipped = new Uint8Array(valid);
  flipped[flipped.length >> 1] = flipped[flipped.length >> 1]! ^ 0x10;
  cases = [
    { name: 'valid', bundle: toHex(valid) },
    { name: 'revoked', bundle: toHex(await buildProofBundle(source, { kind: 'certificate', id: CERT })) },
    { name: 'unknown', bundle: toHex(await buildProofBundle(source, { kind: 'certificate', id: 'nope' })) },
    { name: 'grant-revoked', bundle: toHex(await buildProofBundle(source, { kind: 'grant', id: 'hh-2026-001.1' })) },
    { name: 'flipped', bundle: toHex(flipped) },
  ];
  anchor = toHex(chain.genesis.bytes);
  now = (await chain.core.blocks.header(chain.height))!.blockTimeMs + 1n;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('proof bundles in the browser', () => {
  it('bundles with esbuild for the browser (no Node import) and verifies with the Node verdicts', async () => {
    expect(js.length).toBeGreaterThan(1000);
    const page = await browser.newPage();
    await page.setContent('<!doctype html><meta charset="utf-8"><title>verifier</title>');
    await page.addScriptTag({ content: js });
    const holder = { id: facts.issued.salts.holder.value, salt: facts.issued.salts.holder.salt };
    const results = await page.evaluate(
      ({ cs, anchorHex, nowMs, holder }) => {
        const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
        type R = { verdict: string; reasons: Array<{ code: string }>; checks: { holder: string } };
        const v = (globalThis as unknown as { verifier: { verifyBundle(b: Uint8Array, a: Uint8Array, o: unknown): R } }).verifier;
        const out = cs.map((c) => {
          const r = v.verifyBundle(hex(c.bundle), hex(anchorHex), { nowMs: BigInt(nowMs) });
          return { name: c.name, verdict: r.verdict, code: r.reasons[0]?.code ?? null };
        });
        const h = v.verifyBundle(hex(cs[0]!.bundle), hex(anchorHex), { nowMs: BigInt(nowMs), holder: { id: holder.id, salt: hex(holder.salt) } });
        out.push({ name: 'holder', verdict: h.verdict, code: h.checks.holder });
        return out;
      },
      { cs: cases, anchorHex: anchor, nowMs: now.toString(), holder },
    );
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
    const inNode = cases.map((c) => {
      const r = verifyBundle(hex(c.bundle), hex(anchor), { nowMs: now });
      return { name: c.name, verdict: r.verdict, code: r.reasons[0]?.code ?? null };
    });
    expect(results.slice(0, cases.length)).toEqual(inNode);
    expect(results.map((r) => r.verdict)).toEqual(['VALID', 'REVOKED', 'UNKNOWN', 'REVOKED', 'INVALID', 'VALID']);
    expect(results.at(-1)).toEqual({ name: 'holder', verdict: 'VALID', code: 'passed' });
    await page.close();
  });
});
