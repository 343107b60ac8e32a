/**
 * @module cli/replay-progress
 * The progress bar of the long replays, `ledger rebuild` and `ledger audit` (issue 20): counted
 * in events, not blocks (blocks differ in size), against the chain's log size from its head
 * header, with the events per second since the start and the time left at that rate. Shown on
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
  /** A phase name shown before the bar (the auditor's `blocks`, then `replay`). */
  phase?: string;
}

export interface ReplayProgressBar {
  update(p: ReplayProgressFigures): void;
  stop(): void;
}

/** A bar labelled `label`, or one that shows nothing when `show` is false. */
export function replayProgressBar(label: string, show: boolean): ReplayProgressBar {
  if (!show) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} {phase}|{bar}| {percentage}% | {value}/{total} events | block {height}/{head} | {rate} events/s | ETA {left}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let phase: string | undefined;
  let started = 0;
  let startEvents = 0;
  return {
    update(p) {
      const total = p.totalEvents !== undefined && p.totalEvents > 0n ? Number(p.totalEvents) : Math.max(1, p.events);
      const now = performance.now();
      if (phase !== (p.phase ?? '')) {
        if (phase !== undefined) bar.stop();
        phase = p.phase ?? '';
        started = now;
        startEvents = p.events;
        bar.start(total, 0, { phase: '', height: '0', head: '0', rate: '-', left: '-' });
      }
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? (p.events - startEvents) / seconds : 0;
      const left = rate > 0 ? (total - p.events) / rate : undefined;
      bar.setTotal(total);
      bar.update(p.events, {
        phase: phase === '' ? '' : `${phase.padEnd(6)} `,
        height: p.height.toString(),
        head: p.head.toString(),
        rate: rate > 0 ? Math.round(rate).toLocaleString('en-US') : '-',
        left: left === undefined ? '-' : formatSeconds(left),
      });
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
