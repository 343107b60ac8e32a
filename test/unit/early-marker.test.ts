/**
 * Cut when there is enough (issue 19; consensus/node-core.ts `postEarlyMarker`): a node whose
 * pending block includes an event and every record below the reported high watermark folded posts
 * its time-to-cut marker at once, with the clock standing still (no batch timeout passed), also
 * while its vote on the height below awaits its quorum (markersWhileVoting); one node per height
 * (round robin) does so.
 */
import { describe, expect, it } from 'vitest';
import { earlyPosterOf, NodeCore } from '../../consensus/node-core.js';
import type { CoreOutput, KafkaRecord } from '../../consensus/messages.js';
import { encode } from '../../proto/codec.js';
import type { SignedEvent } from '../../proto/schema.generated.js';
import { MemoryLevel } from 'memory-level';
import { timeToCutMessage } from '../../ledger/block.js';
import { createGenesis } from '../../ledger/genesis.js';
import { SigningKey } from '../../ledger/key-file.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { TestChain } from '../helpers/chain.js';
import { AUTHORITY, CHANNEL, seedOf, World } from '../helpers/world.js';

const markers = (out: CoreOutput[]) => out.flatMap((o) => (o.kind === 'post-marker' ? [{ height: o.height, heartbeat: o.heartbeat }] : []));

function records(events: SignedEvent[], firstOffset: bigint): KafkaRecord[] {
  return events.map((e, i) => ({ offset: firstOffset + BigInt(i), timestamp: 1_000n + BigInt(i), logAppendTime: true, value: encode('TopicRecord', { event: e }) }));
}

async function freshChain(earlyMarkers: boolean): Promise<{ core: NodeCore; events: SignedEvent[] }> {
  const chain = await TestChain.create({ projections: false });
  // a second core over the same genesis and a fresh store, with the option under test
  const core = await NodeCore.open({ genesis: chain.genesis, nodeIndex: 1, key: chain.nodeKey, db: (await TestChain.create({ projections: false })).db, syncWrites: false, earlyMarkers });
  await core.handle({ kind: 'start', nowMs: 0 });
  const events = ['dept.a', 'dept.b', 'dept.c'].map((id) => chain.w.register(id));
  return { core, events };
}

describe('early time-to-cut markers', () => {
  it('posts TTC(1) as soon as every reported record is folded, without the batch timeout passing', async () => {
    const { core, events } = await freshChain(true);
    const out = await core.handle({ kind: 'records', records: records(events.slice(0, 2), 0n), highWatermark: 2n });
    expect(markers(out), 'one marker for height 1, not a heartbeat').toEqual([{ height: 1n, heartbeat: false }]);
    // one early marker per height: more records at the same height post none
    const again = await core.handle({ kind: 'records', records: records(events.slice(2), 2n), highWatermark: 3n });
    expect(markers(again), 'no second early marker for height 1').toEqual([]);
  });

  it('waits while the broker reported records not yet folded (the high watermark is ahead)', async () => {
    const { core, events } = await freshChain(true);
    const behind = await core.handle({ kind: 'records', records: records(events.slice(0, 1), 0n), highWatermark: 3n });
    expect(markers(behind), 'records 1 and 2 are still to come').toEqual([]);
    const caughtUp = await core.handle({ kind: 'records', records: records(events.slice(1), 1n), highWatermark: 3n });
    expect(markers(caughtUp), 'caught up: the marker goes').toEqual([{ height: 1n, heartbeat: false }]);
  });

  it('posts nothing early when the option is off (the batch timeout decides, as before)', async () => {
    const { core, events } = await freshChain(false);
    const out = await core.handle({ kind: 'records', records: records(events, 0n), highWatermark: 3n });
    expect(markers(out)).toEqual([]);
    const tick = await core.handle({ kind: 'tick', nowMs: 199 });
    expect(markers(tick), 'before the 200 ms batch timeout').toEqual([]);
    const late = await core.handle({ kind: 'tick', nowMs: 200 });
    expect(markers(late), 'at the batch timeout').toEqual([{ height: 1n, heartbeat: false }]);
  });

  it('names one poster per height, round robin over the genesis nodes', () => {
    expect([1n, 2n, 3n, 4n, 5n, 6n].map((h) => earlyPosterOf(h, 3))).toEqual([2, 3, 1, 2, 3, 1]);
    expect([1n, 2n, 3n].map((h) => earlyPosterOf(h, 1))).toEqual([1, 1, 1]);
  });
});

