/**
 * @module ledger/staged-writes
 * A write path made for replay (issue 20): the state, projection and Merkle-log writes of many
 * blocks are staged in memory, one Map per sublevel keyed by the key's bytes, and written as one
 * LevelDB batch per flush, sublevel by sublevel in prefix order, each one's keys sorted once. Reads go through the stage
 * first (read-through), so the blocks staged after a flush see what the earlier ones wrote.
 *
 *  - Same bytes on disk: a put or del staged here lands on the key the sublevel itself would
 *    have written (the sublevel's global prefix, then the key: abstract-level's layout), with the
 *    same value; a key staged twice is written once, with its last value. The last value of every
 *    key is what a batch per block would have left, so the database ends up the same key by key.
 *  - A flush runs on LevelDB's own thread while the caller goes on staging: `flush()` starts it
 *    and resolves once the previous one is written (at most one in flight); its entries stay
 *    readable here until it is written. `drain()` waits for everything.
 *  - Not atomic across flushes: for rebuilding a scratch area (replay/rebuild.ts), never for a
 *    node's commit of a block (DESIGN.md section 8), which stays one batch per block.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level';

// The same types as ledger/state-store.ts's (which reads through this module; no import cycle).
type AnyDb = AbstractLevel<any, any, any>;
type AnySublevel = AbstractSublevel<any, any, Uint8Array, Uint8Array>;

type Bytes = Uint8Array;

/** An operation in abstract-level's batch form, aimed at a sublevel (what the stores produce). */
export interface SublevelWrite {
  type: 'put' | 'del';
  sublevel: AnySublevel;
  key: Bytes;
  value?: Bytes;
}

/** Where the stores read committed keys: straight from LevelDB, or through a stage. */
export interface KeyReader {
  /** Values of `keys` in `sublevel` (undefined = absent), in order. */
  getMany(sublevel: AnySublevel, keys: Bytes[]): Promise<Array<Bytes | undefined>>;
  /** Keys of `sublevel` held by the reader but not yet in LevelDB (the id filter adds them). */
  pendingKeys(sublevel: AnySublevel): Bytes[];
}

/** Reads straight from LevelDB (a node's stores, tests). */
export const DIRECT_READS: KeyReader = {
  getMany: (sublevel, keys) => sublevel.getMany(keys),
  pendingKeys: () => [],
};

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/**
 * Staged entries of one sublevel: the key as a string of one code unit per byte -> the value, or
 * null for a delete. No object per entry: the replay stages hundreds of thousands, and the GC
 * would pay for each. One Map per sublevel (not one for all, keyed by prefix + key): no string
 * concatenation per staged or read key, shorter keys to hash, and smaller maps to sort at flush.
 */
type Entries = Map<string, Bytes | null>;

/**
 * Node's own latin1 decoder (one code unit per byte, native): about three times cheaper than
 * String.fromCharCode over the bytes, and the replay converts every staged and every read key.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/** One UTF-16 code unit per byte: strings compare as their bytes do (code units 0..255). */
function latin1(bytes: Bytes): string {
  return latin1Slice.call(bytes, 0, bytes.length);
}

/** The bytes of a string of code units 0..255 (a prefix, or a staged key). */
function asciiBytes(s: string): Bytes {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A sublevel's global prefix (ASCII, abstract-level's `!name!` per level) and its staged entries. */
interface Table {
  text: string;
  /** Staged since the last flush. */
  current: Entries;
  /** The flush in flight's entries of this sublevel (readable until it is written), or undefined. */
  inFlight: Entries | undefined;
}

/** Counters a replay reports (bench `replay_writes_per_event`). */
export interface StageCounters {
  /** Operations staged (what a batch per block would have written). */
  staged: number;
  /** Operations written to LevelDB (keys staged more than once count once per flush). */
  written: number;
  /** Batches written. */
  flushes: number;
  /** `written` by sublevel prefix (a rebuild's estimate of the entries it will compare). */
  writtenByPrefix: Map<string, number>;
  /** Milliseconds the caller waited for LevelDB in `flush` and `drain`. */
  waitMs: number;
}

/** The stage over one root database (see the module comment). */
export class StagedWrites implements KeyReader {
  /** Every sublevel staged into, by sublevel object. */
  private readonly tables = new Map<AnySublevel, Table>();
  /** Distinct keys staged since the last flush, over all tables. */
  private staged = 0;
  /** The flush on LevelDB's thread (its entries stay readable in the tables until it is written). */
  private inFlight: { tables: Table[]; done: Promise<void> } | undefined;
  readonly counters: StageCounters = { staged: 0, written: 0, flushes: 0, writtenByPrefix: new Map(), waitMs: 0 };

  /** The root database (the sublevels' `db`), which the batches go to. */
  readonly db: AnyDb;

  /** @param db the root database, or any sublevel of it */
  constructor(db: AnyDb) {
    this.db = (db as { db?: AnyDb }).db ?? db;
  }

  /** How many distinct keys are staged (not counting a flush in flight). */
  get size(): number {
    return this.staged;
  }

