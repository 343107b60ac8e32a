import { describe, expect, it } from 'vitest';
import { commandOf, needsReplayHeap, REPLAY_HEAP_FLAG } from '../../cli/replay-heap.js';

describe('the replay commands run with a larger young generation (cli/replay-heap.ts)', () => {
  it('finds the subcommand past root options and their values', () => {
    expect(commandOf(['rebuild', '--node', 'x'])).toBe('rebuild');
    expect(commandOf(['--cacert', 'audit', 'event', 'submit'])).toBe('event');
    expect(commandOf(['--cacert', 'ca.pem', 'audit', '--level', 'full'])).toBe('audit');
    expect(commandOf(['-V'])).toBeUndefined();
    expect(commandOf([])).toBeUndefined();
  });

  it('runs itself again for rebuild, audit and bench only, and never twice', () => {
    expect(needsReplayHeap(['rebuild'], [], {})).toBe(true);
    expect(needsReplayHeap(['audit', '--level', 'full'], [], {})).toBe(true);
    expect(needsReplayHeap(['bench', '--json'], [], {})).toBe(true);
    expect(needsReplayHeap(['node', 'run'], [], {})).toBe(false);
    expect(needsReplayHeap(['up', '--demo'], [], {})).toBe(false);
    // already given, in the child, or turned off
    expect(needsReplayHeap(['rebuild'], [REPLAY_HEAP_FLAG], {})).toBe(false);
    expect(needsReplayHeap(['rebuild'], [], { NODE_OPTIONS: '--max-semi-space-size=32' })).toBe(false);
    expect(needsReplayHeap(['rebuild'], [], { LEDGER_REPLAY_HEAP_CHILD: '1' })).toBe(false);
    expect(needsReplayHeap(['rebuild'], [], { LEDGER_REPLAY_HEAP: '0' })).toBe(false);
  });
});
