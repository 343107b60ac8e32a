/**
 * @module verifier/bundle-json
 * The JSON view of a proof bundle (docs/proof-format.md): protobuf field names in camelCase,
 * bytes as lower-case hex, 64-bit integers as decimal strings, enums by name. Pure.
 */

/** The binary bundle as its JSON view. @throws LedgerError when the bytes are not a bundle */
export function bundleToJson(bundle: Uint8Array): unknown {
  void bundle;
  throw new Error('not yet implemented');
}

/** The JSON view back to the binary bundle (canonical bytes). @throws LedgerError naming the bad field */
export function bundleFromJson(json: unknown): Uint8Array {
  void json;
  throw new Error('not yet implemented');
}
