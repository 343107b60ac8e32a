/**
 * @module ledger/state-store
 * The committed state over an abstract-level database: `level` (LevelDB) on a node,
 * `memory-level` in the simulation and the tests; one code path for both. It holds, in four
 * sublevels that the node's block batch writes atomically (DESIGN.md section 8):
 *  - `state-records`: `type/id` -> canonical record bytes (DESIGN.md section 9);
 *  - `state-tree`:    group key -> stored group of four tree levels (ledger/state-tree.ts);
 *  - `event-ids`:     event id -> u64 height || u32 index in block || u64 log position (the
 *                     event-id index of the sequence table; the block store finds events by it);
 *  - `state-meta`:    `root` -> the committed state root, `height` -> u64 committed height,
 *                     `tree-format` -> the tree's storage layout (TREE_FORMAT), checked on open.
 * In front of LevelDB: a Bloom filter over every committed event id (ids are SHA-256 outputs, so
 * the filter takes its bit positions from the id itself: deterministic, no seed), a cache of
 * decoded records and a cache of the upper tree levels. The caches only ever hold committed data:
 * a pending block's changes live in its BlockState (ledger/state-machine.ts), which layers over
 * this store or over the previous, finished but not yet committed, BlockState.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level';
import { toHex, u32be, u64be, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { decodeRecord, encodeRecord, recordKey, recordValueHash, splitRecordKey, type AnyRecord, type RecordOf, type StateType } from './state-records.js';
import { EMPTY_HASH, GROUP_LEVELS, levelOfGroupPath, proveStored, stateKey, type NodeReader } from './state-tree.js';
import { DIRECT_READS, type KeyReader } from './staged-writes.js';

/** Where an included event sits: its block, its 0-based index among the block's included events, its log position. */
export interface EventLocation {
  height: bigint;
  index: number;
  logPosition: bigint;
}

/** A view of the state that a block builds on: the committed store or a finished block. */
export interface StateLayer extends NodeReader {
  /** The state root of this layer. */
  readonly stateRoot: Uint8Array;
  /** The height whose state this layer holds (0 = nothing committed). */
  readonly height: bigint;
  /** The bottom of the stack. */
  readonly store: StateStore;
  /** Records by `type/id` key (undefined = absent). */
  getRecords(keys: string[]): Promise<Array<AnyRecord | undefined>>;
  getEventLocations(ids: Uint8Array[]): Promise<Array<EventLocation | undefined>>;
}

/** One operation of the node's atomic LevelDB batch (abstract-level's batch with `sublevel`). */
export interface StateWrite {
  type: 'put';
  sublevel: AnySublevel;
  key: Uint8Array;
  value: Uint8Array;
}

// `any` for the key and value types of the database itself: callers choose their encodings.
export type AnyDb = AbstractLevel<any, any, any>;
export type AnySublevel = AbstractSublevel<any, any, Uint8Array, Uint8Array>;

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const META_ROOT = utf8('root');
const META_HEIGHT = utf8('height');
const META_TREE_FORMAT = utf8('tree-format');
/**
 * The storage layout of the state tree. The first layout (one record per binary node) wrote no
 * marker; a store with a root and no marker, or another marker, is refused on open.
 */
export const TREE_FORMAT = 'groups16-v1';
const TREE_FORMAT_BYTES = utf8(TREE_FORMAT);

export function encodeEventLocation(l: EventLocation): Uint8Array {
  const out = new Uint8Array(20);
  out.set(u64be(l.height), 0);
  out.set(u32be(l.index), 8);
  out.set(u64be(l.logPosition), 12);
  return out;
}

export function decodeEventLocation(b: Uint8Array): EventLocation {
  if (b.length !== 20) throw new LedgerError('STORE_FORMAT', 'an event-id index entry is 20 bytes', { length: b.length });
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { height: v.getBigUint64(0, false), index: v.getUint32(8, false), logPosition: v.getBigUint64(12, false) };
}

/**
 * A Bloom filter over 32-byte ids: k = 6 positions from the id's first six 32-bit words; about
 * 1% false positives at 10 bits per id. A positive is confirmed in LevelDB; a negative is final.
 */
export class IdFilter {
  private bits: Uint32Array;
  private mask: number;
  count = 0;
  constructor(capacity: number) {
    let m = 1 << 16;
    while (m < capacity * 10) m *= 2;
    this.bits = new Uint32Array(m / 32);
    this.mask = m - 1;
  }
  /** The number of ids it was sized for. */
  get capacity(): number {
    return (this.mask + 1) / 10;
  }
  private positions(id: Uint8Array, f: (bit: number) => void): void {
    const v = new DataView(id.buffer, id.byteOffset, id.byteLength);
    for (let i = 0; i < 6; i++) f(v.getUint32(i * 4, false) & this.mask);
  }
  add(id: Uint8Array): void {
    this.positions(id, (p) => {
      this.bits[p >>> 5]! |= 1 << (p & 31);
    });
    this.count++;
  }
  mightHave(id: Uint8Array): boolean {
    let all = true;
    this.positions(id, (p) => {
      if ((this.bits[p >>> 5]! & (1 << (p & 31))) === 0) all = false;
    });
    return all;
  }
}

