/**
 * cli/replay-progress.ts: the time left is written the way a person reads it, and a bar that is
 * not shown (not a terminal, or --json) writes nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { formatSeconds, progressLine, replayProgressBar } from '../../cli/replay-progress.js';

describe('replay progress', () => {
  it('writes the time left as seconds, minutes and seconds, or hours and minutes', () => {
    expect(formatSeconds(0)).toBe('0s');
    expect(formatSeconds(41.6)).toBe('42s');
    expect(formatSeconds(185)).toBe('3m05s');
    expect(formatSeconds(3720)).toBe('1h02m');
    expect(formatSeconds(-3)).toBe('0s');
  });

  it('a hidden bar writes nothing to stderr', () => {
    const write = vi.spyOn(process.stderr, 'write');
    try {
      const bar = replayProgressBar('rebuild', false);
      bar.update({ events: 10, totalEvents: 100n, height: 1n, head: 10n });
      bar.stop();
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('counts the replay in events against the log size, with the rate and time left since the phase began', () => {
    const line = progressLine({ events: 30_000, totalEvents: 100_000n, height: 30n, head: 100n }, { ms: 0, done: 10_000 }, 2_000);
    expect(line).toEqual({ done: 30_000, total: 100_000, unit: 'events', where: 'block 30/100', rate: '10,000', left: '7s' });
  });

  it('counts the comparison in entries against its estimate, never past 100 %', () => {
    const compared = { entries: 600_000, total: 1_000_000, table: 5, tables: 27 };
    const line = progressLine({ events: 100_000, totalEvents: 100_000n, height: 100n, head: 100n, phase: 'compare', compared }, { ms: 1_000, done: 0 }, 4_000);
    expect(line).toEqual({ done: 600_000, total: 1_000_000, unit: 'entries', where: 'table 5/27', rate: '200,000', left: '2s' });
    // the estimate erred low: the total follows the count, and nothing is left
    const past = progressLine({ events: 1, height: 1n, head: 1n, compared: { entries: 1_200_000, total: 1_000_000, table: 27, tables: 27 } }, { ms: 0, done: 0 }, 1_000);
    expect([past.done, past.total, past.left]).toEqual([1_200_000, 1_200_000, '0s']);
  });
});
