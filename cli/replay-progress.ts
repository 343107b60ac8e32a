/**
 * @module cli/replay-progress
 * The progress bar of the long replays, `ledger rebuild` and `ledger audit` (issue 20): counted
 * in events, not blocks (blocks differ in size), against the chain's log size from its head
 * header, with the events per second since the start and the time left at that rate; then the
 * comparison of the tables, in entries against an estimate from the replay's writes (a third of
 * a long rebuild's time, which had no bar). Shown on
 * stderr when it is a terminal and `--json` is not given; scripts get the final report alone.
 */
import cliProgress from 'cli-progress';

export interface ReplayProgressFigures {
  /** Events replayed (or checked) so far. */
  events: number;
  /** The chain's events (the head header's log size), when known. */
  totalEvents?: bigint;
  height: bigint;
  head: bigint;
  /** A phase name shown before the bar (the auditor's `blocks`, then `replay`; `compare` for the comparison). */
  phase?: string;
  /** The comparison after the replay (replay/rebuild.ts RebuildProgress): counted in table entries. */
  compared?: { entries: number; total: number; table: number; tables: number };
}

export interface ReplayProgressBar {
  update(p: ReplayProgressFigures): void;
  stop(): void;
}

/** What the bar shows for one update, counted in `unit`. */
export interface ProgressLine {
  done: number;
  total: number;
  unit: 'events' | 'entries';
  /** `block 12/40` while replaying, `table 3/27` while comparing. */
  where: string;
  rate: string;
  left: string;
}

/**
 * The figures of one update (pure, for the tests): the events against the chain's log size, or in
 * the comparison its entries against the estimate; the rate since the phase began and the time left
 * at that rate.
 */
export function progressLine(p: ReplayProgressFigures, phaseStart: { ms: number; done: number }, nowMs: number): ProgressLine {
  const c = p.compared;
  const done = c !== undefined ? c.entries : p.events;
  const total = c !== undefined ? Math.max(1, c.total, c.entries) : p.totalEvents !== undefined && p.totalEvents > 0n ? Number(p.totalEvents) : Math.max(1, p.events);
  const seconds = (nowMs - phaseStart.ms) / 1000;
  const rate = seconds > 0 ? (done - phaseStart.done) / seconds : 0;
  const left = rate > 0 ? Math.max(0, total - done) / rate : undefined;
  return {
    done,
    total,
    unit: c !== undefined ? 'entries' : 'events',
    where: c !== undefined ? `table ${c.table}/${c.tables}` : `block ${p.height}/${p.head}`,
    rate: rate > 0 ? Math.round(rate).toLocaleString('en-US') : '-',
    left: left === undefined ? '-' : formatSeconds(left),
  };
}

/** A bar labelled `label`, or one that shows nothing when `show` is false. */
export function replayProgressBar(label: string, show: boolean): ReplayProgressBar {
  if (!show) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} {phase}|{bar}| {percentage}% | {value}/{total} {unit} | {where} | {rate} {unit}/s | ETA {left}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let phase: string | undefined;
  let start = { ms: 0, done: 0 };
  return {
    update(p) {
      const now = performance.now();
      const name = p.phase ?? (p.compared !== undefined ? 'compare' : '');
      if (phase !== name) {
        if (phase !== undefined) bar.stop();
        phase = name;
        start = { ms: now, done: p.compared !== undefined ? p.compared.entries : p.events };
        bar.start(1, 0, { phase: '', unit: 'events', where: '', rate: '-', left: '-' });
      }
      const line = progressLine(p, start, now);
      bar.setTotal(line.total);
      bar.update(line.done, { phase: phase === '' ? '' : `${phase.padEnd(7)} `, unit: line.unit, where: line.where, rate: line.rate, left: line.left });
    },
    stop() {
      bar.stop();
    },
  };
}

/** `42s`, `3m05s`, `1h02m`. */
export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
