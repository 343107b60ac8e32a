/**
 * @module bench/groups/rebuild
 * `ledger rebuild` (replay/rebuild.ts) on LevelDB: a chain of 100,000 events (20,000 with --quick)
 * is cut once by a single-node consensus core with the projections hook into a LevelDB in a
 * temporary folder (classic-level: what a node and `ledger rebuild` use); then the rebuild is timed:
 *  - rebuild_events_per_s: the whole check, events / wall seconds: replay from block 1 through a
 *    fresh BlockState per block (signatures not checked) and the projection hook, staged writes
 *    into the rebuild area (ledger/staged-writes.ts), every state root compared, then every stored
 *    table compared with the rebuilt one, the area cleared;
 *  - rebuild_replay_events_per_s: the replay alone (the report's own figure);
 *  - rebuild_events_per_cpu_s: events / CPU seconds of every thread (a figure a loaded machine
 *    distorts less than the wall clock);
 *  - replay_writes_per_event: LevelDB writes of the replay per event, after the stage collapsed
 *    repeated keys (replay_writes_staged_per_event: before, i.e. with one batch per block);
 *  - rebuild_cpu_s_per_1e4_events: CPU seconds per 10^4 events by phase (cpuPer1e4ByPhase);
 *  - limit_*: LevelDB batched puts/s, entries/s read back as the comparison reads them, and
 *    SHA-256/s, measured in the same run (physicalLimits);
 *  - replay_sha256_blocks_per_event, compare_read_entries_per_event, and rebuild_floor_*: what the
 *    rebuild must do per event against those limits, and the CPU that alone would cost
 *    (replayFloor): the distance between rebuild_events_per_cpu_s and rebuild_floor_events_per_cpu_s
 *    is the JavaScript around it (decoding, rules, objects, GC).
 * The mix: access records under grants (one in ten with someone else's grant: rejected and
 * kept), certificate issues, transfers and revocations, dataset versions. Pure: needs nothing running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { NodeCore } from '../../consensus/node-core.js';
import type { KafkaRecord } from '../../consensus/messages.js';
import { rebuild, STATE_TABLES, type RebuildReport } from '../../replay/rebuild.js';
import { REPLAY_PHASES } from '../../replay/phase-clock.js';
import { openScratchArea } from '../../replay/scratch-area.js';
import { opsPerSecond } from '../measure.js';
import { timeToCutMessage } from '../../ledger/block.js';
import { utf8 } from '../../ledger/bytes.js';
import { createGenesis } from '../../ledger/genesis.js';
import { eventId, sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { Projections, PROJECTION_TABLES } from '../../ledger/projections.js';
import { sha256BlocksCompressed } from '../../ledger/sha256-into.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import type { BenchGroup } from '../types.js';

const SIG = new Uint8Array(64);
const AUTHORITY = 'authority.bench';
const key = (name: string) => new SigningKey(sha256(utf8(`bench:${name}`)));
const b32 = (n: number) => sha256(utf8(`bench:${n}`));

/** Builds the chain (signatures are not what is measured: the core accepts them unchecked). */
export async function buildBenchChain(events: number, log: (m: string) => void, db: AnyDb = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb, opts: { sign?: boolean } = {}): Promise<{ db: AnyDb; genesis: ReturnType<typeof createGenesis>; events: number }> {
  const node = key('node');
  const authority = key('authority');
  const genesis = createGenesis({ channel: 'bench', authorities: [{ departmentId: AUTHORITY, name: 'authority', publicKey: authority.publicKey }], nodes: [node.publicKey], quorum: 1, limits: { maxBlockEvents: 1000 } });
  if (db.status !== 'open') await db.open();
  const projections = await Projections.open(db, { limits: genesis.limits });
  const core = await NodeCore.open({ genesis, nodeIndex: 1, key: node, db, hooks: [projections.hook], syncWrites: false, prepareSignatures: async () => () => true });
  await core.handle({ kind: 'start', nowMs: 0 });
  let offset = 0n;
  let time = 1_000n;
  const seq = new Map<string, bigint>();
  const signers = new Map<string, SigningKey>([[AUTHORITY, authority]]);
  const signer = (dept: string): SigningKey => signers.get(dept) ?? signers.set(dept, key(dept)).get(dept)!;
  const record = (dept: string, payload: Partial<EventBody>): KafkaRecord => {
    const s = seq.get(dept) ?? 1n;
    seq.set(dept, s + 1n);
    const body = encode('EventBody', { channel: 'bench', departmentId: dept, keyVersion: 1, sequence: s, clientTimeMs: 0n, ...payload } as EventBody);
    // real signatures when asked (the auditor checks them); the core accepts them unchecked either way
    const signature = opts.sign === true ? signer(dept).sign(eventId(body)) : SIG;
    return { offset: offset++, timestamp: time++, logAppendTime: true, value: encode('TopicRecord', { event: { body, signature } }) };
  };
  const feed = async (records: KafkaRecord[]) => {
    for (let i = 0; i < records.length; i += 2000) await core.handle({ kind: 'records', records: records.slice(i, i + 2000) });
  };
  const depts = Array.from({ length: 40 }, (_, i) => `dept.${i}`);
  const setup: KafkaRecord[] = depts.map((d, i) =>
    record(AUTHORITY, { departmentRegistered: { departmentId: d, name: d, publicKey: key(d).publicKey, rights: { certificateTypeIds: ['BDC'], resourceIds: [`res.${i}`], govern: false, seize: false, audit: false } } }),
  );
  setup.push(...depts.map((d, i) => record(d, { resourceRegistered: { resourceId: `res.${i}`, name: 'r', shareType: 2, fields: ['a', 'b', 'c'], updateCycle: 'daily' } })));
  const grants: Array<{ id: string; reader: string; resource: string }> = [];
  for (let i = 0; i < depts.length; i++) {
    for (let j = 1; j <= 5; j++) {
      const reader = depts[(i + j) % depts.length]!;
      const id = `req.${i}.${j}`;
      setup.push(record(reader, { shareRequested: { requestId: id, resourceId: `res.${i}`, purpose: 'p', fields: ['a', 'b'] } }));
      grants.push({ id, reader, resource: `res.${i}` });
    }
  }
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i]!;
    setup.push(record(depts[Math.floor(i / 5)]!, { shareGranted: { requestId: g.id, fields: ['a', 'b'], purpose: 'p', validFromMs: 0n, validUntilMs: 1n << 62n, maxUses: 0n } }));
  }
  await feed(setup);
  let serial = 0;
  const issued: Array<{ id: string; dept: string }> = [];
  const batch: KafkaRecord[] = [];
  for (let n = setup.length; n < events; n++) {
    const r = serial++ % 20;
    if (r < 11) {
      const g = grants[serial % grants.length]!;
      const wrongReader = r === 10; // someone else's grant: rejected and kept
      batch.push(record(wrongReader ? depts[(serial * 7) % depts.length]! : g.reader, { accessRecorded: { resourceId: g.resource, grantId: g.id, fields: ['a'], purpose: 'check', subjectCommitment: b32(serial % 5000), recordCount: 1n } }));
    } else if (r < 17) {
      const d = depts[serial % depts.length]!;
      const id = `C-${serial}`;
      issued.push({ id, dept: d });
      batch.push(record(d, { certificateIssued: { certificateId: id, certificateTypeId: 'BDC', holderCommitment: b32(serial), attributesRoot: b32(serial + 1), documentSha256: b32(serial + 2), validUntilMs: 0n, attributeNames: ['a', 'b'], certificateTypeName: '' } }));
    } else if (r === 17 && issued.length > 10) {
      const c = issued[issued.length - 10]!;
      batch.push(record(c.dept, { certificateTransferred: { certificateId: c.id, newHolderCommitment: b32(serial), documentSha256: new Uint8Array(0), reason: '' } }));
    } else if (r === 18 && issued.length > 20) {
      const c = issued[issued.length - 20]!;
      batch.push(record(c.dept, { certificateRevoked: { certificateId: c.id, reason: 'r' } }));
    } else {
      const i = serial % depts.length;
      batch.push(record(depts[i]!, { resourceVersionPublished: { resourceId: `res.${i}`, version: BigInt(serial), datasetSha256: b32(serial), recordCount: 10n } }));
    }
    if (batch.length >= 10_000) {
      await feed(batch.splice(0));
      log(`chain: ${n + 1} events, height ${core.blocks.head.height}`);
    }
  }
  await feed(batch.splice(0));
  const height = core.blocks.head.height + 1n;
  const ttc = encode('TopicRecord', { ttc: { height, heartbeat: false, nodeIndex: 1, signature: node.sign(timeToCutMessage(genesis.hash, height, false)) } });
  await core.handle({ kind: 'records', records: [{ offset: offset++, timestamp: time, logAppendTime: true, value: ttc }] });
  return { db, genesis, events: core.merkle.size };
}

