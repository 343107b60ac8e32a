/**
 * @module chaos/clock-skew
 * Preloaded into a node process by the fault harness (`node --import <this file>`) to skew its
 * wall clock by `LEDGER_CLOCK_SKEW_MS` milliseconds (issue 26: clock skew on one node), from the
 * outside, without a line of node code knowing. A node's clock decides only *when* it posts a
 * time-to-cut marker (DESIGN.md section 8), never a block's bytes, so a skewed node must still
 * agree on every block. Monotonic timers (setTimeout, performance.now) are untouched, as NTP
 * stepping the wall clock would leave them.
 */
const skew = Number(process.env.LEDGER_CLOCK_SKEW_MS ?? '0');

if (Number.isFinite(skew) && skew !== 0) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return RealDate.now() + skew;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}

export {};
