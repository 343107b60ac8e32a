// Writes one folder of proof-bundle vectors (docs/proof-format.md, "Test vectors"): anchor.json (the
// genesis) and one JSON file per case with the bundle (hex), the reader's options and the verdict
// and first reason the verifier gives. Shared by scripts/gen-proof-bundle-vectors.mjs and
// scripts/gen-proof-bundle-v2-vectors.mjs.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** cases: [name, description, bundle bytes, extra options]; `now` is the reader's default time. */
export function writeBundleVectors({ dir, anchorDescription, genesis, now, cases, verifyBundle, toHex }) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f));
  writeFileSync(join(dir, 'anchor.json'), `${JSON.stringify({ description: anchorDescription, genesis: toHex(genesis.bytes), genesisHash: toHex(genesis.hash) }, null, 2)}\n`);
  for (const [name, description, bundle, opts] of cases) {
    const options = { nowMs: now, ...opts };
    const r = verifyBundle(bundle, genesis.bytes, options);
    const json = {
      name,
      description,
      bundle: toHex(bundle),
      // a holder is { id, salt (hex) }; every other option is a decimal string
      options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, k === 'holder' ? { id: v.id, salt: toHex(v.salt) } : v.toString()])),
      // notes (encumbrances, a suspended issuer) never change the verdict and are never reasons
      expect: { verdict: r.verdict, reason: r.reasons[0]?.code ?? null, notes: r.notes.map((x) => x.code), headerHeight: r.header?.height ?? null },
    };
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`${name}: ${r.verdict} ${json.expect.reason ?? ''} (${bundle.length} bytes)\n`);
  }
}
