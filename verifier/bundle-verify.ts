/**
 * @module verifier/bundle-verify
 * The offline verifier of proof bundles (DESIGN.md section 10; docs/proof-format.md).
 * Pure: imports only proto/ and pure ledger/ modules (@noble), runs in Node and in a browser,
 * never goes online and never throws on a malformed bundle.
 */
import type { VerifyOptions, VerifyResult } from './bundle-types.js';

export type * from './bundle-types.js';

/** Verifies a binary bundle against the trust anchor (the genesis bytes). Never throws. */
export function verifyBundle(bundle: Uint8Array, anchorGenesis: Uint8Array, options: VerifyOptions): VerifyResult {
  void bundle;
  void anchorGenesis;
  void options;
  throw new Error('not yet implemented');
}
