/**
 * consensus/signature-pool.ts: the check the pool hands the fold answers exactly as verifying each
 * (public key, event id, signature) in place would: prepared valid and forged signatures, an event
 * seen twice, a triple that was not prepared (another key, another signature for a prepared id).
 * Real Ed25519 on real worker threads (the built signature-worker.js, as a node runs it).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignaturePool } from '../../consensus/signature-pool.js';
import { eventId } from '../../ledger/hash.js';
import { verifyEd25519 } from '../../ledger/signature.js';
import { seedOf, World } from '../helpers/world.js';

const BUILT = new URL('../../dist/consensus/signature-pool.js', import.meta.url);
let pool: SignaturePool;
beforeAll(async () => {
  // the pool's workers run from dist/ (they are plain JavaScript files)
  if (!existsSync(BUILT)) throw new Error('dist/consensus/signature-pool.js is missing: run `npm run build` first');
  const built = (await import(BUILT.href)) as typeof import('../../consensus/signature-pool.js');
  pool = new built.SignaturePool(2);
});
afterAll(() => pool?.close());

describe('signature pool', () => {
  it('answers every triple as an in-place verification would', async () => {
    const w = await World.create();
    await w.block([w.register('d.a'), w.register('d.b')]);
    const resource = (id: string) => ({ resourceUpdated: { resourceId: id, name: 'n', shareType: 1 as const, fields: ['f'], updateCycle: '' } });
    const good = Array.from({ length: 40 }, (_, i) => w.event(i % 2 === 0 ? 'd.a' : 'd.b', resource(`r.${i}`)));
    const forged = w.event('d.a', resource('r.forged'), { seed: seedOf('someone else') });
    const events = [...good, forged, good[3]!];
    const check = await pool.prepare(events, w.open());
    const keyA = w.publicKey('d.a');
    const keyB = w.publicKey('d.b');
    for (const [i, ev] of events.entries()) {
      const key = i < good.length && i % 2 === 1 ? keyB : i === good.length + 1 ? keyB : keyA;
      const id = eventId(ev.body);
      expect(check(key, id, ev.signature)).toBe(verifyEd25519(key, id, ev.signature));
    }
    expect(check(keyA, eventId(forged.body), forged.signature)).toBe(false);
    // not prepared: another key for a prepared id, another signature for it (checked in place)
    const id0 = eventId(good[0]!.body);
    expect(check(keyB, id0, good[0]!.signature)).toBe(false);
    expect(check(keyA, id0, good[1]!.signature)).toBe(false);
    expect(check(keyA, id0, good[0]!.signature)).toBe(true);
  });
});
