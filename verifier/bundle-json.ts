/**
 * @module verifier/bundle-json
 * The JSON view of a proof bundle (docs/proof-format.md, "JSON view"): the ProofBundle message
 * field by field, with protobuf field names in camelCase, bytes as lower-case hex, 64-bit integers
 * as decimal strings, 32-bit integers as numbers, enums by name, default values left out. It is
 * an exact view: `bundleFromJson(bundleToJson(b))` gives back the same bytes. The conversion is
 * generic over the generated descriptor, so a field added to the message is carried without code.
 * Pure (browser-safe).
 */
import { decode, encode } from '../proto/codec.js';
import { DEFAULT_LIMITS } from '../proto/limits.js';
import { DESCRIPTOR, type ProofBundle } from '../proto/schema.generated.js';
import { toHex, tryFromHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';

/** A bundle larger than this is refused before decoding (a QR code holds 2,953 bytes). */
export const MAX_BUNDLE_BYTES = 64 * 1024;

interface FieldSpec {
  type: string;
  id: number;
  rule?: string;
}
type Nested = Record<string, { fields?: Record<string, FieldSpec>; values?: Record<string, number> }>;
const NESTED = (DESCRIPTOR as unknown as { nested: { ledger: { nested: Nested } } }).nested.ledger.nested;

const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

function messageToJson(typeName: string, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = NESTED[typeName]!.fields!;
  for (const [name, f] of Object.entries(fields).sort((a, b) => a[1].id - b[1].id)) {
    const v = msg[name];
    if (v === undefined) continue;
    if (f.rule === 'repeated') {
      const arr = v as unknown[];
      if (arr.length > 0) out[name] = arr.map((x) => valueToJson(f.type, x));
      continue;
    }
    const j = valueToJson(f.type, v);
    if (j !== undefined) out[name] = j;
  }
  return out;
}

function valueToJson(type: string, v: unknown): unknown {
  const nested = NESTED[type];
  if (nested?.fields !== undefined) return messageToJson(type, v as Record<string, unknown>);
  if (nested?.values !== undefined) {
    if (v === 0) return undefined;
    return Object.entries(nested.values).find(([, n]) => n === v)?.[0] ?? v;
  }
  if (LONG.has(type)) return v === 0n ? undefined : (v as bigint).toString(10);
  if (type === 'bytes') return (v as Uint8Array).length === 0 ? undefined : toHex(v as Uint8Array);
  if (type === 'string') return v === '' ? undefined : v;
  if (type === 'bool') return v === true ? true : undefined;
  return v === 0 ? undefined : v;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function bad(path: string, what: string): never {
  throw new LedgerError('BAD_ARGUMENT', `bundle JSON: ${path} ${what}`, { field: path });
}

function messageFromJson(typeName: string, json: unknown, path: string): Record<string, unknown> {
  if (!isObject(json)) bad(path, 'must be an object');
  const fields = NESTED[typeName]!.fields!;
  for (const k of Object.keys(json)) if (!Object.prototype.hasOwnProperty.call(fields, k)) bad(`${path}.${k}`, `is not a field of ${typeName}`);
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const v = json[name];
    const p = `${path}.${name}`;
    if (f.rule === 'repeated') {
      if (v === undefined) {
        out[name] = [];
        continue;
      }
      if (!Array.isArray(v)) bad(p, 'must be a list');
      if (v.length > 1024) bad(p, 'has too many entries');
      out[name] = v.map((x, i) => valueFromJson(f.type, x, `${p}[${i}]`));
      continue;
    }
    if (v === undefined) {
      if (NESTED[f.type]?.fields === undefined) out[name] = valueFromJson(f.type, undefined, p);
      continue;
    }
    out[name] = valueFromJson(f.type, v, p);
  }
  return out;
}

function valueFromJson(type: string, v: unknown, path: string): unknown {
  const nested = NESTED[type];
  if (nested?.fields !== undefined) return messageFromJson(type, v, path);
  if (nested?.values !== undefined) {
    if (v === undefined) return 0;
    if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(nested.values, v)) bad(path, `must be one of ${Object.keys(nested.values).join(', ')}`);
    return nested.values[v];
  }
  if (LONG.has(type)) {
    if (v === undefined) return 0n;
    if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) >= 1n << 64n) bad(path, 'must be a decimal string of an unsigned 64-bit integer');
    return BigInt(v);
  }
  if (type === 'bytes') {
    if (v === undefined) return new Uint8Array(0);
    const b = typeof v === 'string' && v.length <= 2 * MAX_BUNDLE_BYTES ? tryFromHex(v) : undefined;
    if (b === undefined) bad(path, 'must be a hex string');
    return b;
  }
  if (type === 'string') {
    if (v === undefined) return '';
    if (typeof v !== 'string') bad(path, 'must be a string');
    return v;
  }
  if (type === 'bool') {
    if (v === undefined) return false;
    if (typeof v !== 'boolean') bad(path, 'must be true or false');
    return v;
  }
  if (INT32.has(type)) {
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) bad(path, 'must be an unsigned 32-bit integer');
    return v;
  }
  return bad(path, `has an unsupported type ${type}`);
}

/**
 * The binary bundle as its JSON view.
 * @throws LedgerError MALFORMED / NON_CANONICAL / LIMIT_EXCEEDED... when the bytes are not a bundle
 */
export function bundleToJson(bundle: Uint8Array): unknown {
  if (!(bundle instanceof Uint8Array)) throw new LedgerError('BAD_ARGUMENT', 'a bundle is bytes', {});
  if (bundle.length > MAX_BUNDLE_BYTES) throw new LedgerError('PAYLOAD_TOO_LARGE', `a bundle is at most ${MAX_BUNDLE_BYTES} bytes`, { length: bundle.length });
  const msg = decode('ProofBundle', bundle, DEFAULT_LIMITS);
  return messageToJson('ProofBundle', msg as unknown as Record<string, unknown>);
}

/**
 * The JSON view (an object, or its text) back to the binary bundle: the canonical bytes, decoded
 * once more strictly so that what comes back obeys the same limits as a binary bundle.
 * @throws LedgerError BAD_ARGUMENT naming the bad field, or a decoding error
 */
export function bundleFromJson(json: unknown): Uint8Array {
  let value = json;
  if (typeof json === 'string') {
    if (json.length > 4 * MAX_BUNDLE_BYTES) throw new LedgerError('PAYLOAD_TOO_LARGE', 'the bundle JSON is too large', { length: json.length });
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new LedgerError('BAD_ARGUMENT', `bundle JSON does not parse: ${(e as Error).message}`, {});
    }
  }
  const msg = messageFromJson('ProofBundle', value, 'bundle') as unknown as ProofBundle;
  const bytes = encode('ProofBundle', msg);
  if (bytes.length > MAX_BUNDLE_BYTES) throw new LedgerError('PAYLOAD_TOO_LARGE', `a bundle is at most ${MAX_BUNDLE_BYTES} bytes`, { length: bytes.length });
  decode('ProofBundle', bytes, DEFAULT_LIMITS);
  return bytes;
}
