/**
 * @module ledger/projection-records
 * The bytes of the projection records (DESIGN.md section 9: projections live in LevelDB beside the
 * chain, outside the state tree, and `ledger rebuild` MUST reproduce them bit for bit). A small
 * fixed-order binary format rather than protobuf: these records are local to a node, never signed
 * or hashed into the chain, and the encoder runs for every committed event (rebuild speed).
 *
 * Every value starts with the location of the event that last wrote it, u64 height || u32 index
 * among the block's included events (the *changed-at* stamp), so that a rebuild that finds a
 * difference names the event and height behind it. Then the fields, in a fixed order:
 * u8 / u16 / u32 / u64 big-endian, strings as u16 length || UTF-8, byte strings as u16 length ||
 * bytes, lists as u16 count || items. No clock, no map iteration: the same events give the same
 * bytes on every node and every rebuild.
 *
 * Keys: `id || 0x00 || u64 height || u32 index` for per-id lists in chain order (ids are
 * identifiers of [A-Za-z0-9._:-] or empty, so the 0x00 separator keeps one id's entries apart from
 * another's and sorts them by (height, index)); 32-byte commitments need no separator.
 * Pure: no Node imports.
 */
import { putU64be, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';

/** Where an included event sits: block height and 0-based index among the block's included events. */
export interface ChainAt {
  height: bigint;
  index: number;
}

export const AT_LENGTH = 12;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One scratch buffer that writers borrow (the replay encodes several records per event; finish
 * copies the bytes out). A writer made while another holds it, or one that grows past it, gets
 * its own buffer; an unfinished writer just leaves it taken.
 */
let scratch: { buf: Uint8Array; view: DataView } | undefined = { buf: new Uint8Array(4096), view: new DataView(new ArrayBuffer(0)) };
scratch.view = new DataView(scratch.buf.buffer);

/** Appends fields to a growable buffer (big-endian, fixed order). */
export class RecordWriter {
  private buf: Uint8Array;
  private view: DataView;
  private n = 0;
  private borrowed: { buf: Uint8Array; view: DataView } | undefined;

  constructor(at: ChainAt, capacity = 128) {
    const s = scratch;
    if (s !== undefined && capacity <= s.buf.length) {
      scratch = undefined;
      this.borrowed = s;
      this.buf = s.buf;
      this.view = s.view;
    } else {
      this.buf = new Uint8Array(capacity);
      this.view = new DataView(this.buf.buffer);
    }
    this.u64(at.height).u32(at.index);
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.n++] = v;
    return this;
  }
  u16(v: number): this {
    if (v > 0xffff) throw new LedgerError('INTERNAL', `a projection field of ${v} exceeds u16`);
    this.room(2);
    this.view.setUint16(this.n, v, false);
    this.n += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.n, v, false);
    this.n += 4;
    return this;
  }
  u64(v: bigint): this {
    this.room(8);
    putU64be(this.buf, this.n, v);
    this.n += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.u16(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }
  str(s: string): this {
    return this.bytes(utf8(s));
  }
  strs(list: readonly string[]): this {
    this.u16(list.length);
    for (const s of list) this.str(s);
    return this;
  }
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.n);
    if (this.borrowed !== undefined) {
      // give the scratch back; this writer keeps its own copy (a later write grows it anew)
      scratch = this.borrowed;
      this.borrowed = undefined;
      this.buf = out;
    }
    return out;
  }
}

/** Reads what RecordWriter wrote; a short or damaged record is STORE_FORMAT. */
export class RecordReader {
  private readonly view: DataView;
  private n = 0;
  readonly at: ChainAt;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.at = { height: this.u64(), index: this.u32() };
  }

  private need(k: number): void {
    if (this.n + k > this.buf.length) throw new LedgerError('STORE_FORMAT', 'a projection record is truncated', { length: this.buf.length });
  }
  u8(): number {
    this.need(1);
    return this.buf[this.n++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.n, false);
    this.n += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.n, false);
    this.n += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.n, false);
    this.n += 8;
    return v;
  }
  bytes(): Uint8Array {
    const len = this.u16();
    this.need(len);
    // a plain Uint8Array copy (stores may hand back Buffers, whose slice is a view)
    const out = new Uint8Array(this.buf.subarray(this.n, this.n + len));
    this.n += len;
    return out;
  }
  str(): string {
    try {
      return decoder.decode(this.bytes());
    } catch {
      throw new LedgerError('STORE_FORMAT', 'a projection record holds a string that is not UTF-8', {});
    }
  }
  strs(): string[] {
    const count = this.u16();
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.str());
    return out;
  }
  /** Refuses trailing bytes (a record of another format version). */
  end(): void {
    if (this.n !== this.buf.length) throw new LedgerError('STORE_FORMAT', 'a projection record has trailing bytes', { length: this.buf.length, read: this.n });
  }
}

/** The changed-at stamp of any projection value (its first 12 bytes). */
export function changedAt(value: Uint8Array): ChainAt | undefined {
  if (value.length < AT_LENGTH) return undefined;
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return { height: v.getBigUint64(0, false), index: v.getUint32(8, false) };
}

/** u64 height || u32 index. */
export function atBytes(at: ChainAt): Uint8Array {
  const out = new Uint8Array(AT_LENGTH);
  putU64be(out, 0, at.height);
  new DataView(out.buffer).setUint32(8, at.index, false);
  return out;
}

/** `id || 0x00` (the prefix of one id's entries). */
export function idPrefix(id: string): Uint8Array {
  const b = utf8(id);
  const out = new Uint8Array(b.length + 1);
  out.set(b, 0);
  return out;
}

/** `prefix || u64 height || u32 index`. */
export function keyAt(prefix: Uint8Array, at: ChainAt): Uint8Array {
  const out = new Uint8Array(prefix.length + AT_LENGTH);
  out.set(prefix, 0);
  const p = prefix.length;
  putU64be(out, p, at.height);
  const i = at.index;
  out[p + 8] = i >>> 24;
  out[p + 9] = (i >>> 16) & 0xff;
  out[p + 10] = (i >>> 8) & 0xff;
  out[p + 11] = i & 0xff;
  return out;
}

/** The (height, index) that ends a `prefix || at` key. */
export function atOfKey(key: Uint8Array): ChainAt {
  if (key.length < AT_LENGTH) throw new LedgerError('STORE_FORMAT', 'a projection index key is too short', { length: key.length });
  const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return { height: v.getBigUint64(key.length - AT_LENGTH, false), index: v.getUint32(key.length - 4, false) };
}

/** The smallest key after every key that starts with `prefix` (for `lt` bounds). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.slice(0, i + 1);
    }
  }
  return undefined; // all 0xff: no upper bound
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
