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
import { isLedgerError, LedgerError } from '../errors/ledger-error.js';
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
  // every other numeric type (int32, sint32, fixed32, double, ...) defaults to 0
  return f.type === 'string' || f.type === 'bytes' || f.type === 'bool' ? scalarDefault(f.type) : 0;
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
  const fast = decodeCanonical(name, bytes, limits);
  if (fast !== undefined) return fast as unknown as MessageTypes[K];
  return decodeByReencoding(name, bytes, limits);
}

/**
 * The reference strict decoder: protobufjs decodes, the result is converted and checked, and the
 * message is re-encoded and compared with its bytes. `decode` calls it for every message the
 * canonical-wire reader (below) does not accept, so that every rejection, and its error, comes
 * from here. Exported for the tests that compare the two.
 * @throws LedgerError MALFORMED | NON_CANONICAL | LIMIT_EXCEEDED | BAD_ID | BAD_LENGTH
 */
export function decodeByReencoding<K extends MessageName>(name: K, bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): MessageTypes[K] {
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

// ---------------------------------------------------------------------------------------------
// The canonical-wire reader: the fast path of `decode`.
//
// Profiling the state bench showed protobufjs decoding, converting and re-encoding every event
// body at about 8 us each. A canonical encoding can be recognised while reading it, without
// re-encoding: this reader accepts only bytes it can prove are what the encoder writes (fields
// in increasing number order, each once unless repeated and then consecutive, minimal varints,
// no explicit default outside a oneof, at most one member per oneof, the required oneofs set,
// strings in valid UTF-8, enum values that exist, the limits of proto/limits.ts) and builds the same
// plain object as the reference path. On anything else it gives up (returns undefined) and
// `decode` runs the reference path, so rejections and their errors are unchanged; a property
// test compares both on valid and mutated messages. Field metadata is compiled once per type.

type WireKind = 'string' | 'bytes' | 'bool' | 'uint32' | 'enum' | 'uint64' | 'message';

interface FieldPlan {
  id: number;
  name: string;
  kind: WireKind;
  repeated: boolean;
  /** Member of a oneof: its default value is still written (and read) explicitly. */
  oneof: number;
  enumValues?: Set<number>;
  message?: TypePlan;
}

interface TypePlan {
  name: string;
  fields: FieldPlan[];
  /** Field number -> index into `fields`. */
  byId: Map<number, number>;
  oneofCount: number;
  /** Index of the oneof that must be set, or -1. */
  requiredOneof: number;
}

const plans = new Map<string, TypePlan | null>();

/** The plan of a type, or null when a field kind is outside what the reader handles. */
function planOf(type: protobuf.Type): TypePlan | null {
  const known = plans.get(type.name);
  if (known !== undefined) return known;
  const plan: TypePlan = { name: type.name, fields: [], byId: new Map(), oneofCount: 0, requiredOneof: -1 };
  plans.set(type.name, plan); // (recursive types see the plan being built)
  const oneofNames = type.oneofsArray.map((o) => o.name);
  plan.oneofCount = oneofNames.length;
  const required = REQUIRED_ONEOFS[type.name];
  plan.requiredOneof = required === undefined ? -1 : oneofNames.indexOf(required);
  let ok = true;
  let lastId = 0;
  for (const f of type.fieldsArray) {
    if (f.id <= lastId) ok = false; // declaration order is not number order: leave it to the reference path
    lastId = f.id;
    let kind: WireKind | undefined;
    let message: TypePlan | undefined;
    let enumValues: Set<number> | undefined;
    if (isMessageField(f)) {
      const sub = planOf(f.resolvedType as protobuf.Type);
      if (sub === null) ok = false;
      else message = sub;
      kind = 'message';
    } else if (f.resolvedType instanceof protobuf.Enum) {
      kind = 'enum';
      enumValues = new Set(Object.values(f.resolvedType.values));
    } else if (f.type === 'string' || f.type === 'bytes' || f.type === 'bool' || f.type === 'uint32' || f.type === 'uint64') kind = f.type;
    // repeated scalars other than strings are packed on the wire; none exist, so none are read here
    if (kind === undefined || (f.repeated && kind !== 'string' && kind !== 'message') || f.map) ok = false;
    const oneof = f.partOf ? oneofNames.indexOf(f.partOf.name) : -1;
    plan.byId.set(f.id, plan.fields.length);
    plan.fields.push({ id: f.id, name: f.name, kind: kind ?? 'bytes', repeated: f.repeated, oneof, enumValues, message });
  }
  const result = ok ? plan : null;
  plans.set(type.name, result);
  return result;
}

/** Thrown inside the reader to give up; never escapes `decodeCanonical`. */
const GIVE_UP = Symbol('not canonical on the fast path');

class WireReader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    at: number,
  ) {
    this.at = at;
  }
  /** A minimal varint of at most 32 bits (tags, lengths, uint32, enums). */
  varint32(end: number): number {
    const b = this.bytes;
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.at >= end) throw GIVE_UP;
      const c = b[this.at++]!;
      v += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) {
        if (c === 0 && shift > 0) throw GIVE_UP; // padded
        if (v > 0xffffffff) throw GIVE_UP;
        return v;
      }
    }
    throw GIVE_UP;
  }
  /** A minimal varint of at most 64 bits, as a bigint. */
  varint64(end: number): bigint {
    const b = this.bytes;
    const start = this.at;
    let n = 0;
    for (;;) {
      if (this.at >= end || this.at - start >= 10) throw GIVE_UP;
      const c = b[this.at++]!;
      if (c < 0x80) {
        if (c === 0 && this.at - start > 1) throw GIVE_UP;
        break;
      }
    }
    n = this.at - start;
    if (n <= 7) {
      // up to 49 bits: exact in a double
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 128 + (b[start + i]! & 0x7f);
      return BigInt(v);
    }
    if (n === 10 && b[start + 9]! > 1) throw GIVE_UP; // past 64 bits
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 7n) | BigInt(b[start + i]! & 0x7f);
    return v;
  }
}

