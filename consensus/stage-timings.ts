/**
 * @module consensus/stage-timings
 * Where an event's time goes inside a node (issue 19): durations per stage of the commit path,
 * kept as the last samples of each stage and summarised as count, mean, p50 and p99. The node
 * process exports them in its status and at `/metrics` (Prometheus text format); the e2e bench
 * prints them as `latency_breakdown`.
 *
 * Measuring reads a clock, so NodeCore receives a `StageSink` from its driver and only reports
 * durations to it: nothing measured here decides a block's bytes (DESIGN.md section 8).
 */

/** The stages, in the order an event meets them. */
export const STAGES = [
  /** Kafka's LogAppendTime of a record to the node receiving it from the consumer. */
  'kafka_to_consume',
  /** Receiving a block's first record to this node's vote for the block (cut wait, fold, header). */
  'consume_to_vote',
  /** Signature checks of a chunk of records, prepared on worker threads before the fold. */
  'signatures',
  /** The sequential fold of a chunk of records through the state machine. */
  'fold',
  /** Finishing a block: state tree update, roots, header. */
  'finish',
  /**
   * Writing the votes this node signed in one input durably (one batch, one fsync) before they are
   * sent; votes that ride in a commit batch of the same input are in commit_write (group commit).
   */
  'vote_persist',
  /** This node's vote sent to the block committed here (quorum round trip and commit write). */
  'vote_to_commit',
  /** The block's atomic commit batch (fsync), with any votes of the same input; the block is visible to the API after it. */
  'commit_write',
  /** Receiving a block's first record to the block committed on this node. */
  'consume_to_commit',
  /** Kafka's LogAppendTime of a block's first record to the block committed on this node. */
  'broker_to_commit',
] as const;
export type Stage = (typeof STAGES)[number];

/** What NodeCore reports durations to; `now` is the driver's monotonic clock in ms. */
export interface StageSink {
  now(): number;
  record(stage: Stage, ms: number): void;
}

/** Runs `f`, reporting its duration as `stage` to `sink` when there is one. */
export async function timeStage<T>(sink: StageSink | undefined, stage: Stage, f: () => Promise<T>): Promise<T> {
  if (sink === undefined) return f();
  const started = sink.now();
  try {
    return await f();
  } finally {
    sink.record(stage, sink.now() - started);
  }
}

export interface StageSummary {
  count: number;
  mean_ms: number;
  p50_ms: number;
  p99_ms: number;
}

/**
 * The last `window` samples of each stage (a ring per stage, each sample with the wall-clock time
 * it was recorded at), and how many there were in all.
 */
export class StageTimings implements StageSink {
  private readonly rings = new Map<Stage, { ms: Float64Array; at: Float64Array }>();
  private readonly counts = new Map<Stage, number>();

  constructor(
    private readonly window = 4096,
    readonly now: () => number = () => performance.now(),
    private readonly wallNow: () => number = () => Date.now(),
  ) {}

  record(stage: Stage, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    let ring = this.rings.get(stage);
    if (ring === undefined) {
      ring = { ms: new Float64Array(this.window), at: new Float64Array(this.window) };
      this.rings.set(stage, ring);
    }
    const n = this.counts.get(stage) ?? 0;
    ring.ms[n % this.window] = ms;
    ring.at[n % this.window] = this.wallNow();
    this.counts.set(stage, n + 1);
  }

  /**
   * Per stage met: count, mean, p50 and p99 over the last `window` samples, or over those of them
   * recorded at or after `sinceEpochMs` (count is then theirs).
   */
  summary(sinceEpochMs?: number): Partial<Record<Stage, StageSummary>> {
    const out: Partial<Record<Stage, StageSummary>> = {};
    for (const stage of STAGES) {
      const total = this.counts.get(stage);
      if (total === undefined) continue;
      const ring = this.rings.get(stage)!;
      const held = Math.min(total, this.window);
      // a copy of the held samples, or of those since the time, sorted natively (the status is
      // polled often; no array of boxed numbers per call)
      let kept: Float64Array;
      if (sinceEpochMs === undefined) kept = ring.ms.slice(0, held);
      else {
        kept = new Float64Array(held);
        let k = 0;
        for (let i = 0; i < held; i++) if (ring.at[i]! >= sinceEpochMs) kept[k++] = ring.ms[i]!;
        kept = kept.subarray(0, k);
      }
      if (kept.length === 0) continue;
      const n = sinceEpochMs === undefined ? total : kept.length;
      kept.sort();
      const at = (q: number) => kept[Math.min(kept.length - 1, Math.floor(q * kept.length))]!;
      const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
      out[stage] = { count: n, mean_ms: round(mean), p50_ms: round(at(0.5)), p99_ms: round(at(0.99)) };
    }
    return out;
  }

