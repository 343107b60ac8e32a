/**
 * @module replay/compare-tables
 * The rebuild's comparison of a stored table with the rebuilt one (replay/rebuild.ts, DESIGN.md
 * section 9), in key order, entry by entry, each difference named with both values.
 *
 * Two ways to read the tables, with the same differences in the same order:
 *  - `compareTables`, on this thread: each table read from its root database between the
 *    sublevel's prefix bounds in large batches, the next batch always in flight on LevelDB's thread,
 *    and each batch compared in one synchronous loop (issue 20: an await per entry cost a promise
 *    each, and classic-level's default of 16 KiB per read made it a round trip per hundred entries).
 *  - `TableReaders`, with both cores (issue 20): classic-level makes a Buffer of every key and every
 *    value it returns, about 2 µs of the reading thread's CPU per entry, and that was most of the
 *    comparison. Two worker threads (replay/table-reader-worker.ts) read the stored and the rebuilt
 *    side and send each batch packed in one transferred buffer, which this thread compares in place
 *    (no object per entry); only a difference's key and values are copied out. The databases must
 *    be classic-level ones opened with its `multithreading` option (the CLI's and the scratch
 *    area's are); otherwise `TableReaders.open` answers undefined and the caller uses
 *    `compareTables`.
 */
import { Worker } from 'node:worker_threads';
import type { AnySublevel } from '../ledger/state-store.js';
import type { ReaderReply, ReaderRequest } from './table-reader-worker.js';

/** Called for every key whose values differ or that one side alone holds: `expected` is the rebuilt value, `found` the stored one. */
export type DifferenceSink = (key: Uint8Array, expected: Uint8Array | undefined, found: Uint8Array | undefined) => void;

/**
 * Walks two sublevels in key order on this thread and calls `diff` for each difference (see the
 * module comment); returns the entries read on both sides, and tells `onRead` how many so far
 * after each read batch (a progress bar's). Keys are compared byte by byte past the
 * prefixes, values by Node's native Buffer.compare, and only a difference's key is cut down to
 * the sublevel's own.
 */
export async function compareTables(stored: AnySublevel, rebuilt: AnySublevel, diff: DifferenceSink, onRead?: (read: number) => void): Promise<number> {
  const a = new Entries(stored);
  const b = new Entries(rebuilt);
  const aCut = a.prefixLength;
  const bCut = b.prefixLength;
  let read = 0;
  try {
    await Promise.all([a.fill(), b.fill()]);
    for (;;) {
      const xs = a.buf;
      const ys = b.buf;
      let i = a.i;
      let j = b.i;
      if (i >= xs.length && j >= ys.length) break; // both ended (fill leaves a buffer empty only at the end)
      if (i >= xs.length) {
        for (; j < ys.length; j++) diff(ys[j]![0].subarray(bCut), ys[j]![1], undefined);
      } else if (j >= ys.length) {
        for (; i < xs.length; i++) diff(xs[i]![0].subarray(aCut), undefined, xs[i]![1]);
      } else {
        while (i < xs.length && j < ys.length) {
          const x = xs[i]!;
          const y = ys[j]!;
          const c = compareKeys(x[0], aCut, x[0].length, y[0], bCut, y[0].length);
          if (c < 0) {
            diff(x[0].subarray(aCut), undefined, x[1]);
            i++;
          } else if (c > 0) {
            diff(y[0].subarray(bCut), y[1], undefined);
            j++;
          } else {
            if (x[1].length !== y[1].length || Buffer.compare(x[1], y[1]) !== 0) diff(x[0].subarray(aCut), y[1], x[1]);
            i++;
            j++;
          }
        }
      }
      read += i - a.i + (j - b.i);
      onRead?.(read);
      a.i = i;
      b.i = j;
      if (i >= xs.length && j >= ys.length) await Promise.all([a.fill(), b.fill()]);
      else if (i >= xs.length) await a.fill();
      else if (j >= ys.length) await b.fill();
    }
  } finally {
    await a.close();
    await b.close();
  }
  return read;
}

/** Entries per LevelDB read of the comparison (one nextv call): large batches cost fewer round trips. */
const COMPARE_BATCH = 8_192;
/**
 * Bytes per read: classic-level stops a nextv at 16 KiB by default (about a hundred entries here),
 * which made the comparison one round trip to LevelDB's thread per hundred entries.
 */
const COMPARE_BATCH_BYTES = 4 << 20;

type Entry = [Uint8Array, Uint8Array];

/** A sublevel's range in its root database: abstract-level's '!name!' up to (not including) '!name"'. */
function prefixRange(sub: AnySublevel): { root: AnySublevel; gte: Uint8Array; lt: Uint8Array; cut: number } {
  const prefix = sub.prefix;
  return {
    root: sub.db as unknown as AnySublevel,
    gte: asciiBytes(prefix),
    lt: asciiBytes(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)),
    cut: prefix.length,
  };
}