/** A fresh LevelDB in a temporary folder (the bench measures the real write path: classic-level). */
export async function tempLevel(prefix: string): Promise<{ db: AnyDb; path: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `ledger-bench-${prefix}-`));
  const path = join(dir, 'db');
  // as the CLI opens a node's database for a rebuild or an audit (its comparison's reader threads share it)
  const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view', multithreading: true } as never) as unknown as AnyDb;
  await db.open();
  return {
    db,
    path,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU seconds per 10^4 events by phase (replay/phase-clock.ts): the main thread's phase times
 * scaled to its CPU time (so that waits and preemption by other processes do not count), and the
 * other threads' CPU added: while the comparison ran (its reader threads) to `compare`, the rest
 * (LevelDB's writes, reads and compactions, V8's GC helpers) to `leveldb`.
 * Two parts of those, not to be added again: `of_which_other_threads` (the other threads' CPU,
 * inside `leveldb` and `compare`) and `of_which_gc_main` (the main thread's GC pauses, inside every phase, scaled
 * as the phases are).
 */
export function cpuPer1e4ByPhase(report: Pick<RebuildReport, 'phasesMs' | 'cpuSeconds' | 'comparison'> & { gcPauseMs?: number }, events: number): Record<string, number> {
  const { phasesMs, cpuSeconds } = report;
  const wallMs = REPLAY_PHASES.reduce((a, k) => a + phasesMs[k], 0);
  const main = cpuSeconds.main ?? wallMs / 1000;
  const scale = wallMs > 0 ? main / (wallMs / 1000) : 0;
  const per = 1e4 / Math.max(1, events);
  const out: Record<string, number> = {};
  for (const k of REPLAY_PHASES) out[k] = (phasesMs[k] / 1000) * scale;
  const others = Math.max(0, cpuSeconds.process - main);
  // the other threads while the comparison ran (its reader threads, and LevelDB's reads for them) go to `compare`
  const c = report.comparison?.cpuSeconds;
  const comparing = c !== undefined && c.main !== null ? Math.min(others, Math.max(0, c.process - c.main)) : 0;
  out.compare! += comparing;
  out.leveldb! += others - comparing;
  out.of_which_other_threads = others;
  // pauses are wall time like the phases: scaled the same way
  if (report.gcPauseMs !== undefined) out.of_which_gc_main = (report.gcPauseMs / 1000) * scale;
  for (const k of Object.keys(out)) out[k] = Number((out[k]! * per).toFixed(3));
  out.total = Number((cpuSeconds.process * per).toFixed(3));
  return out;
}

/**
 * The physical limits the replay sits against, measured in the same run: LevelDB batched puts per
 * second (keys of 30 bytes in order, values of 110 bytes: about what a replay writes, one chained
 * batch of 100,000) and SHA-256 of 64-byte inputs per second (a state-tree node), on one core.
 */
export async function physicalLimits(): Promise<{ limit_leveldb_batched_puts_per_s: number; limit_leveldb_batched_puts_per_cpu_s: number; limit_leveldb_read_entries_per_s: number; limit_sha256_64b_per_s: number }> {
  const n = 100_000;
  const keys = Array.from({ length: n }, (_, i) => {
    const k = sha256(utf8(`bench:key:${i}`)).subarray(0, 30);
    k[0] = 0x21;
    return k;
  }).sort((a, b) => Buffer.compare(a, b));
  const value = sha256(utf8('bench:value'));
  const values = Array.from({ length: n }, (_, i) => {
    const v = new Uint8Array(110);
    v.set(value, i % 64);
    return v;
  });
  const level = await tempLevel('limits');
  let perSecond: number;
  let perCpuSecond: number;
  let readPerSecond: number;
  try {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const batch = level.db.batch();
    for (let i = 0; i < n; i++) batch.put(keys[i] as never, values[i] as never);
    await batch.write();
    const seconds = (performance.now() - t) / 1000;
    const c = process.cpuUsage(cpu);
    perSecond = Math.round(n / seconds);
    perCpuSecond = Math.round(n / ((c.user + c.system) / 1e6));
    readPerSecond = await readRate(level.db, n);
  } finally {
    await level.close();
  }
  const block = new Uint8Array(64);
  const sha = opsPerSecond(() => {
    for (let j = 0; j < 100; j++) sha256(block);
  }, 1000, 100);
  return { limit_leveldb_batched_puts_per_s: perSecond, limit_leveldb_batched_puts_per_cpu_s: perCpuSecond, limit_leveldb_read_entries_per_s: readPerSecond, limit_sha256_64b_per_s: sha };
}

/**
 * Entries per second that classic-level hands to JavaScript when a table is read in key order as
 * the rebuild's comparison reads it (nextv of 8,192 entries or 4 MiB, keys and values as views):
 * the main thread makes a Buffer of every key and every value, which bounds the comparison.
 */
async function readRate(db: AnyDb, n: number): Promise<number> {
  const it = db.iterator({ keyEncoding: 'view', valueEncoding: 'view', highWaterMarkBytes: 4 << 20 } as never) as unknown as { nextv(k: number): Promise<unknown[]>; close(): Promise<void> };
  const t = performance.now();
  let read = 0;
  try {
    for (let batch = await it.nextv(8_192); batch.length > 0; batch = await it.nextv(8_192)) read += batch.length;
  } finally {
    await it.close();
  }
  if (read !== n) throw new Error(`the limits table read back ${read} entries, not ${n}`);
  return Math.round(read / ((performance.now() - t) / 1000));
}

/**
 * What the replay costs against those limits, per event, on one core (issue 20's "physical limit"):
 * its SHA-256 blocks at 2 x limit_sha256_64b_per_s (a 64-byte input is two blocks), its LevelDB
 * writes at limit_leveldb_batched_puts_per_cpu_s, and the comparison's entries read (every stored and
 * every rebuilt entry of the compared tables) at limit_leveldb_read_entries_per_s. Their sum is the
 * CPU a rebuild would need if it did nothing else: `rebuild_floor_events_per_cpu_s` against
 * `rebuild_events_per_cpu_s`.
 */
export function replayFloor(perEvent: { sha256Blocks: number; writes: number; readEntries: number }, limits: Awaited<ReturnType<typeof physicalLimits>>): { rebuild_floor_us_per_event: Record<string, number>; rebuild_floor_events_per_cpu_s: number } {
  const sha256 = (perEvent.sha256Blocks / (2 * limits.limit_sha256_64b_per_s)) * 1e6;
  const writes = (perEvent.writes / limits.limit_leveldb_batched_puts_per_cpu_s) * 1e6;
  const reads = (perEvent.readEntries / limits.limit_leveldb_read_entries_per_s) * 1e6;
  const total = sha256 + writes + reads;
  const r2 = (x: number) => Number(x.toFixed(2));
  return { rebuild_floor_us_per_event: { sha256: r2(sha256), leveldb_writes: r2(writes), compare_reads: r2(reads), total: r2(total) }, rebuild_floor_events_per_cpu_s: Math.round(1e6 / total) };
}

/** Entries of the tables a full rebuild compares (replay/rebuild.ts), counted by reading their keys. */
export async function comparedEntries(db: AnyDb): Promise<number> {
  let n = 0;
  for (const name of [...PROJECTION_TABLES, ...STATE_TABLES]) {
    const keys = (db.sublevel(name, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as { keys(): { all(): Promise<unknown[]> } }).keys();
    n += (await keys.all()).length;
  }
  return n;
}

export const rebuildGroup: BenchGroup = {
  name: 'rebuild',
  description: 'ledger rebuild: replay with state roots and projections, then the byte-for-byte comparison (LevelDB in a temporary folder)',
  pure: true,
  async run({ quick, log }) {
    const target = quick ? 20_000 : 100_000;
    const t0 = performance.now();
    const level = await tempLevel('rebuild');
    try {
      const chain = await buildBenchChain(target, log, level.db);
      log(`chain of ${chain.events} events built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // as `ledger rebuild` does: the rebuilt data in a scratch LevelDB beside the node's
      const t = performance.now();
      const scratch = await openScratchArea(level.path);
      let report: RebuildReport;
      const blocksBefore = sha256BlocksCompressed();
      try {
        report = await rebuild({ db: chain.db, genesis: chain.genesis, area: scratch.db });
      } finally {
        await scratch.remove();
      }
      const seconds = (performance.now() - t) / 1000;
      const sha256Blocks = sha256BlocksCompressed() - blocksBefore;
      if (!report.ok) throw new Error(`the bench chain did not rebuild cleanly: ${JSON.stringify(report.firstMismatch ?? report.firstDifference)}`);
      log(`rebuild of ${report.events} events in ${seconds.toFixed(1)} s, ${report.cpuSeconds.process.toFixed(1)} CPU s (main thread ${report.cpuSeconds.main?.toFixed(1) ?? '?'}); ${report.writes.written} writes in ${report.writes.flushes} batches`);
      const limits = await physicalLimits();
      // a clean rebuild read every stored entry and the same number rebuilt
      const readEntries = 2 * (await comparedEntries(chain.db));
      const perEvent = (x: number) => Number((x / Math.max(1, report.events)).toFixed(3));
      return {
        rebuild_events_per_s: Math.round(report.events / seconds),
        rebuild_replay_events_per_s: report.eventsPerSecond,
        rebuild_events_per_cpu_s: Math.round(report.events / report.cpuSeconds.process),
        replay_writes_per_event: report.writes.perEvent,
        replay_writes_staged_per_event: Number((report.writes.staged / Math.max(1, report.events)).toFixed(3)),
        rebuild_cpu_s_per_1e4_events: cpuPer1e4ByPhase(report, report.events),
        replay_sha256_blocks_per_event: perEvent(sha256Blocks),
        compare_read_entries_per_event: perEvent(readEntries),
        // 2: the comparison read on two worker threads (replay/compare-tables.ts), as the CLI's does
        rebuild_compare_readers: report.comparison?.readers ?? 0,
        ...limits,
        ...replayFloor({ sha256Blocks: sha256Blocks / report.events, writes: report.writes.written / report.events, readEntries: readEntries / report.events }, limits),
      };
    } finally {
      await level.close();
    }
  },
};