// fatal: invalid UTF-8 throws (and the reference path decides); ignoreBOM: a leading U+FEFF is kept
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A string field's bytes as a string. Valid UTF-8 decodes to the one string that encodes back to
 * the same bytes; anything else is left to the reference path, which checks the round trip.
 */
function readString(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c >= 0x80) {
      try {
        return utf8Strict.decode(b.subarray(from, to));
      } catch {
        throw GIVE_UP;
      }
    }
    s += String.fromCharCode(c);
  }
  return s;
}

function readMessage(plan: TypePlan, r: WireReader, end: number, limits: DecodeLimits): Record<string, unknown> {
  const fields = plan.fields;
  const values: unknown[] = new Array(fields.length);
  const oneofSet: number[] = plan.oneofCount > 0 ? new Array(plan.oneofCount).fill(0) : [];
  let lastId = 0;
  let lastIndex = -1;
  const b = r.bytes;
  while (r.at < end) {
    const tag = r.varint32(end);
    const id = tag >>> 3;
    const wire = tag & 7;
    const index = plan.byId.get(id);
    if (index === undefined) throw GIVE_UP;
    const f = fields[index]!;
    if (id < lastId || (id === lastId && !(f.repeated && index === lastIndex))) throw GIVE_UP;
    lastId = id;
    lastIndex = index;
    let v: unknown;
    switch (f.kind) {
      case 'string':
      case 'bytes':
      case 'message': {
        if (wire !== 2) throw GIVE_UP;
        const len = r.varint32(end);
        const from = r.at;
        const to = from + len;
        if (to > end) throw GIVE_UP;
        if (f.kind === 'string') {
          const str = readString(b, from, to);
          if (str === '' && !f.repeated && f.oneof < 0) throw GIVE_UP;
          checkStringField(plan.name, f.name, '', str, limits);
          v = str;
        } else if (f.kind === 'bytes') {
          if (len === 0 && f.oneof < 0) throw GIVE_UP;
          const copy = new Uint8Array(b.subarray(from, to)); // a plain copy even when the input is a Buffer
          checkBytesField(plan.name, f.name, '', copy, limits);
          v = copy;
        } else {
          const sub = new WireReader(b, from);
          v = readMessage(f.message!, sub, to, limits);
        }
        r.at = to;
        break;
      }
      case 'bool': {
        if (wire !== 0 || r.at >= end) throw GIVE_UP;
        const c = b[r.at++]!;
        if (c !== 1 && !(c === 0 && f.oneof >= 0)) throw GIVE_UP;
        v = c === 1;
        break;
      }
      case 'uint32':
      case 'enum': {
        if (wire !== 0) throw GIVE_UP;
        const n = r.varint32(end);
        if (n === 0 && f.oneof < 0) throw GIVE_UP;
        if (f.kind === 'enum' && (n > 0x7fffffff || !f.enumValues!.has(n))) throw GIVE_UP;
        v = n;
        break;
      }
      case 'uint64': {
        if (wire !== 0) throw GIVE_UP;
        const n = r.varint64(end);
        if (n === 0n && f.oneof < 0) throw GIVE_UP;
        v = n;
        break;
      }
    }
    if (f.repeated) {
      const list = (values[index] ??= []) as unknown[];
      list.push(v);
    } else values[index] = v;
    if (f.oneof >= 0) {
      if (oneofSet[f.oneof] !== 0) throw GIVE_UP;
      oneofSet[f.oneof] = 1;
    }
  }
  if (r.at !== end) throw GIVE_UP;
  if (plan.requiredOneof >= 0 && oneofSet[plan.requiredOneof] === 0) throw GIVE_UP;
  // the object the reference path builds: every field in declaration order, absent scalars and
  // lists at their defaults, absent messages left out
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = values[i];
    if (v !== undefined) {
      if (f.repeated) checkListLength(plan.name, f.name, '', (v as unknown[]).length, limits);
      out[f.name] = v;
    } else if (f.repeated) out[f.name] = [];
    else if (f.kind !== 'message') out[f.name] = scalarDefault(f.kind);
  }
  return out;
}