/**
 * A sublevel's entries in key order, read from its root database between the sublevel's prefix
 * bounds (keys keep the prefix: see compareTables), in batches, the next batch always in flight:
 * LevelDB reads it on its own thread while the main thread compares the current one.
 */
class Entries {
  private readonly it: { nextv(n: number): Promise<Entry[]>; close(): Promise<void> };
  /** The current batch; `i` is the next entry to compare. Empty after `fill` only at the end. */
  buf: Entry[] = [];
  i = 0;
  /** The bytes of the sublevel's prefix at the start of every key. */
  readonly prefixLength: number;
  private ahead: Promise<Entry[]> | undefined;
  constructor(sub: AnySublevel) {
    const { root, gte, lt, cut } = prefixRange(sub);
    this.prefixLength = cut;
    this.it = root.iterator({ gte, lt, keyEncoding: 'view', valueEncoding: 'view', highWaterMarkBytes: COMPARE_BATCH_BYTES } as never) as never;
    this.ahead = this.it.nextv(COMPARE_BATCH);
  }
  /** The next batch (the current one is used up); an empty batch means the table ended. */
  async fill(): Promise<void> {
    if (this.ahead === undefined) {
      this.buf = [];
      this.i = 0;
      return;
    }
    this.buf = await this.ahead;
    this.i = 0;
    // a batch may end short of COMPARE_BATCH (the byte limit): only an empty one is the end
    this.ahead = this.buf.length > 0 ? this.it.nextv(COMPARE_BATCH) : undefined;
  }
  async close(): Promise<void> {
    // a read in flight ends before the iterator closes (abstract-level refuses to close under it)
    await this.ahead?.catch(() => undefined);
    return this.it.close();
  }
}

/** The bytes of a string of code units 0..255 (a sublevel prefix). */
function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Byte order of `a[aFrom, aEnd)` and `b[bFrom, bEnd)`. */
function compareKeys(a: Uint8Array, aFrom: number, aEnd: number, b: Uint8Array, bFrom: number, bEnd: number): number {
  const n = Math.min(aEnd - aFrom, bEnd - bFrom);
  for (let k = 0; k < n; k++) {
    const d = a[aFrom + k]! - b[bFrom + k]!;
    if (d !== 0) return d;
  }
  return aEnd - aFrom - (bEnd - bFrom);
}

/** How long a worker may take to open its database before the comparison stays on this thread. */
const OPEN_TIMEOUT_MS = 30_000;

/** Both sides of the comparison read on worker threads (see the module comment). */
export class TableReaders {
  private constructor(
    private readonly stored: ReaderChannel,
    private readonly rebuilt: ReaderChannel,
  ) {}

  /**
   * Two readers, on the stored database's and the rebuilt one's locations; undefined (and nothing
   * left running) when either is not a classic-level database on disk opened with
   * `multithreading`, or a worker cannot start (e.g. run from the TypeScript sources).
   */
  static async open(storedRoot: unknown, rebuiltRoot: unknown): Promise<TableReaders | undefined> {
    const a = locationOf(storedRoot);
    const b = locationOf(rebuiltRoot);
    if (a === undefined || b === undefined) return undefined;
    const channels: ReaderChannel[] = [];
    try {
      for (const location of [a, b]) {
        const channel = new ReaderChannel();
        channels.push(channel);
        await channel.open(location);
      }
      return new TableReaders(channels[0]!, channels[1]!);
    } catch {
      await Promise.all(channels.map((c) => c.close()));
      return undefined;
    }
  }

  /** As compareTables (same differences, same order), the reading on the workers. Returns the entries read. */
  async compare(stored: AnySublevel, rebuilt: AnySublevel, diff: DifferenceSink, onRead?: (read: number) => void): Promise<number> {
    const a = this.stored.range(prefixRange(stored));
    const b = this.rebuilt.range(prefixRange(rebuilt));
    let read = 0;
    try {
      await Promise.all([a.fill(), b.fill()]);
      for (;;) {
        const x = a.batch;
        const y = b.batch;
        let i = a.i;
        let j = b.i;
        const xn = x.count;
        const yn = y.count;
        if (i >= xn && j >= yn) break;
        const xo = x.offsets;
        const yo = y.offsets;
        const xb = x.bytes;
        const yb = y.bytes;
        if (i >= xn) {
          for (; j < yn; j++) diff(y.key(j), y.value(j), undefined);
        } else if (j >= yn) {
          for (; i < xn; i++) diff(x.key(i), undefined, x.value(i));
        } else {
          while (i < xn && j < yn) {
            const c = compareKeys(xb, xo[4 * i]!, xo[4 * i + 1]!, yb, yo[4 * j]!, yo[4 * j + 1]!);
            if (c < 0) {
              diff(x.key(i), undefined, x.value(i));
              i++;
            } else if (c > 0) {
              diff(y.key(j), y.value(j), undefined);
              j++;
            } else {
              const xs = xo[4 * i + 2]!;
              const xe = xo[4 * i + 3]!;
              const ys = yo[4 * j + 2]!;
              const ye = yo[4 * j + 3]!;
              if (xe - xs !== ye - ys || x.buffer.compare(y.buffer, ys, ye, xs, xe) !== 0) diff(x.key(i), y.value(j), x.value(i));
              i++;
              j++;
            }
          }
        }
        read += i - a.i + (j - b.i);
        onRead?.(read);
        a.i = i;
        b.i = j;
        if (i >= xn && j >= yn) await Promise.all([a.fill(), b.fill()]);
        else if (i >= xn) await a.fill();
        else if (j >= yn) await b.fill();
      }
    } finally {
      await Promise.all([a.finish(), b.finish()]);
    }
    return read;
  }

