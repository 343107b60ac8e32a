/** The outbox forgets entries once seen committed (issue 12), and only those. */
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../ledger/hash.js';
import { Outbox } from '../../producers/outbox.js';
import { tempDir } from '../helpers/temp.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

const idOf = (n: bigint) => sha256(new TextEncoder().encode(`event ${n}`));

async function outboxWith(n: number, acked: number): Promise<{ outbox: Outbox; path: string }> {
  const d = tempDir('outbox-prune');
  dirs.push(d);
  const outbox = await Outbox.open(d.path, 'property', 'dept.a', 1n, { sync: false });
  await outbox.appendMany(Array.from({ length: n }, (_, i) => i), (_i, s) => ({ id: idOf(s), recordValue: Uint8Array.of(Number(s)) }));
  if (acked > 0) await outbox.acknowledge(1n, acked, 0, 100n);
  return { outbox, path: d.path };
}

describe('outbox pruning', () => {
  it('removes acknowledged entries seen committed, keeps the rest, and remembers across a reopen', async () => {
    const { outbox, path } = await outboxWith(6, 4);
    expect(outbox.counts()).toMatchObject({ pending: 2, acknowledged: 4 });
    // 1 and 2 committed; 3 with another id (not ours); 5 not acknowledged yet: neither goes
    const n = await outbox.pruneCommitted([
      { sequence: 1n, eventId: idOf(1n) },
      { sequence: 2n, eventId: idOf(2n) },
      { sequence: 3n, eventId: idOf(99n) },
      { sequence: 5n, eventId: idOf(5n) },
    ]);
    expect(n).toBe(2);
    expect(outbox.counts()).toMatchObject({ pending: 2, acknowledged: 2, nextSequence: 7n });
    const left = [];
    for await (const e of outbox.entries()) left.push([e.sequence, e.state, e.offset]);
    expect(left).toEqual([
      [3n, 'acknowledged', 102n],
      [4n, 'acknowledged', 103n],
      [5n, 'pending', undefined],
      [6n, 'pending', undefined],
    ]);
    expect((await outbox.pending()).map((e) => e.sequence)).toEqual([5n, 6n]);
    expect(await outbox.pruneCommitted([{ sequence: 1n, eventId: idOf(1n) }])).toBe(0);
    await outbox.close();
    const again = await Outbox.open(path, 'property', 'dept.a');
    expect(again.counts()).toMatchObject({ pending: 2, acknowledged: 2 });
    expect((await again.entry(4n))?.offset).toBe(103n);
    await again.close();
  });
});