function scalarDefault(kind: WireKind): unknown {
  switch (kind) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    case 'uint64':
      return 0n;
    default:
      return 0;
  }
}

/**
 * The fast path of `decode`: the plain message, or undefined to use the reference path.
 * Exported for the tests that compare it with `decodeByReencoding`.
 */
export function decodeCanonical(name: string, bytes: Uint8Array, limits: DecodeLimits): Record<string, unknown> | undefined {
  const plan = planOf(typeOf(name));
  if (plan === null) return undefined;
  try {
    return readMessage(plan, new WireReader(bytes, 0), bytes.length, limits);
  } catch (e) {
    if (e === GIVE_UP || isLedgerError(e)) return undefined;
    throw e;
  }
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

// ---------------------------------------------------------------------------------------------
// The direct writer: the fast path of `encode` (the state machine encodes every changed record
// per block: protobufjs with the plain-object conversion took ~3 us each). It writes what the
// reference encoder writes: fields in number order, defaults left out, messages always written
// when present, list entries one by one. On anything it does not expect (a wrong type, a value
// out of range, an empty list entry, a string that is not well-formed UTF-16) it gives up and
// `encode` runs the reference path. A property test compares both.

let out = new Uint8Array(4096);
let outAt = 0;

function ensure(n: number): void {
  if (outAt + n <= out.length) return;
  const bigger = new Uint8Array(Math.max(out.length * 2, outAt + n));
  bigger.set(out.subarray(0, outAt));
  out = bigger;
}

function writeVarint32(v: number): void {
  ensure(5);
  while (v > 0x7f) {
    out[outAt++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[outAt++] = v;
}

function writeVarint64(v: bigint): void {
  ensure(10);
  if (v <= 0xffffffffn) return writeVarint32(Number(v));
  let lo = Number(v & 0xffffffffn);
  let hi = Number(v >> 32n);
  // 28 bits at a time from the low word, then the rest (as protobufjs does, the same bytes)
  while (hi > 0 || lo > 0x7f) {
    out[outAt++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out[outAt++] = lo;
}

const utf8Encoder = new TextEncoder();

function writeString(str: string): void {
  ensure(5 + str.length * 3);
  const lenAt = outAt++;
  let ascii = true;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    out[outAt + i] = c;
  }
  let n = str.length;
  if (!ascii) {
    // a lone surrogate: protobufjs and TextEncoder write different bytes; leave it to the reference
    const wellFormed = (str as unknown as { isWellFormed?: () => boolean }).isWellFormed;
    if (typeof wellFormed !== 'function' || !wellFormed.call(str)) throw GIVE_UP;
    n = utf8Encoder.encodeInto(str, out.subarray(outAt)).written;
  }
  outAt += n;
  finishLength(lenAt, n);
}

/** Writes the length of the `n` bytes after the reserved byte at `lenAt`, moving them if the length needs more bytes. */
function finishLength(lenAt: number, n: number): void {
  if (n < 0x80) {
    out[lenAt] = n;
    return;
  }
  let size = 1;
  for (let v = n; v > 0x7f; v >>>= 7) size++;
  ensure(size - 1);
  out.copyWithin(lenAt + size, lenAt + 1, lenAt + 1 + n);
  outAt += size - 1;
  let at = lenAt;
  let v = n;
  while (v > 0x7f) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at] = v;
}

function writeField(f: FieldPlan, v: unknown): void {
  const tag = (f.id << 3) >>> 0;
  switch (f.kind) {
    case 'string':
      if (typeof v !== 'string' || v === '') throw GIVE_UP; // ('' never reaches here for a single field)
      writeVarint32(tag | 2);
      writeString(v);
      return;
    case 'bytes':
      if (!(v instanceof Uint8Array) || v.length === 0) throw GIVE_UP;
      writeVarint32(tag | 2);
      writeVarint32(v.length);
      ensure(v.length);
      out.set(v, outAt);
      outAt += v.length;
      return;
    case 'message': {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) throw GIVE_UP;
      writeVarint32(tag | 2);
      ensure(1);
      const lenAt = outAt++;
      writeMessage(f.message!, v as Record<string, unknown>);
      finishLength(lenAt, outAt - lenAt - 1);
      return;
    }
    case 'bool':
      if (v !== true) throw GIVE_UP;
      writeVarint32(tag);
      writeVarint32(1);
      return;
    case 'uint32':
    case 'enum':
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > 0xffffffff) throw GIVE_UP;
      if (f.kind === 'enum' && !f.enumValues!.has(v)) throw GIVE_UP;
      writeVarint32(tag);
      writeVarint32(v);
      return;
    case 'uint64':
      if (typeof v !== 'bigint' || v <= 0n || v > U64_MAX) throw GIVE_UP;
      writeVarint32(tag);
      writeVarint64(v);
      return;
  }
}

function isDefault(f: FieldPlan, v: unknown): boolean {
  switch (f.kind) {
    case 'string':
      return v === '';
    case 'bytes':
      return v instanceof Uint8Array && v.length === 0;
    case 'bool':
      return v === false;
    case 'uint32':
    case 'enum':
      return v === 0;
    case 'uint64':
      return v === 0n;
    default:
      return false;
  }
}

function writeMessage(plan: TypePlan, obj: Record<string, unknown>): void {
  for (const f of plan.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) {
      if (!Array.isArray(v)) throw GIVE_UP;
      for (const item of v) {
        if (item === undefined || item === null || (f.kind === 'string' && item === '')) throw GIVE_UP;
        writeField(f, item);
      }
      continue;
    }
    if (isDefault(f, v)) continue;
    writeField(f, v);
  }
}

