/**
 * @module replay/phase-clock
 * Where a replay's time goes (issue 20: CPU-seconds per 10^4 events by phase). The main thread's
 * time is split by phase as it runs; the whole process's and the main thread's CPU time are read
 * at the end, so that the figures say what the cores did, not what the wall clock saw on a
 * loaded machine:
 *  - `phasesMs`: wall milliseconds of the main thread in each phase (segments, each including
 *    the waits that belong to it, e.g. a state read from LevelDB in `decode`);
 *  - `cpu`: process CPU seconds (every thread: main, LevelDB's threads, GC helpers, signature
 *    workers) and the main thread's own (Linux: /proc/self/task/<pid>/stat; null elsewhere);
 *  - `gcPauseMs`: the main thread's garbage-collection pauses (node:perf_hooks `gc` entries),
 *    which the phases include wherever they fell (issue 20: the GC, not LevelDB, was most of
 *    what the phase figures called LevelDB).
 * Never decides anything: measuring only.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

export const REPLAY_PHASES = ['read', 'decode', 'rules', 'state_tree', 'projections', 'leveldb', 'compare'] as const;
/** The phases, and the main thread's waits for LevelDB's own thread (idle: its CPU is the other threads'). */
export type ReplayPhase = (typeof REPLAY_PHASES)[number] | 'leveldb_wait';

export interface CpuSeconds {
  /** All threads of the process. */
  process: number;
  /** The main thread alone (null where /proc is not available). */
  main: number | null;
}

/** Accumulates the main thread's time per phase (see the module comment). */
export class PhaseClock {
  readonly phasesMs: Record<ReplayPhase, number> = { read: 0, decode: 0, rules: 0, state_tree: 0, projections: 0, leveldb: 0, compare: 0, leveldb_wait: 0 };
  private readonly cpuStart = process.cpuUsage();
  private readonly mainStart = mainThreadCpuSeconds();
  private gcMs = 0;
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcMs += e.duration;
  });

  constructor() {
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /** Times a synchronous step. */
  time<T>(phase: ReplayPhase, step: () => T): T {
    const t = performance.now();
    try {
      return step();
    } finally {
      this.phasesMs[phase] += performance.now() - t;
    }
  }

  /** Times an asynchronous step (its waits included). */
  async timeAsync<T>(phase: ReplayPhase, step: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await step();
    } finally {
      this.phasesMs[phase] += performance.now() - t;
    }
  }

  /** Stops watching the GC and returns the main thread's GC pause milliseconds since the clock was made. */
  gcPauseMs(): number {
    for (const e of this.gc.takeRecords()) this.gcMs += e.duration;
    this.gc.disconnect();
    return this.gcMs;
  }

  /** CPU seconds since the clock was made. */
  cpu(): CpuSeconds {
    const c = process.cpuUsage(this.cpuStart);
    const main = mainThreadCpuSeconds();
    return { process: (c.user + c.system) / 1e6, main: main === null || this.mainStart === null ? null : main - this.mainStart };
  }
}

/** The main thread's CPU seconds (user + system), from /proc on Linux; null elsewhere. */
export function mainThreadCpuSeconds(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux the project runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
