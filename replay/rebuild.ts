/**
 * @module replay/rebuild
 * `ledger rebuild` (DESIGN.md section 9): replays a node's committed blocks from block 1 into a
 * fresh state and projection area, checks every header's `state_root` (and every event's result
 * code), and compares what it rebuilt with what the node stores, byte for byte.
 *
 *  - The fresh area is a scratch database the caller gives (`area`: the CLI's is a LevelDB in a
 *    folder beside the node's, replay/scratch-area.ts, deleted afterwards), or else the sublevel
 *    `rebuild` of the node's own database (cleared before and after), so a rebuild of a large
 *    chain needs disk, not memory, and the final replacement is one atomic batch of the node's
 *    database.
 *  - The area's writes go through a stage (ledger/staged-writes.ts, issue 20): many blocks' writes
 *    in memory, read through by the state and projections, flushed as one sorted batch per
 *    DEFAULT_FLUSH_KEYS keys while the replay goes on; a key several blocks wrote is written once,
 *    with the last block's bytes. Block h + 1 is read while block h replays. The report says the
 *    writes, the main thread's time per phase and the CPU time (replay/phase-clock.ts).
 *  - Blocks are replayed through a fresh BlockState each (ledger/state-machine.ts) with the
 *    signature check answering true: the blocks were verified when they were committed (DESIGN.md
 *    section 9). The projection hook (ledger/projections.ts) runs as the core runs it.
 *  - The first height whose recomputed state root differs from its header is reported and the
 *    replay stops there (everything after builds on a different state).
 *  - Then the stored state (records, tree nodes, the event-id index, meta) and every projection
 *    table are compared with the rebuilt ones in key order (replay/compare-tables.ts: on two reader
 *    threads when the databases allow it, issue 20); each difference is named by table and
 *    key with the expected (rebuilt) and found (stored) bytes, and, for projections, the event and
 *    height that last changed the record (its changed-at stamp).
 *  - With `apply`, and only when every state root matched, the differences are written in one
 *    atomic batch, which leaves the stored state and projections equal to the rebuilt ones (the
 *    same result as replacing them wholesale). Without `apply` nothing outside the area is
 *    written. The Merkle log, blocks, commits and votes are the chain itself and never touched.
 */
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { eventId } from '../ledger/hash.js';
import { changedAt, type ChainAt } from '../ledger/projection-records.js';
import { describeKey, Projections, PROJECTION_TABLES, type ProjectionWrite } from '../ledger/projections.js';
import { BlockFold, replayBlock, type FoldedRoots, type LogAppender } from '../ledger/block-fold.js';
import { StagedWrites, type SublevelWrite } from '../ledger/staged-writes.js';
import { mainThreadCpuSeconds, PhaseClock, REPLAY_PHASES, type ReplayPhase } from './phase-clock.js';
import { MerkleFrontier } from '../ledger/merkle-hash.js';
import { BlockState, rulesFromGenesis, type SignatureCheck } from '../ledger/state-machine.js';
import { StateStore, type AnyDb, type AnySublevel } from '../ledger/state-store.js';
import { BlockStore } from '../consensus/block-store.js';
import { compareTables, TableReaders } from './compare-tables.js';

export { compareTables } from './compare-tables.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
/** The sublevel of the node's database that a rebuild writes into. */
export const REBUILD_AREA = 'rebuild';
/** The stored state's sublevels (ledger/state-store.ts), compared after the projections. */
export const STATE_TABLES = ['state-records', 'state-tree', 'event-ids', 'state-meta'] as const;

/** The blocks were verified when they were committed (DESIGN.md section 9). */
const VERIFIED: SignatureCheck = () => true;