/**
 * The fast path of `encode`: the canonical bytes, or undefined to use the reference path.
 * Exported for the tests that compare it with `encodeViaProtobufjs`.
 */
export function encodeCanonical(name: string, message: Record<string, unknown>): Uint8Array | undefined {
  const plan = planOf(typeOf(name));
  if (plan === null || typeof message !== 'object' || message === null) return undefined;
  outAt = 0;
  try {
    writeMessage(plan, message);
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
  return out.slice(0, outAt);
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
        isMessageField(f) ? toWire(f.resolvedType as protobuf.Type, item as Record<string, unknown>, `${fieldPath}[${i}]`) : listEntryToWire(f, item, fieldPath),
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

/**
 * A list entry keeps its place even when it is the default (an empty string is an entry of a
 * repeated string, written as a zero-length record; docs/proof-format.md section 2): the decoder
 * accepts it, so the encoder writes it back instead of dropping it.
 */
function listEntryToWire(f: protobuf.Field, v: unknown, fieldPath: string): unknown {
  const w = scalarToWire(f, v, fieldPath);
  if (w !== undefined) return w;
  if (f.type === 'string') return '';
  if (f.type === 'bytes') return new Uint8Array(0);
  if (f.type === 'bool') return false;
  return LONG_TYPES.has(f.type) ? Long.fromBits(0, 0, UNSIGNED_LONG.has(f.type)) : 0;
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
  const fast = encodeCanonical(name, message as unknown as Record<string, unknown>);
  if (fast !== undefined) return fast;
  return encodeViaProtobufjs(name, message);
}

/**
 * The reference encoder (protobufjs after converting the plain object). `encode` calls it for
 * every message the direct writer (below) does not handle, so type errors and their messages are
 * unchanged. Exported for the tests that compare the two.
 */
export function encodeViaProtobufjs<K extends MessageName>(name: K, message: MessageTypes[K]): Uint8Array {
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
