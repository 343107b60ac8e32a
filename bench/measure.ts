/** @module bench/measure  Timing helpers for benchmarks (never used by tests to assert speed). */

/**
 * Runs `op` repeatedly for about `durationMs` after a warm-up and returns operations per second.
 * `op` performs `batch` operations per call, so that the timer is read rarely.
 */
export function opsPerSecond(op: () => void, durationMs: number, batch = 1): number {
  const warmUntil = performance.now() + Math.min(200, durationMs / 4);
  while (performance.now() < warmUntil) op();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    op();
    calls++;
    now = performance.now();
  }
  return Math.round((calls * batch) / ((now - start) / 1000));
}

/** Async variant: `op` resolves after `batch` operations. */
export async function opsPerSecondAsync(op: () => Promise<void>, durationMs: number, batch = 1): Promise<number> {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    await op();
    calls++;
    now = performance.now();
  }
  return Math.round((calls * batch) / ((now - start) / 1000));
}

/** Milliseconds per call of `op`, the median of `samples` runs. */
export function medianMs(op: () => void, samples: number): number {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    op();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)]!.toFixed(4));
}
