/**
 * @module api/json
 * The API's JSON view of the system's values: bytes as lower-case hex, 64-bit integers as decimal
 * strings (never a JSON number: offsets, times and sizes are u64, DESIGN.md section 8), everything
 * else as it is. One converter for every record, header and event, so that every route speaks
 * the same conventions (documented in the OpenAPI document).
 */
import { toHex } from '../ledger/bytes.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Converts a decoded protobuf message (or any plain value) into its JSON view; undefined fields are left out. */
export function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function') continue;
      out[k] = toJson(v);
    }
    return out;
  }
  return String(value);
}

/** Standard base64 of bytes. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