  /** Closes both workers' databases and ends the workers. */
  async close(): Promise<void> {
    await Promise.all([this.stored.close(), this.rebuilt.close()]);
  }
}

/** A classic-level database's location (its root's), or undefined for any other kind. */
function locationOf(db: unknown): string | undefined {
  const location = (db as { location?: unknown } | null)?.location;
  return typeof location === 'string' && location !== '' ? location : undefined;
}

/** One batch as the worker packed it: for entry e, offsets[4e..4e+3] = key start, key end, value start, value end. */
class PackedBatch {
  static readonly EMPTY = new PackedBatch(new ArrayBuffer(0), 0);
  readonly bytes: Uint8Array;
  /** The same bytes as a Buffer (its ranged native compare). */
  readonly buffer: Buffer;
  readonly offsets: Int32Array;
  constructor(
    data: ArrayBuffer,
    readonly count: number,
  ) {
    this.bytes = new Uint8Array(data);
    this.buffer = Buffer.from(data);
    this.offsets = new Int32Array(4 * count);
    const b = this.bytes;
    let at = 0;
    for (let e = 0; e < count; e++) {
      const kl = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
      this.offsets[4 * e] = at + 4;
      this.offsets[4 * e + 1] = at + 4 + kl;
      at += 4 + kl;
      const vl = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
      this.offsets[4 * e + 2] = at + 4;
      this.offsets[4 * e + 3] = at + 4 + vl;
      at += 4 + vl;
    }
    if (at !== b.length) throw new Error(`a packed batch of ${count} entries is ${b.length} bytes, its entries ${at}`);
  }
  /** A copy (a difference outlives the batch). */
  key(e: number): Uint8Array {
    return this.bytes.slice(this.offsets[4 * e]!, this.offsets[4 * e + 1]!);
  }
  value(e: number): Uint8Array {
    return this.bytes.slice(this.offsets[4 * e + 2]!, this.offsets[4 * e + 3]!);
  }
}

/**
 * A worker and its requests: the worker answers each request once, in order, so the replies are
 * matched first in, first out.
 */
class ReaderChannel {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (r: ReaderReply) => void; reject: (e: Error) => void }> = [];
  private failed: Error | undefined;
  private closed = false;

  constructor() {
    this.worker = new Worker(new URL('./table-reader-worker.js', import.meta.url));
    this.worker.on('message', (reply: ReaderReply) => {
      const w = this.waiting.shift();
      if (w === undefined) return;
      if (reply.type === 'error') w.reject(new Error(reply.message));
      else w.resolve(reply);
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`a table reader thread exited (code ${code})`));
    });
  }

  request(m: ReaderRequest): Promise<ReaderReply> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(m);
    });
  }

  async open(location: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('a table reader did not open its database in time')), OPEN_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.request({ type: 'open', location }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  range(r: { gte: Uint8Array; lt: Uint8Array; cut: number }): PackedRange {
    return new PackedRange(this, r);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.failed === undefined) await this.request({ type: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }
}

/** One table's entries from a worker, a batch always requested ahead. */
class PackedRange {
  batch: PackedBatch = PackedBatch.EMPTY;
  i = 0;
  private ahead: Promise<ReaderReply> | undefined;
  private ended = false;
  constructor(
    private readonly channel: ReaderChannel,
    r: { gte: Uint8Array; lt: Uint8Array; cut: number },
  ) {
    this.ahead = channel.request({ type: 'read', gte: r.gte, lt: r.lt, cut: r.cut });
    this.ahead.catch(() => undefined); // awaited in fill or finish
  }
  /** The next batch; an empty one means the table ended. */
  async fill(): Promise<void> {
    this.i = 0;
    if (this.ahead === undefined) {
      this.batch = PackedBatch.EMPTY;
      return;
    }
    const reply = (await this.ahead) as Extract<ReaderReply, { type: 'batch' }>;
    this.batch = new PackedBatch(reply.data, reply.count);
    if (reply.count === 0) {
      this.ended = true;
      this.ahead = undefined;
      return;
    }
    this.ahead = this.channel.request({ type: 'more' });
    this.ahead.catch(() => undefined);
  }
  /** Waits for a request still in flight (its reply must not be taken for the next table's). */
  async finish(): Promise<void> {
    if (!this.ended) await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
  }
}
