/**
 * @module exchange/grant-cache
 * The exchange point's memory of grants it has seen granted, so that a read does not ask a node's
 * API for its grant each time (issue 21: under load that request was the largest part of a read's
 * time before its event was published).
 *
 * Why caching is safe here: the grant check of the exchange point is only a pre-check; the chain's
 * fold of the published ExchangeRead decides, in the chain's total order, and data leaves only
 * when that committed result is OK (exchange/exchange-point.ts step 5). A stale entry can therefore
 * never release data the chain refuses; at worst a read the chain will refuse goes on chain with a
 * data digest instead of a pre-check reason. To keep that rare:
 *  - only granted grants are kept (a grant not found, requested, denied or revoked is asked again
 *    each time, so a grant granted a moment ago is usable at once);
 *  - an entry is kept at most `ttlMs`;
 *  - each committed OK read counts one use on the entry (uses are what change most often), and a
 *    read the chain refuses drops the entry, so the next read asks the chain again;
 *  - concurrent reads of one grant share one request.
 */
import { GrantStatus } from '../proto/schema.generated.js';
import type { GrantTerms } from './chain-view.js';

interface Entry {
  terms: GrantTerms;
  at: number;
}

export class GrantCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<GrantTerms | undefined>>();

  /**
   * @param fetch reads a grant as it stands on the committed chain
   * @param ttlMs how long a granted grant is reused without asking the chain again
   * @param maxEntries bound of the memory (the oldest entry goes first)
   */
  constructor(
    private readonly fetch: (grantId: string) => Promise<GrantTerms | undefined>,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  /** The grant's terms: remembered if granted and fresh, otherwise read from the chain. */
  get(grantId: string): Promise<GrantTerms | undefined> {
    const hit = this.entries.get(grantId);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return Promise.resolve(hit.terms);
    const pending = this.inFlight.get(grantId);
    if (pending !== undefined) return pending;
    const asked = this.now();
    const p = this.fetch(grantId)
      .then((terms) => {
        if (terms?.status === GrantStatus.GRANT_GRANTED) this.remember(grantId, { terms, at: asked });
        else this.entries.delete(grantId);
        return terms;
      })
      .finally(() => this.inFlight.delete(grantId));
    this.inFlight.set(grantId, p);
    return p;
  }

  /** A read under the grant committed OK: the chain counted one use. */
  used(grantId: string): void {
    const e = this.entries.get(grantId);
    if (e !== undefined) e.terms = { ...e.terms, uses: e.terms.uses + 1n };
  }

  /** The chain refused a read under the grant: ask the chain again next time. */
  forget(grantId: string): void {
    this.entries.delete(grantId);
  }

  private remember(grantId: string, e: Entry): void {
    this.entries.delete(grantId);
    this.entries.set(grantId, e);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
