/**
 * @module exchange/replay-window
 * The request ids an exchange point has seen, for as long as a replay of them could still be
 * authenticated (issue 21). A signed request carries its time and is accepted only within
 * `maxSkewMs` of the server's clock (exchange/request-auth.ts), so a copy of a request first seen
 * at server time s can pass authentication only until s + 2 x maxSkewMs; an id need not be kept
 * longer. Two generations, each at least 2 x maxSkewMs long: the older is dropped when the newer
 * has been filled that long, so an id is remembered for at least 2 x maxSkewMs and memory stays
 * bounded by the requests of two windows, where one ever-growing set held every id since the
 * start (at 500 reads/s, 43 million a day, and a garbage collector marking them all).
 */
export class ReplayWindow {
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;

  constructor(
    private readonly maxSkewMs: number,
    private readonly now: () => number,
  ) {
    this.rotatedAt = now();
  }

  /** Remembers `key`; false when it was seen within the window (a replay). */
  add(key: string): boolean {
    const t = this.now();
    if (t - this.rotatedAt >= 2 * this.maxSkewMs) {
      this.previous = this.current;
      this.current = new Set();
      this.rotatedAt = t;
    }
    if (this.current.has(key) || this.previous.has(key)) return false;
    this.current.add(key);
    return true;
  }

  /** Ids remembered now. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
