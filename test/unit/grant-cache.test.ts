import { describe, expect, it } from 'vitest';
import { GrantCache } from '../../exchange/grant-cache.js';
import type { GrantTerms } from '../../exchange/chain-view.js';
import { GrantStatus } from '../../proto/schema.generated.js';

const terms = (status: GrantStatus, uses = 0n): GrantTerms => ({
  requesterDepartmentId: 'dept.civil',
  resourceId: 'res.tax.income',
  status,
  grantedFields: ['年收入'],
  validFromMs: 0n,
  validUntilMs: 10_000n,
  maxUses: 3n,
  uses,
  subjectCommitment: new Uint8Array(32),
});

/** A chain whose grant answers the test sets, counting the requests. */
function fakeChain(initial: GrantTerms | undefined) {
  const chain = { current: initial, asked: 0 };
  const fetch = async () => {
    chain.asked++;
    return chain.current;
  };
  return { chain, fetch };
}

describe('GrantCache (exchange/grant-cache.ts)', () => {
  it('reuses a granted grant within the ttl, asks again after it', async () => {
    let now = 1_000;
    const { chain, fetch } = fakeChain(terms(GrantStatus.GRANT_GRANTED));
    const cache = new GrantCache(fetch, 500, () => now);
    expect((await cache.get('g'))?.status).toBe(GrantStatus.GRANT_GRANTED);
    await cache.get('g');
    expect(chain.asked).toBe(1);
    now += 500;
    await cache.get('g');
    expect(chain.asked).toBe(2);
  });

  it('never keeps a grant that is not granted: one granted later is seen at once', async () => {
    const { chain, fetch } = fakeChain(terms(GrantStatus.GRANT_REQUESTED));
    const cache = new GrantCache(fetch, 60_000, () => 0);
    expect((await cache.get('g'))?.status).toBe(GrantStatus.GRANT_REQUESTED);
    chain.current = terms(GrantStatus.GRANT_GRANTED);
    expect((await cache.get('g'))?.status).toBe(GrantStatus.GRANT_GRANTED);
    chain.current = undefined;
    const fresh = new GrantCache(fetch, 60_000, () => 0);
    expect(await fresh.get('missing')).toBeUndefined();
    expect(await fresh.get('missing')).toBeUndefined();
    expect(chain.asked).toBe(4);
  });

  it('counts committed uses on the kept entry and forgets a grant the chain refused a read of', async () => {
    const { chain, fetch } = fakeChain(terms(GrantStatus.GRANT_GRANTED, 1n));
    const cache = new GrantCache(fetch, 60_000, () => 0);
    await cache.get('g');
    cache.used('g');
    cache.used('g');
    expect((await cache.get('g'))?.uses).toBe(3n);
    expect(chain.asked).toBe(1);
    chain.current = terms(GrantStatus.GRANT_REVOKED, 3n);
    cache.forget('g');
    expect((await cache.get('g'))?.status).toBe(GrantStatus.GRANT_REVOKED);
    expect(chain.asked).toBe(2);
  });

  it('shares one request among concurrent reads of one grant', async () => {
    const { chain, fetch } = fakeChain(terms(GrantStatus.GRANT_GRANTED));
    const cache = new GrantCache(fetch, 60_000, () => 0);
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.get('g')));
    expect(all.every((t) => t?.status === GrantStatus.GRANT_GRANTED)).toBe(true);
    expect(chain.asked).toBe(1);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const { chain, fetch } = fakeChain(terms(GrantStatus.GRANT_GRANTED));
    const cache = new GrantCache(fetch, 60_000, () => 0, 2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    await cache.get('c');
    await cache.get('b');
    expect(chain.asked).toBe(3);
    await cache.get('a');
    expect(chain.asked).toBe(4);
  });
});
