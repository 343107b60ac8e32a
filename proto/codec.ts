/**
 * @module proto/codec
 * Encoding and strict decoding of the wire schema (proto/ledger.proto).
 *
 * `decode` enforces DESIGN.md section 4 ("every protobuf message this system reads MUST
 * re-encode to exactly the bytes it came in") and the limits of section 5, and fails with a
 * LedgerError naming the field:
 *  - MALFORMED: the bytes are not a protobuf message of that type, or a required oneof is unset;
 *  - NON_CANONICAL: the bytes do not re-encode exactly (a scalar default written explicitly, an
 *    unknown field, a duplicate, fields out of order, unpacked repeated scalars, padded varints);
 *  - LIMIT_EXCEEDED / BAD_ID / BAD_LENGTH: the field conventions of proto/ledger.proto.
 * Decoded messages are plain objects (see proto/schema.generated.ts): 64-bit integers are
 * bigint, bytes are fresh Uint8Array copies, absent scalars hold their default.
 * Pure: runs in Node and in the browser.
 */
import protobuf from 'protobufjs';
import { LedgerError } from '../ledger/errors.js';
import { DEFAULT_LIMITS, checkBytesField, checkListLength, checkStringField, type DecodeLimits } from './limits.js';
import { DESCRIPTOR, type MessageName, type MessageTypes } from './schema.generated.js';

type LongLike = { low: number; high: number; unsigned: boolean; isZero(): boolean };
// protobufjs decodes 64-bit fields as `long` objects; we convert them to and from bigint.
const Long = protobuf.util.Long as unknown as { fromBits(low: number, high: number, unsigned: boolean): LongLike };

const root = protobuf.Root.fromJSON(DESCRIPTOR as unknown as protobuf.INamespace);
root.resolveAll();

/** Oneofs that MUST be set: a topic record carries something; an event carries one payload. */
const REQUIRED_ONEOFS: Readonly<Record<string, string>> = {
  TopicRecord: 'record',
  EventBody: 'payload',
  PeerPayload: 'body',
};

const typeCache = new Map<string, protobuf.Type>();
function typeOf(name: string): protobuf.Type {
  let t = typeCache.get(name);
  if (t === undefined) {
    t = root.lookupType(`ledger.${name}`);
    typeCache.set(name, t);
  }
  return t;
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED_LONG = new Set(['uint64', 'fixed64']);

const snakeCache = new Map<string, string>();
function snake(name: string): string {
  let s = snakeCache.get(name);
  if (s === undefined) {
    s = name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
    snakeCache.set(name, s);
  }
  return s;
}

function isMessageField(f: protobuf.Field): boolean {
  return f.resolvedType instanceof protobuf.Type;
}

function longToBigInt(v: LongLike | number, unsigned: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  const lo = BigInt(v.low >>> 0);
  const hi = unsigned ? BigInt(v.high >>> 0) : BigInt(v.high | 0);
  return (hi << 32n) | lo;
}

function defaultOf(f: protobuf.Field): unknown {
  if (f.repeated) return [];
  if (isMessageField(f)) return undefined;
  if (f.resolvedType instanceof protobuf.Enum) return 0;
  if (LONG_TYPES.has(f.type)) return 0n;
  switch (f.type) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    default:
      return 0;
  }
}

function convertScalar(f: protobuf.Field, v: unknown): unknown {
  if (LONG_TYPES.has(f.type)) return longToBigInt(v as LongLike, UNSIGNED_LONG.has(f.type));
  if (f.type === 'bytes') return new Uint8Array(v as Uint8Array); // a copy: never alias the input
  return v;
}

/**
 * Turns a decoded protobufjs message into a plain object, checking the field conventions.
 * (protobufjs drops explicit defaults while decoding proto3; the re-encode comparison in `decode`
 * then rejects them.) `path` names the message for errors (snake_case field names).
 */