/**
 * markersWhileVoting: a node of a three-node genesis (quorum 2) with a window of one outstanding
 * height (voteWindow 1, the behaviour before the window) that has voted on height 1 and awaits its
 * quorum posts the early marker of height 2 (it is that height's poster) as soon as height 2's
 * pending block includes an event and every reported record is folded, so that the marker's round
 * trip overlaps the vote's; with the option off it waits for the commit, as before. With a wider
 * window (the default) the marker goes out either way: height 2 may be cut before 1 commits.
 */
describe('early markers while a vote is outstanding', () => {
  async function votedNode(markersWhileVoting: boolean, voteWindow = 1): Promise<{ core: NodeCore; w: World; next: bigint }> {
    const w = await World.create({ authorities: [AUTHORITY] });
    const keys = [1, 2, 3].map((i) => new SigningKey(seedOf(`node-${i}`)));
    const genesis = createGenesis({
      channel: CHANNEL,
      authorities: [{ departmentId: AUTHORITY, name: `authority ${AUTHORITY}`, publicKey: w.publicKey(AUTHORITY, 1) }],
      nodes: keys.map((k) => k.publicKey),
      quorum: 2,
      rulesVersion: 1,
    });
    const db = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
    await db.open();
    // node 3 posts height 2's early marker (earlyPosterOf(2, 3) = 3), not height 1's
    const core = await NodeCore.open({ genesis, nodeIndex: 3, key: keys[2]!, db, syncWrites: false, markersWhileVoting, voteWindow });
    // a three-node core syncs first: its peers report the genesis head, then it consumes
    await core.handle({ kind: 'start', nowMs: 0 });
    await core.handle({ kind: 'head', from: 1, height: 0n });
    await core.handle({ kind: 'head', from: 2, height: 0n });
    expect(core.status.phase).toBe('consuming');
    const first = records([w.register('dept.a')], 0n);
    const ttc1 = { offset: 1n, timestamp: 1_001n, logAppendTime: true, value: encode('TopicRecord', { ttc: { height: 1n, heartbeat: false, nodeIndex: 2, signature: keys[1]!.sign(timeToCutMessage(genesis.hash, 1n, false)) } }) };
    const out = await core.handle({ kind: 'records', records: [...first, ttc1], highWatermark: 2n });
    expect(out.some((o) => o.kind === 'send-vote'), 'node 3 voted on height 1').toBe(true);
    expect(core.status.phase).toBe('voted');
    return { core, w, next: 2n };
  }

  it('posts TTC(2) while its vote on height 1 awaits the quorum', async () => {
    const { core, w, next } = await votedNode(true);
    const out = await core.handle({ kind: 'records', records: records([w.register('dept.b')], next), highWatermark: next + 1n });
    expect(core.status.phase, 'still awaiting the quorum of height 1').toBe('voted');
    expect(markers(out), 'height 2 is cut the moment height 1 commits').toEqual([{ height: 2n, heartbeat: false }]);
  });

  it('with the option off, posts nothing while the vote is outstanding (the marker follows the commit)', async () => {
    const { core, w, next } = await votedNode(false);
    const out = await core.handle({ kind: 'records', records: records([w.register('dept.b')], next), highWatermark: next + 1n });
    expect(core.status.phase).toBe('voted');
    expect(markers(out)).toEqual([]);
  });

  it('with a window of 4 and the option off, posts TTC(2) while height 1 awaits its quorum (the window has room)', async () => {
    const { core, w, next } = await votedNode(false, 4);
    const out = await core.handle({ kind: 'records', records: records([w.register('dept.b')], next), highWatermark: next + 1n });
    expect(core.status.outstanding, 'height 1 still outstanding').toBe(1);
    expect(markers(out)).toEqual([{ height: 2n, heartbeat: false }]);
  });
});
