import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../exchange/replay-window.js';

describe('ReplayWindow (exchange/replay-window.ts)', () => {
  it('refuses an id again for at least 2 x maxSkew after it was first seen, whatever the rotations', () => {
    let now = 0;
    const w = new ReplayWindow(100, () => now);
    // ids first seen at every 7 ms over several rotations; each replayed at every later ms up to 2 x skew
    for (let first = 0; first < 1_000; first += 7) {
      now = first;
      expect(w.add(`id-${first}`)).toBe(true);
    }
    for (let first = 0; first < 1_000; first += 7) {
      const probe = new ReplayWindow(100, () => now);
      now = first;
      probe.add('x');
      for (let t = first; t <= first + 200; t += 13) {
        now = t;
        expect(probe.add('x'), `first seen at ${first}, replayed at ${t}`).toBe(false);
        expect(probe.add(`filler-${t}`)).toBe(true);
      }
    }
  });

  it('forgets an id once no replay of it could be authenticated, so memory stays bounded', () => {
    let now = 0;
    const w = new ReplayWindow(100, () => now);
    expect(w.add('a')).toBe(true);
    now = 200;
    expect(w.add('b')).toBe(true); // rotation: a is in the older generation
    expect(w.add('a')).toBe(false);
    now = 400;
    expect(w.add('c')).toBe(true); // rotation: a is gone
    expect(w.add('a')).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      now = 400 + i;
      w.add(`r-${i}`);
    }
    // two generations of at most 2 x skew = 200 ms at one id per ms
    expect(w.size).toBeLessThanOrEqual(402);
  });
});