function toPlain(type: protobuf.Type, msg: Record<string, unknown>, path: string, limits: DecodeLimits): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const fieldPath = `${path}.${snake(f.name)}`;
    const present = Object.prototype.hasOwnProperty.call(msg, f.name);
    const v = present ? msg[f.name] : undefined;
    if (!present || v === undefined || v === null) {
      if (!isMessageField(f) || f.repeated) out[f.name] = defaultOf(f);
      continue;
    }
    if (f.repeated) {
      const arr = v as unknown[];
      checkListLength(type.name, f.name, fieldPath, arr.length, limits);
      out[f.name] = arr.map((item, i) => {
        const itemPath = `${fieldPath}[${i}]`;
        if (isMessageField(f)) return toPlain(f.resolvedType as protobuf.Type, item as Record<string, unknown>, itemPath, limits);
        const c = convertScalar(f, item);
        checkScalar(type.name, f, c, itemPath, limits);
        return c;
      });
      continue;
    }
    if (isMessageField(f)) {
      out[f.name] = toPlain(f.resolvedType as protobuf.Type, v as Record<string, unknown>, fieldPath, limits);
      continue;
    }
    const c = convertScalar(f, v);
    checkScalar(type.name, f, c, fieldPath, limits);
    out[f.name] = c;
  }
  return out;
}

function checkScalar(typeName: string, f: protobuf.Field, v: unknown, fieldPath: string, limits: DecodeLimits): void {
  if (f.type === 'string') checkStringField(typeName, f.name, fieldPath, v as string, limits);
  else if (f.type === 'bytes') checkBytesField(typeName, f.name, fieldPath, v as Uint8Array, limits);
  else if (f.resolvedType instanceof protobuf.Enum && !Object.values(f.resolvedType.values).includes(v as number)) {
    throw new LedgerError('MALFORMED', `${fieldPath}: ${String(v)} is not a value of ${f.resolvedType.name}`, { field: fieldPath });
  }
}

/**
 * Decodes `bytes` as message `name`, strictly (see the module comment).
 * @throws LedgerError MALFORMED | NON_CANONICAL | LIMIT_EXCEEDED | BAD_ID | BAD_LENGTH
 */
export function decode<K extends MessageName>(name: K, bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): MessageTypes[K] {
  if (!(bytes instanceof Uint8Array)) {
    throw new LedgerError('MALFORMED', `${name}: expected bytes`, { type: name });
  }
  const type = typeOf(name);
  let msg: protobuf.Message;
  try {
    msg = type.decode(bytes);
  } catch (e) {
    throw new LedgerError('MALFORMED', `${name} does not decode: ${(e as Error).message}`, { type: name }, { cause: e });
  }
  const plain = toPlain(type, msg as unknown as Record<string, unknown>, name, limits);
  checkRequiredOneofs(type, plain, name);
  let again: Uint8Array;
  try {
    again = type.encode(msg).finish();
  } catch (e) {
    throw new LedgerError('MALFORMED', `${name} does not re-encode: ${(e as Error).message}`, { type: name }, { cause: e });
  }
  if (!sameBytes(again, bytes)) {
    throw new LedgerError(
      'NON_CANONICAL',
      `${name} does not re-encode to its exact bytes (an explicit default, an unknown or duplicate field, fields out of order, unpacked repeated values or padded integers)`,
      { type: name, length: bytes.length, canonicalLength: again.length },
    );
  }
  return plain as unknown as MessageTypes[K];
}