export interface RebuildProgress {
  height: bigint;
  head: bigint;
  events: number;
  /** The events up to the head (its header's log size): what `events` counts towards. */
  totalEvents: bigint;
  /**
   * After the replay, the comparison of the tables: entries read on both sides so far, and about
   * how many there are (twice the keys the replay wrote to the compared tables: a key deleted, or
   * written in two flushes, counts too, so it errs high, by 2 % on the bench's chain), and the table.
   */
  compared?: { entries: number; total: number; table: number; tables: number };
}

export interface RebuildOptions {
  /** The node's open database (level on disk; memory-level in tests and the bench). */
  db: AnyDb;
  genesis: LoadedGenesis;
  /** Write the differences when every state root matched (see the module comment). */
  apply?: boolean;
  /** Called after every block, then after every read batch of the comparison (and once at its end). */
  onProgress?: (p: RebuildProgress) => void;
  /** Replay only blocks 1..upTo (the auditor, to name the event behind a bad block); below the head nothing is compared. */
  upTo?: bigint;
  /** Compare only the state tables (a node that keeps no projections: the auditor). */
  stateOnly?: boolean;
  /** Asked before each block: true ends the replay there, without the comparison (the auditor's early stop). */
  shouldStop?: (height: bigint) => boolean;
  /**
   * Where the rebuilt state and projections go: an empty scratch database of the caller's, which
   * it deletes afterwards (the CLI's, in a folder beside the node's: see scratchArea). Default:
   * the sublevel `rebuild` of `db`, cleared before and after.
   */
  area?: AnyDb;
  /** Flush the staged writes to LevelDB once this many keys are staged (default DEFAULT_FLUSH_KEYS; 1 = after every block). */
  flushKeys?: number;
  /**
   * Threads that read the comparison's tables (replay/compare-tables.ts): 2 = worker threads when
   * the databases allow it (classic-level opened with `multithreading`), 1 = this thread; default:
   * 2 once the replay wrote PARALLEL_COMPARE_MIN_WRITES keys (starting the workers costs more
   * than a small comparison).
   */
  compareThreads?: 1 | 2;
}

export interface Difference {
  table: string;
  /** The key, readable (printable prefix, then hex). */
  key: string;
  keyHex: string;
  /** What the rebuild produced (hex), or null: the stored entry should not exist. */
  expected: string | null;
  /** What the node stores (hex), or null: the entry is missing. */
  found: string | null;
  /** The event that last changed the record (projections), from the rebuilt or else the stored stamp. */
  changedBy: { height: string; index: number; eventId: string | null } | null;
}

export interface RebuildReport {
  head: string;
  blocks: number;
  events: number;
  /** Seconds of the replay (the comparison after it not included). */
  seconds: number;
  eventsPerSecond: number;
  /** LevelDB writes of the replay: staged (one per op a batch per block would write), written (after staging collapsed repeated keys), batches. */
  writes: { staged: number; written: number; flushes: number; perEvent: number };
  /** Main-thread milliseconds per phase, the comparison and the area's clearing included (replay/phase-clock.ts). */
  phasesMs: Record<ReplayPhase, number>;
  /** CPU seconds of the whole rebuild: every thread, and the main thread alone (null off Linux). */
  cpuSeconds: { process: number; main: number | null };
  /** The main thread's garbage-collection pauses in milliseconds (inside the phases' times, wherever they fell). */
  gcPauseMs: number;
  /** Every header's state root was reproduced. */
  stateRootsMatch: boolean;
  /** The first block whose replay differs (state root, or an event's result code). */
  firstMismatch: { height: string; what: string; expected: string; found: string; event?: number } | null;
  /** The stored tables were compared (the replay reached the head). */
  compared?: boolean;
  /**
   * The comparison's reading: entries read on both sides, by how many threads (1: this one; 2: two
   * workers), and the CPU seconds of the comparison (every thread, and the main thread alone: null
   * off Linux), so that the reader threads' CPU is told apart from LevelDB's and the GC's.
   */
  comparison?: { entries: number; readers: 1 | 2; cpuSeconds: { process: number; main: number | null } };
  /** Differences between the stored and the rebuilt state and projections (when the replay reached the head). */
  differences: number;
  /** The lowest-height difference (then table order), or null. */
  firstDifference: Difference | null;
  /** How many differences per table. */
  byTable: Record<string, number>;
  applied: boolean;
  ok: boolean;
}