export interface StateStoreOptions {
  /** Records kept decoded in memory (committed state only); cleared when exceeded. Default 200,000. */
  recordCacheSize?: number;
  /** Tree groups whose top is at most this deep are cached in memory (levels 0..4 at the default 16). */
  nodeCacheDepth?: number;
  /**
   * Where committed keys are read: LevelDB (default), or a replay's stage of writes not yet in
   * LevelDB (ledger/staged-writes.ts), read first.
   */
  reads?: KeyReader;
  /** How many event ids the store will hold (a replay knows its chain's log size): the id filter is sized for it up front. */
  expectedEvents?: number;
}

/** The committed state: records, tree, event-id index, root and height (see the module comment). */
export class StateStore implements StateLayer {
  readonly records: AnySublevel;
  readonly nodes: AnySublevel;
  readonly events: AnySublevel;
  readonly meta: AnySublevel;
  private root: Uint8Array = EMPTY_HASH;
  private committedHeight = 0n;
  private filter = new IdFilter(1 << 16);
  private readonly recordCache = new Map<string, AnyRecord | null>();
  private readonly nodeCache = new Map<string, Uint8Array>();
  private readonly recordCacheSize: number;
  private readonly nodeCacheDepth: number;
  private readonly reads: KeyReader;
  private readonly expectedEvents: number;

  private constructor(
    readonly db: AnyDb,
    opts: StateStoreOptions,
  ) {
    this.records = db.sublevel('state-records', VIEW) as AnySublevel;
    this.nodes = db.sublevel('state-tree', VIEW) as AnySublevel;
    this.events = db.sublevel('event-ids', VIEW) as AnySublevel;
    this.meta = db.sublevel('state-meta', VIEW) as AnySublevel;
    this.recordCacheSize = opts.recordCacheSize ?? 200_000;
    this.nodeCacheDepth = opts.nodeCacheDepth ?? 16;
    this.reads = opts.reads ?? DIRECT_READS;
    this.expectedEvents = opts.expectedEvents ?? 0;
  }

  /** Opens the state in `db` (an open or opening abstract-level database) and loads the id filter. */
  static async open(db: AnyDb, opts: StateStoreOptions = {}): Promise<StateStore> {
    const s = new StateStore(db, opts);
    await db.open();
    const [root, height, format] = await s.meta.getMany([META_ROOT, META_HEIGHT, META_TREE_FORMAT]);
    if (root !== undefined && (format === undefined || toHex(format) !== toHex(TREE_FORMAT_BYTES))) {
      throw new LedgerError('STORE_FORMAT', `the state tree in this store is not in layout ${TREE_FORMAT}; rebuild the projections`, {
        format: format === undefined ? null : new TextDecoder().decode(format),
      });
    }
    if (root !== undefined) s.root = new Uint8Array(root);
    if (height !== undefined) s.committedHeight = new DataView(height.buffer, height.byteOffset, 8).getBigUint64(0, false);
    await s.rebuildFilter();
    return s;
  }

  get store(): StateStore {
    return this;
  }
  get stateRoot(): Uint8Array {
    return this.root;
  }
  get height(): bigint {
    return this.committedHeight;
  }

  /** Ids committed while a rebuild reads the index (added to the new filter before it replaces the old). */
  private addedDuringRebuild: Uint8Array[] | null = null;

  private async rebuildFilter(): Promise<void> {
    if (this.addedDuringRebuild !== null) return;
    this.addedDuringRebuild = [];
    // ids staged but not yet in LevelDB (taken before the first await: one flushed meanwhile is in this list)
    const pending = this.reads.pendingKeys(this.events);
    try {
      let n = pending.length;
      for await (const _ of this.events.keys()) n++;
      const f = new IdFilter(Math.max(n * 2, this.expectedEvents, 1 << 16));
      for (const k of pending) f.add(k);
      for await (const k of this.events.keys()) f.add(new Uint8Array(k));
      for (const id of this.addedDuringRebuild) f.add(id);
      this.filter = f;
    } finally {
      this.addedDuringRebuild = null;
    }
  }

  async getRecords(keys: string[]): Promise<Array<AnyRecord | undefined>> {
    const out: Array<AnyRecord | undefined> = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((k, i) => {
      const c = this.recordCache.get(k);
      if (c === undefined) missing.push(i);
      else out[i] = c ?? undefined;
    });
    if (missing.length > 0) {
      const got = await this.reads.getMany(this.records, missing.map((i) => utf8(keys[i]!)));
      missing.forEach((i, j) => {
        const k = keys[i]!;
        const bytes = got[j];
        const rec = bytes === undefined ? undefined : decodeRecord(splitRecordKey(k)[0], bytes);
        out[i] = rec;
        this.cacheRecord(k, rec ?? null);
      });
    }
    return out;
  }