  /** The summary in the Prometheus text exposition format (one summary metric, a label per stage). */
  prometheus(labels: Record<string, string> = {}): string {
    const base = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
    const lbl = (extra: string[]) => `{${[...base, ...extra].join(',')}}`;
    const lines = ['# HELP ledger_stage_ms Duration of a stage of the commit path in milliseconds (last samples).', '# TYPE ledger_stage_ms summary'];
    for (const [stage, s] of Object.entries(this.summary()) as Array<[Stage, StageSummary]>) {
      lines.push(`ledger_stage_ms${lbl([`stage="${stage}"`, 'quantile="0.5"'])} ${s.p50_ms}`);
      lines.push(`ledger_stage_ms${lbl([`stage="${stage}"`, 'quantile="0.99"'])} ${s.p99_ms}`);
      lines.push(`ledger_stage_ms_sum${lbl([`stage="${stage}"`])} ${round(s.mean_ms * Math.min(s.count, this.window))}`);
      lines.push(`ledger_stage_ms_count${lbl([`stage="${stage}"`])} ${Math.min(s.count, this.window)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Follows blocks through a node by offsets and heights: when each batch of records arrived, when
 * this node voted for a height, when it committed it. Fed by the node process from the consumer and
 * the core's outputs; reports `kafka_to_consume`, `consume_to_vote`, `vote_to_commit`,
 * `consume_to_commit` and `broker_to_commit`.
 */
export class BlockLatency {
  /** Batches received, oldest first: their offsets, arrival time and each record's broker time. */
  private readonly arrivals: Array<{ first: bigint; last: bigint; at: number; brokerMs: Float64Array }> = [];
  private readonly voted = new Map<bigint, number>();

  constructor(private readonly timings: StageTimings) {}

  /** A batch of records reached the node (offsets ascending). */
  onRecords(records: ReadonlyArray<{ offset: bigint; timestamp: bigint }>, wallNowMs: number): void {
    if (records.length === 0) return;
    const at = this.timings.now();
    const brokerMs = new Float64Array(records.length);
    records.forEach((r, i) => {
      brokerMs[i] = Number(r.timestamp);
      this.timings.record('kafka_to_consume', wallNowMs - brokerMs[i]!);
    });
    // offsets of a channel topic are contiguous (DESIGN.md section 8), so a batch is a range
    this.arrivals.push({ first: records[0]!.offset, last: records[records.length - 1]!.offset, at, brokerMs });
    if (this.arrivals.length > 10_000) this.arrivals.splice(0, this.arrivals.length - 10_000);
  }

  /** This node sent its vote for `height`, whose first covered offset is `firstOffset`. */
  onVote(height: bigint, firstOffset: bigint): void {
    if (this.voted.has(height)) return;
    const now = this.timings.now();
    this.voted.set(height, now);
    const a = this.arrivalOf(firstOffset);
    if (a !== undefined) this.timings.record('consume_to_vote', now - a.at);
  }

  /** Block `height` (first covered offset `firstOffset`) committed on this node. */
  onCommitted(height: bigint, firstOffset: bigint, wallNowMs: number): void {
    const now = this.timings.now();
    const v = this.voted.get(height);
    if (v !== undefined) this.timings.record('vote_to_commit', now - v);
    for (const h of this.voted.keys()) if (h <= height) this.voted.delete(h);
    const a = this.arrivalOf(firstOffset);
    if (a !== undefined) {
      this.timings.record('consume_to_commit', now - a.at);
      this.timings.record('broker_to_commit', wallNowMs - (a.brokerMs[Number(firstOffset - a.first)] ?? a.brokerMs[0]!));
    }
    // batches wholly below the committed block are no longer needed
    while (this.arrivals.length > 0 && this.arrivals[0]!.last < firstOffset) this.arrivals.shift();
  }

  private arrivalOf(offset: bigint): { first: bigint; last: bigint; at: number; brokerMs: Float64Array } | undefined {
    return this.arrivals.find((b) => b.first <= offset && offset <= b.last);
  }
}