function checkRequiredOneofs(type: protobuf.Type, plain: Record<string, unknown>, path: string): void {
  const oneofName = REQUIRED_ONEOFS[type.name];
  if (oneofName !== undefined) {
    const oneof = type.oneofs[oneofName]!;
    if (!oneof.oneof.some((member) => plain[member] !== undefined)) {
      throw new LedgerError('MALFORMED', `${path}.${oneofName}: exactly one of ${oneof.oneof.map(snake).join(', ')} must be set`, {
        field: `${path}.${oneofName}`,
      });
    }
  }
  for (const f of type.fieldsArray) {
    if (!isMessageField(f)) continue;
    const v = plain[f.name];
    const sub = f.resolvedType as protobuf.Type;
    if (f.repeated) (v as Record<string, unknown>[]).forEach((item, i) => checkRequiredOneofs(sub, item, `${path}.${snake(f.name)}[${i}]`));
    else if (v !== undefined) checkRequiredOneofs(sub, v as Record<string, unknown>, `${path}.${snake(f.name)}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Turns a plain object into what protobufjs encodes: defaults dropped, bigint to Long. */
function toWire(type: protobuf.Type, obj: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    const fieldPath = `${path}.${snake(f.name)}`;
    if (f.repeated) {
      if (!Array.isArray(v)) throw new LedgerError('BAD_ARGUMENT', `${fieldPath} must be a list`, { field: fieldPath });
      if (v.length === 0) continue;
      out[f.name] = v.map((item, i) =>
        isMessageField(f) ? toWire(f.resolvedType as protobuf.Type, item as Record<string, unknown>, `${fieldPath}[${i}]`) : scalarToWire(f, item, fieldPath),
      );
      continue;
    }
    if (isMessageField(f)) {
      out[f.name] = toWire(f.resolvedType as protobuf.Type, v as Record<string, unknown>, fieldPath);
      continue;
    }
    const w = scalarToWire(f, v, fieldPath);
    if (w !== undefined) out[f.name] = w;
  }
  return out;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function scalarToWire(f: protobuf.Field, v: unknown, fieldPath: string): unknown {
  const bad = (what: string): never => {
    throw new LedgerError('BAD_ARGUMENT', `${fieldPath} must be ${what}`, { field: fieldPath });
  };
  if (LONG_TYPES.has(f.type)) {
    if (typeof v !== 'bigint') return bad('a bigint');
    const unsigned = UNSIGNED_LONG.has(f.type);
    if (unsigned ? v < 0n || v > U64_MAX : v < I64_MIN || v > I64_MAX) return bad(`within ${f.type} range`);
    if (v === 0n) return undefined;
    return Long.fromBits(Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0, unsigned);
  }
  switch (f.type) {
    case 'bytes':
      if (!(v instanceof Uint8Array)) return bad('bytes');
      return v.length === 0 ? undefined : v;
    case 'string':
      if (typeof v !== 'string') return bad('a string');
      return v === '' ? undefined : v;
    case 'bool':
      if (typeof v !== 'boolean') return bad('a boolean');
      return v ? true : undefined;
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad('an integer');
      if (f.type === 'uint32' && (v < 0 || v > 0xffffffff)) return bad('a uint32');
      if (f.resolvedType instanceof protobuf.Enum && !Object.values(f.resolvedType.values).includes(v)) return bad(`one of ${f.resolvedType.name}`);
      return v === 0 ? undefined : v;
    }
  }
}

/**
 * Encodes a plain message canonically (defaults omitted). Type errors in the object throw
 * BAD_ARGUMENT naming the field; limits are not checked here: `decode` is the gate for
 * everything that arrives from outside.
 */
export function encode<K extends MessageName>(name: K, message: MessageTypes[K]): Uint8Array {
  const type = typeOf(name);
  const out = type.encode(toWire(type, message as unknown as Record<string, unknown>, name)).finish();
  // protobufjs hands back a Buffer in Node; callers get a plain Uint8Array view everywhere.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Encodes and then decodes under `limits`: how a producer checks what it is about to send. */
export function encodeChecked<K extends MessageName>(name: K, message: MessageTypes[K], limits: DecodeLimits = DEFAULT_LIMITS): Uint8Array {
  const bytes = encode(name, message);
  decode(name, bytes, limits);
  return bytes;
}

/** Which member of a oneof is set, e.g. `oneofCase('EventBody', 'payload', body)`. */
export function oneofCase<K extends MessageName>(name: K, oneof: string, message: MessageTypes[K]): string | undefined {
  const o = typeOf(name).oneofs[oneof];
  if (o === undefined) throw new LedgerError('INTERNAL', `${name} has no oneof ${oneof}`);
  const m = message as unknown as Record<string, unknown>;
  return o.oneof.find((member) => m[member] !== undefined);
}

/** The field numbers and names of a message (for docs and tests). */
export function fieldsOf(name: MessageName): Array<{ id: number; name: string; type: string; repeated: boolean }> {
  return typeOf(name).fieldsArray.map((f) => ({ id: f.id, name: snake(f.name), type: f.type, repeated: f.repeated }));
}