  private cacheRecord(key: string, rec: AnyRecord | null): void {
    if (this.recordCache.size >= this.recordCacheSize) this.recordCache.clear();
    this.recordCache.set(key, rec);
  }

  async getEventLocations(ids: Uint8Array[]): Promise<Array<EventLocation | undefined>> {
    const out: Array<EventLocation | undefined> = new Array(ids.length);
    const probe: number[] = [];
    ids.forEach((id, i) => {
      if (this.filter.mightHave(id)) probe.push(i);
    });
    if (probe.length > 0) {
      const got = await this.reads.getMany(this.events, probe.map((i) => ids[i]!));
      probe.forEach((i, j) => {
        const b = got[j];
        out[i] = b === undefined ? undefined : decodeEventLocation(b);
      });
    }
    return out;
  }

  async getNodes(paths: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = new Array(paths.length);
    const missing: number[] = [];
    paths.forEach((p, i) => {
      const c = this.nodeCache.get(toHex(p));
      if (c === undefined) missing.push(i);
      else out[i] = c;
    });
    if (missing.length > 0) {
      const got = await this.reads.getMany(this.nodes, missing.map((i) => paths[i]!));
      missing.forEach((i, j) => {
        const b = got[j];
        out[i] = b;
        if (b !== undefined && levelOfGroupPath(paths[i]!) * GROUP_LEVELS <= this.nodeCacheDepth) this.nodeCache.set(toHex(paths[i]!), b);
      });
    }
    return out;
  }

  /**
   * Called once a block's batch (which held `writes`) has committed: brings the in-memory
   * caches, root and height up to that block. Internal: BlockState.markCommitted calls it.
   */
  noteCommitted(c: { height: bigint; stateRoot: Uint8Array; records: Map<string, AnyRecord>; nodes: Map<string, Uint8Array>; eventIds: Uint8Array[] }): void {
    if (c.height !== this.committedHeight + 1n) {
      throw new LedgerError('INTERNAL', `block ${c.height} committed on top of height ${this.committedHeight}`);
    }
    for (const [k, r] of c.records) this.cacheRecord(k, r);
    for (const [k, n] of c.nodes) if (parseInt(k.slice(0, 2), 16) * GROUP_LEVELS <= this.nodeCacheDepth) this.nodeCache.set(k, n);
    for (const id of c.eventIds) {
      this.filter.add(id);
      this.addedDuringRebuild?.push(id);
    }
    this.root = c.stateRoot;
    this.committedHeight = c.height;
    // An overfull filter is still correct (more LevelDB probes); grow it in the background.
    if (this.filter.count > this.filter.capacity) void this.rebuildFilter().catch(() => undefined);
  }

  /** The meta writes of a block: its state root and height, and the tree's layout. */
  metaWrites(height: bigint, stateRoot: Uint8Array): StateWrite[] {
    return [
      { type: 'put', sublevel: this.meta, key: META_ROOT, value: stateRoot },
      { type: 'put', sublevel: this.meta, key: META_HEIGHT, value: u64be(height) },
      { type: 'put', sublevel: this.meta, key: META_TREE_FORMAT, value: TREE_FORMAT_BYTES },
    ];
  }

  /** Writes a batch to the database (what the node does with its block batch; tests and the simulation use this). */
  async writeBatch(writes: StateWrite[]): Promise<void> {
    await this.db.batch(writes as never);
  }

  // -------------------------------------------------------------------------------------------
  // Queries over the committed state (the API and proofs come in later issues)

  async getRecord<T extends StateType>(type: T, id: string): Promise<RecordOf<T> | undefined> {
    const [r] = await this.getRecords([recordKey(type, id)]);
    return r as RecordOf<T> | undefined;
  }

  /** The committed record's canonical bytes, its value hash and its state proof against the committed root. */
  async prove(type: StateType, id: string): Promise<{ stateRoot: Uint8Array; recordBytes: Uint8Array | null; valueHash: Uint8Array | null; proof: Uint8Array }> {
    const root = this.root;
    const { proof, valueHash } = await proveStored(this, stateKey(type, id));
    const rec = await this.getRecord(type, id);
    const recordBytes = rec === undefined ? null : encodeRecord(type, rec as never);
    if ((recordBytes === null) !== (valueHash === null) || (recordBytes !== null && toHex(recordValueHash(recordBytes)) !== toHex(valueHash!))) {
      throw new LedgerError('INTERNAL', `state tree and records disagree on ${type}/${id}`);
    }
    return { stateRoot: root, recordBytes, valueHash, proof };
  }

  async eventLocation(id: Uint8Array): Promise<EventLocation | undefined> {
    const [l] = await this.getEventLocations([id]);
    return l;
  }
}