/**
 * Rebuilds the state and projections of the node whose database is `opts.db` (see the module
 * comment) and reports. Never throws for a mismatch (the report says it); throws LedgerError
 * STORE_FORMAT when the stored blocks cannot be read.
 */
export async function rebuild(opts: RebuildOptions): Promise<RebuildReport> {
  const clock = new PhaseClock();
  let report: Awaited<ReturnType<typeof replayAndCompare>>;
  let gcMs = 0;
  try {
    report = await replayAndCompare(opts, clock);
  } finally {
    gcMs = clock.gcPauseMs(); // stops watching the GC, whatever happened
  }
  const cpu = clock.cpu();
  return { ...report, phasesMs: roundPhases(clock.phasesMs), cpuSeconds: { process: round3(cpu.process), main: cpu.main === null ? null : round3(cpu.main) }, gcPauseMs: Math.round(gcMs * 10) / 10 };
}

async function replayAndCompare(opts: RebuildOptions, clock: PhaseClock): Promise<Omit<RebuildReport, 'phasesMs' | 'cpuSeconds' | 'gcPauseMs'>> {
  const { db, genesis } = opts;
  if (db.status !== 'open') await db.open();
  const blocks = await BlockStore.open(db, genesis.hash, genesis.limits);
  const head = opts.upTo !== undefined && opts.upTo < blocks.head.height ? opts.upTo : blocks.head.height;
  // A scratch database of the caller's (deleted afterwards) costs LevelDB nothing to empty; the
  // node database's own `rebuild` sublevel is cleared before and after.
  const area = opts.area ?? (db.sublevel(REBUILD_AREA, VIEW) as unknown as AnyDb);
  if (area.status !== 'open') await area.open();
  const clearArea = async () => {
    if (opts.area === undefined || (await area.keys({ limit: 1 } as never).all()).length > 0) await area.clear();
  };
  await clock.timeAsync('leveldb_wait', clearArea);
  const started = performance.now();
  let events = 0;
  let replayed = 0;
  let firstMismatch: RebuildReport['firstMismatch'] = null;
  // The area's writes go through one stage, flushed as one sorted batch per many blocks while the
  // replay goes on (ledger/staged-writes.ts); the state and projections read through it.
  const stage = new StagedWrites(area);
  const leveldb = async (step: () => Promise<void>) => {
    const waited = stage.counters.waitMs;
    const t = performance.now();
    await step();
    const wait = stage.counters.waitMs - waited;
    clock.phasesMs.leveldb += performance.now() - t - wait;
    clock.phasesMs.leveldb_wait += wait;
  };
  const flushKeys = opts.flushKeys ?? DEFAULT_FLUSH_KEYS;
  try {
    const headHeader = head > 0n ? await blocks.header(head) : undefined;
    const state = await StateStore.open(area, { reads: stage, expectedEvents: Number(headHeader?.logSize ?? 0n) });
    const projections = await Projections.open(area, { limits: genesis.limits, reads: stage });
    const rules = rulesFromGenesis(genesis.genesis);
    // The log is recomputed as a frontier (its root checked against every header); the node's
    // stored Merkle log is not rewritten by a rebuild.
    const log = new MerkleFrontier();
    let previousBlockTime = 0n;
    let stopped = false;
    // Block h + 1 is read from LevelDB (on its thread) while block h replays.
    let next = head >= 1n ? blocks.block(1n) : undefined;
    for (let h = 1n; h <= head; h++) {
      if (opts.shouldStop?.(h) === true) {
        stopped = true;
        break;
      }
      const block = await clock.timeAsync('read', () => next!);
      next = h < head ? blocks.block(h + 1n) : undefined;
      if (block?.header === undefined) throw new LedgerError('STORE_FORMAT', `block ${h} is missing below the head ${head}`, { height: h.toString() });
      const header = block.header;
      const bs = BlockState.open(state, { rules, height: h, logSize: log.size });
      const fold = new TimedFold(bs, log, clock);
      await clock.timeAsync('decode', () => bs.prefetch(block.events.flatMap((e) => (e.event !== undefined ? [e.event] : []))));
      const replayStarted = performance.now();
      const result = await replayBlock(block, fold, VERIFIED, previousBlockTime);
      clock.phasesMs.rules += performance.now() - replayStarted - fold.finishMs;
      if (!result.ok) {
        const d = result.difference;
        const what = d.event !== undefined ? `${d.field === 'result' ? 'result' : d.field} of event ${d.event}` : d.field;
        firstMismatch = { height: h.toString(), what, expected: d.expected, found: d.found, ...(d.event !== undefined ? { event: d.event } : {}) };
        break;
      }
      const finished = result.roots;
      const committed = fold.folded;
      previousBlockTime = header.blockTimeMs;
      const projected = await clock.timeAsync('projections', () => projections.writesFor(h, committed));
      clock.time('leveldb', () => {
        stage.add(finished.stateWrites);
        stage.add(projected as SublevelWrite[]);
      });
      // staged is as good as committed for the replay: every later read goes through the stage
      bs.markCommitted();
      if (stage.size >= flushKeys) await leveldb(() => stage.flush());
      events += block.events.length;
      replayed++;
      opts.onProgress?.({ height: h, head, events, totalEvents: headHeader?.logSize ?? 0n });
    }
    await next?.catch(() => undefined);
    if (firstMismatch !== null || stopped || head < blocks.head.height) await leveldb(() => stage.discard());
    else await leveldb(() => stage.drain());
    const seconds = (performance.now() - started) / 1000;
    const c = stage.counters;
    const base = {
      head: head.toString(),
      blocks: replayed,
      events,
      seconds,
      eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : 0,
      writes: { staged: c.staged, written: c.written, flushes: c.flushes, perEvent: events > 0 ? Number((c.written / events).toFixed(3)) : 0 },
    };
    if (firstMismatch !== null) {
      return { ...base, stateRootsMatch: false, firstMismatch, differences: 0, firstDifference: null, byTable: {}, applied: false, ok: false };
    }
    if (stopped || head < blocks.head.height) {
      return { ...base, stateRootsMatch: true, firstMismatch: null, differences: 0, firstDifference: null, byTable: {}, applied: false, ok: true, compared: false };
    }
    // Compare the stored tables with the rebuilt ones; collect the writes that would repair them.
    const repair: ProjectionWrite[] = [];
    const byTable: Record<string, number> = {};
    let first: Difference | null = null;
    let firstAt: ChainAt | null = null;
    let differences = 0;
    const tables = opts.stateOnly === true ? [...STATE_TABLES] : [...PROJECTION_TABLES, ...STATE_TABLES];
    const compareStarted = performance.now();
    const compareCpu = process.cpuUsage();
    const compareMain = mainThreadCpuSeconds();
    const wantThreads = opts.compareThreads ?? (c.written >= PARALLEL_COMPARE_MIN_WRITES ? 2 : 1);
    const readers = wantThreads === 2 ? await TableReaders.open(db, opts.area ?? db) : undefined;
    let entries = 0;
    const about = 2 * tables.reduce((n, name) => n + (c.writtenByPrefix.get((area.sublevel(name, VIEW) as unknown as AnySublevel).prefix) ?? 0), 0);
    const totalEvents = headHeader?.logSize ?? 0n;
    try {
      for (const [t, name] of tables.entries()) {
        const progress = opts.onProgress === undefined ? undefined : (read: number) => opts.onProgress!({ height: head, head, events, totalEvents, compared: { entries: entries + read, total: Math.max(about, entries + read), table: t + 1, tables: tables.length } });
        progress?.(0);
        const stored = db.sublevel(name, VIEW) as unknown as AnySublevel;
        const rebuilt = area.sublevel(name, VIEW) as unknown as AnySublevel;
        const isProjection = name.startsWith('proj-');
        const compare = readers !== undefined ? readers.compare.bind(readers) : compareTables;
        entries += await compare(stored, rebuilt, (key, expected, found) => {
          differences++;
          byTable[name] = (byTable[name] ?? 0) + 1;
          repair.push(expected === undefined ? { type: 'del', sublevel: stored, key } : { type: 'put', sublevel: stored, key, value: expected });
          const at = isProjection && name !== 'proj-meta' ? (changedAt(expected ?? found!) ?? null) : null;
          const better = first === null || (at !== null && (firstAt === null || at.height < firstAt.height || (at.height === firstAt.height && at.index < firstAt.index)));
          if (!better) return;
          firstAt = at;
          first = {
            table: name,
            key: describeKey(key),
            keyHex: toHex(key),
            expected: expected === undefined ? null : toHex(expected),
            found: found === undefined ? null : toHex(found),
            changedBy: at === null ? null : { height: at.height.toString(), index: at.index, eventId: null },
          };
        }, progress);
      }
      opts.onProgress?.({ height: head, head, events, totalEvents, compared: { entries, total: entries, table: tables.length, tables: tables.length } });
    } finally {
      await readers?.close();
    }
    clock.phasesMs.compare += performance.now() - compareStarted;
    const cpu = process.cpuUsage(compareCpu);
    const mainEnd = mainThreadCpuSeconds();
    const compareCpuSeconds = { process: round3((cpu.user + cpu.system) / 1e6), main: compareMain === null || mainEnd === null ? null : round3(mainEnd - compareMain) };
    if (first !== null && (first as Difference).changedBy !== null) {
      const d = first as Difference;
      const b = await blocks.block(BigInt(d.changedBy!.height));
      const e = b?.events[d.changedBy!.index]?.event;
      if (e !== undefined) d.changedBy!.eventId = toHex(eventId(e.body));
    }
    let applied = false;
    if (opts.apply === true && repair.length > 0) {
      await db.batch(repair as never, { sync: true } as never);
      applied = true;
    }
    return { ...base, stateRootsMatch: true, firstMismatch: null, differences, firstDifference: first, byTable, applied, ok: differences === 0 || applied, compared: true, comparison: { entries, readers: readers !== undefined ? 2 : 1, cpuSeconds: compareCpuSeconds } };
  } finally {
    await stage.discard();
    if (opts.area === undefined) await clock.timeAsync('leveldb_wait', clearArea);
  }
}

/** From this many keys written by the replay, the comparison reads on two worker threads (see RebuildOptions.compareThreads). */
export const PARALLEL_COMPARE_MIN_WRITES = 20_000;

/** Writes below this many staged keys wait for the next block (a flush is one LevelDB batch). */
export const DEFAULT_FLUSH_KEYS = 200_000;

/** A fold that times its `finish` (the state tree, ledger/state-tree.ts) apart from the rules. */
class TimedFold extends BlockFold {
  finishMs = 0;
  constructor(
    state: BlockState,
    log: LogAppender,
    private readonly clock: PhaseClock,
  ) {
    super(state, log);
  }
  override async finish(): Promise<FoldedRoots> {
    const t = performance.now();
    try {
      return await super.finish();
    } finally {
      const ms = performance.now() - t;
      this.finishMs += ms;
      this.clock.phasesMs.state_tree += ms;
    }
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function roundPhases(ms: Record<ReplayPhase, number>): Record<ReplayPhase, number> {
  const out = { ...ms };
  for (const k of [...REPLAY_PHASES, 'leveldb_wait'] as const) out[k] = Math.round(ms[k] * 10) / 10;
  return out;
}
