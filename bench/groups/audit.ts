/**
 * @module bench/groups/audit
 * `ledger audit` at the full level (audit/audit.ts) over the rebuild group's chain mix, with
 * real Ed25519 signatures on every event: 100,000 events (20,000 with --quick) cut by a
 * single-node core with the projections hook, into a LevelDB in a temporary folder. Then the audit is timed: every
 * header and commit, every event decoded, re-hashed and its signature verified on worker threads
 * (one per core), the results and log roots recomputed, then the replay (state roots, result
 * codes) and the byte-for-byte comparison of state and projections.
 *  - audit_events_per_s: events / seconds of the whole full-level audit;
 *  - audit_events_per_s_per_core: the same divided by the machine's cores (the goal is per core);
 *  - audit_merkle_events_per_s: the merkle level alone (no replay);
 *  - audit_events_per_cpu_s: events / CPU seconds of every thread (the workers' included);
 *  - audit_cpu_s_per_1e4_events: where those CPU seconds go, per 10^4 events: `main_thread` (the
 *    block checks' decoding and hashing, and the replay), `other_threads` (the signature workers,
 *    LevelDB's and the GC's threads), and the replay's share of the main thread by phase (its
 *    phase times scaled to the main thread's CPU, as the rebuild group's are), and
 *    `of_which_gc_main`, the main thread's GC pauses while the replay ran (inside `main_thread`,
 *    scaled the same way): what stands between the figure and the goal;
 *  - limit_ed25519_verify_per_s: Ed25519 verifications per second on one core (the node backend),
 *    measured in the same run: the full audit verifies one per event;
 *  - audit_sha256_blocks_per_event, audit_floor_us_per_event and audit_floor_events_per_s_per_core:
 *    the signature, the hashing (block checks and replay), the replay's writes and the
 *    comparison's reads per event at the limits measured in the same run (the rebuild group's
 *    physicalLimits): what one core could do if it did nothing else.
 */
import { availableParallelism } from 'node:os';
import { audit } from '../../audit/audit.js';
import { LevelDbChainSource } from '../../audit/leveldb-source.js';
import { SignaturePool } from '../../consensus/signature-pool.js';
import type { BenchGroup } from '../types.js';
import { verifyEd25519, publicKeyFromSeed, signEd25519 } from '../../ledger/signature.js';
import { sha256 } from '../../ledger/hash.js';
import { utf8 } from '../../ledger/bytes.js';
import { opsPerSecond } from '../measure.js';
import { openScratchArea } from '../../replay/scratch-area.js';
import { mainThreadCpuSeconds, REPLAY_PHASES } from '../../replay/phase-clock.js';
import { buildBenchChain, comparedEntries, physicalLimits, replayFloor, tempLevel } from './rebuild.js';
import { sha256BlocksCompressed } from '../../ledger/sha256-into.js';