  private tableOf(sublevel: AnySublevel): Table {
    let t = this.tables.get(sublevel);
    if (t === undefined) {
      if (sublevel.db !== this.db) throw new TypeError('staged writes: the sublevel belongs to another database');
      const text = sublevel.prefix;
      // two sublevel objects of one name share a table (a key staged through either is the same key)
      t = [...this.tables.values()].find((x) => x.text === text) ?? { text, current: new Map(), inFlight: undefined };
      this.tables.set(sublevel, t);
    }
    return t;
  }

  /** Stages operations in order (a later one on the same key replaces an earlier one). */
  add(ops: readonly SublevelWrite[]): void {
    let sublevel: AnySublevel | undefined;
    let entries: Entries | undefined;
    let added = 0;
    for (const op of ops) {
      if (op.sublevel !== sublevel) {
        sublevel = op.sublevel;
        entries = this.tableOf(sublevel).current;
      }
      const n = entries!.size;
      entries!.set(latin1(op.key), op.type === 'put' ? op.value! : null);
      added += entries!.size - n;
    }
    this.staged += added;
    this.counters.staged += ops.length;
  }

  async getMany(sublevel: AnySublevel, keys: Bytes[]): Promise<Array<Bytes | undefined>> {
    const t = this.tableOf(sublevel);
    const out: Array<Bytes | undefined> = new Array(keys.length);
    let missing: number[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = latin1(keys[i]!);
      let s = t.current.get(k);
      if (s === undefined && t.inFlight !== undefined) s = t.inFlight.get(k);
      if (s === undefined) (missing ??= []).push(i);
      else out[i] = s ?? undefined;
    }
    if (missing !== undefined) {
      const got = await sublevel.getMany(missing.map((i) => keys[i]!));
      // A flush may have ended (and the stage moved on) while LevelDB read: what is staged now wins.
      for (let j = 0; j < missing.length; j++) {
        const i = missing[j]!;
        const k = latin1(keys[i]!);
        let s = t.current.get(k);
        if (s === undefined && t.inFlight !== undefined) s = t.inFlight.get(k);
        out[i] = s === undefined ? got[j] : (s ?? undefined);
      }
    }
    return out;
  }

  pendingKeys(sublevel: AnySublevel): Bytes[] {
    const t = this.tableOf(sublevel);
    const out: Bytes[] = [];
    for (const entries of [t.inFlight, t.current]) {
      if (entries === undefined) continue;
      for (const [k, v] of entries) if (v !== null) out.push(asciiBytes(k));
    }
    return out;
  }

  /**
   * Starts writing what is staged as one batch, table by table in prefix order and each table's
   * keys in byte order, and resolves once the previous flush is written (so at most one is in
   * flight and the caller overlaps the other).
   */
  async flush(): Promise<void> {
    await this.waitInFlight();
    if (this.staged === 0) return;
    const tables = [...new Set(this.tables.values())].filter((t) => t.current.size > 0).sort((x, y) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
    // A chained batch: one native call per operation, about 2.5 times less CPU than an array
    // batch, whose operations abstract-level and classic-level copy and check one by one.
    // Options per operation cost abstract-level a copy each: none when the database's own are 'view'.
    const options = this.db.keyEncoding().name === 'view' && this.db.valueEncoding().name === 'view' ? undefined : VIEW;
    const batch = this.db.batch();
    let written = 0;
    for (const t of tables) {
      const entries = t.current;
      t.current = new Map();
      t.inFlight = entries;
      const keys = [...entries.keys()].sort();
      // Every full key's bytes in one buffer, each key a view of it: one backing store per table
      // and flush instead of one per key (hundreds of thousands of small ArrayBuffers were much of
      // the replay's GC). classic-level copies each key into its native batch as it is added.
      const p = t.text.length;
      let total = 0;
      for (let i = 0; i < keys.length; i++) total += p + keys[i]!.length;
      const keyBytes = new Uint8Array(total);
      let at = 0;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        for (let j = 0; j < p; j++) keyBytes[at + j] = t.text.charCodeAt(j);
        for (let j = 0; j < k.length; j++) keyBytes[at + p + j] = k.charCodeAt(j);
        const full = keyBytes.subarray(at, at + p + k.length);
        at += p + k.length;
        const value = entries.get(k) as Bytes | null;
        if (value === null) batch.del(full as never, options as never);
        else batch.put(full as never, value as never, options as never);
      }
      written += keys.length;
      this.counters.writtenByPrefix.set(t.text, (this.counters.writtenByPrefix.get(t.text) ?? 0) + keys.length);
    }
    this.staged = 0;
    this.counters.written += written;
    this.counters.flushes++;
    this.inFlight = { tables, done: batch.write() };
  }

  /** Drops what is staged and waits for a flush in flight (a replay that stopped early). */
  async discard(): Promise<void> {
    for (const t of this.tables.values()) t.current = new Map();
    this.staged = 0;
    await this.waitInFlight();
  }

  /** Writes everything staged and waits until LevelDB has it. */
  async drain(): Promise<void> {
    await this.flush();
    await this.waitInFlight();
  }

  private async waitInFlight(): Promise<void> {
    const f = this.inFlight;
    if (f === undefined) return;
    const t = performance.now();
    try {
      await f.done;
    } finally {
      this.counters.waitMs += performance.now() - t;
      if (this.inFlight === f) {
        this.inFlight = undefined;
        for (const table of f.tables) table.inFlight = undefined;
      }
    }
  }
}
