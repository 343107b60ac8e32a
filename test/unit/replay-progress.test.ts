/**
 * cli/replay-progress.ts: the time left is written the way a person reads it, and a bar that is
 * not shown (not a terminal, or --json) writes nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { formatSeconds, replayProgressBar } from '../../cli/replay-progress.js';

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
});