export const auditGroup: BenchGroup = {
  name: 'audit',
  description: 'ledger audit --level full: headers, commits, event signatures on every core, roots, replay and comparison (LevelDB in a temporary folder)',
  pure: true,
  async run({ quick, log }) {
    const target = quick ? 20_000 : 100_000;
    const t0 = performance.now();
    const level = await tempLevel('audit');
    const chain = await buildBenchChain(target, log, level.db, { sign: true });
    log(`signed chain of ${chain.events} events built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cores = availableParallelism();
    const pool = new SignaturePool(cores);
    try {
      const source = new LevelDbChainSource(chain.db, chain.genesis.bytes);
      const tm = performance.now();
      const merkle = await audit({ source, anchor: chain.genesis, level: 'merkle', pool });
      const merkleSeconds = (performance.now() - tm) / 1000;
      if (!merkle.ok) throw new Error(`the bench chain did not audit cleanly: ${JSON.stringify(merkle.finding)}`);
      const t = performance.now();
      const cpu = process.cpuUsage();
      const mainStart = mainThreadCpuSeconds();
      const scratch = await openScratchArea(level.path);
      const blocksBefore = sha256BlocksCompressed();
      const full = await audit({ source, anchor: chain.genesis, level: 'full', db: chain.db, area: scratch.db, pool }).finally(() => scratch.remove());
      const seconds = (performance.now() - t) / 1000;
      const c = process.cpuUsage(cpu);
      const mainEnd = mainThreadCpuSeconds();
      const sha256Blocks = sha256BlocksCompressed() - blocksBefore;
      if (!full.ok) throw new Error(`the bench chain did not audit cleanly: ${JSON.stringify(full.finding)}`);
      const perSecond = full.events / seconds;
      log(`full audit of ${full.events} events in ${seconds.toFixed(1)} s on ${cores} cores; merkle level ${merkleSeconds.toFixed(1)} s`);
      return {
        audit_events_per_s: Math.round(perSecond),
        audit_events_per_s_per_core: Math.round(perSecond / cores),
        audit_merkle_events_per_s: Math.round(merkle.events / merkleSeconds),
        audit_events_per_cpu_s: Math.round(full.events / ((c.user + c.system) / 1e6)),
        audit_cpu_s_per_1e4_events: cpuBreakdown(full, (c.user + c.system) / 1e6, mainStart === null || mainEnd === null ? null : mainEnd - mainStart, seconds),
        ...auditFloor(full, sha256Blocks, 2 * (await comparedEntries(chain.db)), verifyRate(), await physicalLimits()),
      };
    } finally {
      await pool.close();
      await level.close();
    }
  },
};

/**
 * CPU seconds per 10^4 events of the full audit (see the module comment). The replay's phases
 * are main-thread wall times scaled by the main thread's CPU over the audit's wall time (the
 * replay shares the main thread with the block checks); only `total` where /proc is missing.
 */
function cpuBreakdown(full: Awaited<ReturnType<typeof audit>>, processCpu: number, mainCpu: number | null, seconds: number): Record<string, number> {
  const per = 1e4 / Math.max(1, full.events);
  const r = (x: number) => Number((x * per).toFixed(3));
  const out: Record<string, number> = { total: r(processCpu) };
  if (mainCpu === null) return out;
  out.main_thread = r(mainCpu);
  out.other_threads = r(processCpu - mainCpu);
  if (full.replay !== null && seconds > 0) {
    const busy = mainCpu / seconds;
    for (const k of REPLAY_PHASES) out[`replay_${k}`] = r((full.replay.phasesMs[k] / 1000) * busy);
    // the main thread's GC pauses while the replay ran (block checks' and replay's alike), inside main_thread
    out.of_which_gc_main = r((full.replay.gcPauseMs / 1000) * busy);
  }
  return out;
}

/**
 * What the full audit must do per event against the limits measured in the same run, and the CPU
 * that alone costs (as the rebuild group's replayFloor, plus one Ed25519 verification per event):
 * `audit_floor_events_per_s_per_core` is the most one core could check if it did nothing else.
 */
function auditFloor(full: Awaited<ReturnType<typeof audit>>, sha256Blocks: number, readEntries: number, ed25519PerSecond: number, limits: Awaited<ReturnType<typeof physicalLimits>>): Record<string, unknown> {
  const events = Math.max(1, full.events);
  const replay = replayFloor({ sha256Blocks: sha256Blocks / events, writes: (full.replay?.writes.written ?? 0) / events, readEntries: readEntries / events }, limits).rebuild_floor_us_per_event;
  const ed25519 = 1e6 / ed25519PerSecond;
  const total = ed25519 + replay.total!;
  const r2 = (x: number) => Number(x.toFixed(2));
  return {
    audit_sha256_blocks_per_event: Number((sha256Blocks / events).toFixed(3)),
    limit_ed25519_verify_per_s: ed25519PerSecond,
    audit_floor_us_per_event: { ed25519: r2(ed25519), sha256: replay.sha256, leveldb_writes: replay.leveldb_writes, compare_reads: replay.compare_reads, total: r2(total) },
    audit_floor_events_per_s_per_core: Math.round(1e6 / total),
  };
}

/** Ed25519 verifications per second on this thread (the node backend, 32-byte messages). */
function verifyRate(): number {
  const seed = sha256(utf8('bench:verify'));
  const pk = publicKeyFromSeed(seed);
  const msgs = Array.from({ length: 64 }, (_, i) => sha256(utf8(`bench:msg:${i}`)));
  const sigs = msgs.map((m) => signEd25519(seed, m));
  let i = 0;
  return opsPerSecond(() => {
    const k = i++ & 63;
    if (!verifyEd25519(pk, msgs[k]!, sigs[k]!, 'node')) throw new Error('bench: verification failed');
  }, 1000);
}
