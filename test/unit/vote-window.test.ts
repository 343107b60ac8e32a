/**
 * The window of outstanding heights and group commit (issue 19; consensus/node-core.ts
 * `voteWindow`): real node cores of a three-node genesis (quorum 2) over in-memory stores, fed the
 * same Kafka records and each other's votes and blocks by hand. A node cuts and votes h+1, h+2, …
 * while h awaits its quorum, commits strictly in height order, writes the votes of one input in one
 * batch (or in the commit batch of the same input), re-sends every outstanding vote, and after a
 * restart with several votes outstanding recomputes each of those headers and signs no other.
 */
import { MemoryLevel } from 'memory-level';
import { describe, expect, it } from 'vitest';
import { NodeCore } from '../../consensus/node-core.js';
import type { CoreOutput, KafkaRecord } from '../../consensus/messages.js';
import { bytesEqual, toHex } from '../../ledger/bytes.js';
import { timeToCutMessage } from '../../ledger/block.js';
import { createGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import { headerHash } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { encode } from '../../proto/codec.js';
import type { SignedEvent, Vote } from '../../proto/schema.generated.js';
import { AUTHORITY, CHANNEL, seedOf, World } from '../helpers/world.js';

const keys = [1, 2, 3].map((i) => new SigningKey(seedOf(`window-node-${i}`)));

interface Setup {
  genesis: LoadedGenesis;
  w: World;
}

async function setup(): Promise<Setup> {
  const w = await World.create({ authorities: [AUTHORITY] });
  const genesis = createGenesis({
    channel: CHANNEL,
    authorities: [{ departmentId: AUTHORITY, name: `authority ${AUTHORITY}`, publicKey: w.publicKey(AUTHORITY, 1) }],
    nodes: keys.map((k) => k.publicKey),
    quorum: 2,
    rulesVersion: 1,
  });
  return { genesis, w };
}

function freshDb(): AnyDb {
  return new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb;
}

/** A core of node `index`, started and synced (its peers report the genesis head), consuming. */
async function startedCore(s: Setup, index: number, voteWindow: number, db: AnyDb = freshDb()): Promise<NodeCore> {
  if (db.status !== 'open') await db.open();
  const core = await NodeCore.open({ genesis: s.genesis, nodeIndex: index, key: keys[index - 1]!, db, syncWrites: false, earlyMarkers: false, voteWindow });
  await core.handle({ kind: 'start', nowMs: 0 });
  for (const peer of [1, 2, 3].filter((i) => i !== index)) await core.handle({ kind: 'head', from: peer, height: 0n });
  expect(core.status.phase).toBe('consuming');
  return core;
}

/** Records: each block's events followed by the time-to-cut marker of its height (posted by node 1). */
function blocksLog(s: Setup, blocks: SignedEvent[][]): KafkaRecord[] {
  const values: Uint8Array[] = [];
  blocks.forEach((events, i) => {
    for (const e of events) values.push(encode('TopicRecord', { event: e }));
    const height = BigInt(i + 1);
    values.push(encode('TopicRecord', { ttc: { height, heartbeat: false, nodeIndex: 1, signature: keys[0]!.sign(timeToCutMessage(s.genesis.hash, height, false)) } }));
  });
  return values.map((value, i) => ({ offset: BigInt(i), timestamp: 1_000n + BigInt(i), logAppendTime: true, value }));
}

const votesOf = (out: CoreOutput[]): Vote[] => out.flatMap((o) => (o.kind === 'send-vote' ? [o.vote] : []));
const committedOf = (out: CoreOutput[]): bigint[] => out.flatMap((o) => (o.kind === 'committed' ? [o.height] : []));
const alarmsOf = (out: CoreOutput[]) => out.flatMap((o) => (o.kind === 'alarm' ? [o.alarm] : []));

/** Three blocks of one registration each. */
function threeBlocks(s: Setup, tag = ''): SignedEvent[][] {
  return [[s.w.register(`dept.a${tag}`)], [s.w.register(`dept.b${tag}`)], [s.w.register(`dept.c${tag}`)]];
}

describe('the window of outstanding heights', () => {
  it('is an integer from 1 to 32: another is refused with BAD_ARGUMENT', async () => {
    const s = await setup();
    for (const voteWindow of [0, 33, 1.5]) {
      const db = freshDb();
      await db.open();
      await expect(NodeCore.open({ genesis: s.genesis, nodeIndex: 1, key: keys[0]!, db, voteWindow }), `window ${voteWindow}`).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    }
  });

  it('cuts and votes heights 2 and 3 while height 1 awaits its quorum, all three votes in one durable batch', async () => {
    const s = await setup();
    const core = await startedCore(s, 3, 4);
    const out = await core.handle({ kind: 'records', records: blocksLog(s, threeBlocks(s)) });
    expect(votesOf(out).map((v) => v.height)).toEqual([1n, 2n, 3n]);
    expect(core.status.height, 'nothing committed yet').toBe(0n);
    expect(core.status.outstanding).toBe(3);
    expect(core.status.writes, 'group commit: one batch (one fsync) for the three votes').toEqual({ voteBatches: 1, commitBatches: 0, votesInCommitBatches: 0 });
    for (const v of votesOf(out)) expect(await core.blocks.vote(v.height), `vote ${v.height} persisted`).toEqual(v);
  });

  it('commits strictly in height order: quorums for 3 and 2 heard first wait until 1 commits', async () => {
    const s = await setup();
    const log = blocksLog(s, threeBlocks(s));
    const a = await startedCore(s, 2, 4);
    const b = await startedCore(s, 3, 4);
    const votesA = votesOf(await a.handle({ kind: 'records', records: log }));
    const votesB = votesOf(await b.handle({ kind: 'records', records: log }));
    expect(votesA.map((v) => toHex(v.headerHash)), 'the same log gives the same headers').toEqual(votesB.map((v) => toHex(v.headerHash)));
    for (const h of [3, 2]) {
      const out = await b.handle({ kind: 'vote', from: 2, vote: votesA[h - 1]! });
      expect(committedOf(out), `a quorum for ${h} before 1's commits nothing`).toEqual([]);
    }
    expect(b.status.height).toBe(0n);
    const out = await b.handle({ kind: 'vote', from: 2, vote: votesA[0]! });
    expect(committedOf(out), 'then 1, 2 and 3, in order, in one input').toEqual([1n, 2n, 3n]);
    expect(b.status.outstanding).toBe(0);
    // each header chains to the one below it, though it was cut before that one committed
    for (const h of [2n, 3n]) {
      const below = (await b.blocks.header(h - 1n))!;
      expect(bytesEqual((await b.blocks.header(h))!.previousHeaderHash, headerHash(encode('BlockHeader', below))), `header ${h}`).toBe(true);
    }
  });

  it('with a window of 1, cuts height 2 only once 1 commits, and its vote rides in that commit batch', async () => {
    const s = await setup();
    const log = blocksLog(s, threeBlocks(s));
    const a = await startedCore(s, 2, 4);
    const votesA = votesOf(await a.handle({ kind: 'records', records: log }));
    const b = await startedCore(s, 3, 1);
    const first = await b.handle({ kind: 'records', records: log });
    expect(votesOf(first).map((v) => v.height), 'only height 1 is voted').toEqual([1n]);
    expect(b.status.outstanding).toBe(1);
    const out = await b.handle({ kind: 'vote', from: 2, vote: votesA[0]! });
    expect(committedOf(out)).toEqual([1n]);
    expect(votesOf(out).map((v) => v.height), 'height 2 cut the moment 1 committed').toEqual([2n]);
    expect(b.status.writes, 'the vote for 2 was written in the commit batch of 1 (one fsync for both)').toEqual({ voteBatches: 1, commitBatches: 1, votesInCommitBatches: 1 });
    expect(await b.blocks.vote(2n)).toEqual(votesOf(out)[0]);
  });

  it('re-sends every outstanding vote to a peer that (re)connects', async () => {
    const s = await setup();
    const core = await startedCore(s, 3, 4);
    await core.handle({ kind: 'records', records: blocksLog(s, threeBlocks(s)) });
    const out = await core.handle({ kind: 'peer-connected', peer: 1 });
    expect(out.flatMap((o) => (o.kind === 'send-vote' ? [[o.to, o.vote.height]] : []))).toEqual([
      [1, 1n],
      [1, 2n],
      [1, 3n],
    ]);
    const tick = await core.handle({ kind: 'tick', nowMs: 5_000 });
    expect(votesOf(tick).map((v) => v.height), 'and periodically, to all').toEqual([1n, 2n, 3n]);
  });

  it('a restart with three votes outstanding recomputes each header from the log and writes no vote again', async () => {
    const s = await setup();
    const db = freshDb();
    const log = blocksLog(s, threeBlocks(s));
    const before = votesOf(await (await startedCore(s, 3, 4, db)).handle({ kind: 'records', records: log }));
    // the process is gone; the database kept what was written
    const restarted = await startedCore(s, 3, 4, db);
    const out = await restarted.handle({ kind: 'records', records: log });
    expect(votesOf(out)).toEqual(before);
    expect(restarted.status.writes.voteBatches, 'the persisted votes are sent as they are').toBe(0);
  });

  it('a restart whose log changed under an outstanding height halts with a divergence alarm there and signs no other header', async () => {
    const s = await setup();
    const db = freshDb();
    const blocks = threeBlocks(s);
    await (await startedCore(s, 3, 4, db)).handle({ kind: 'records', records: blocksLog(s, blocks) });
    // the broker lost the uncommitted tail and took other records at the same offsets
    const rewritten = blocksLog(s, [blocks[0]!, [s.w.register('dept.other')], blocks[2]!]);
    const restarted = await startedCore(s, 3, 4, db);
    const out = await restarted.handle({ kind: 'records', records: rewritten });
    expect(votesOf(out).map((v) => v.height), 'height 1 is unchanged; nothing is signed at 2').toEqual([1n]);
    expect(alarmsOf(out).map((a) => [a.kind, a.height, a.halted])).toEqual([['DIVERGENCE', 2n, true]]);
    expect(restarted.status.phase).toBe('halted');
  });

  it("a quorum's block that differs from a staged cut further up the window halts the node when its turn comes", async () => {
    const s = await setup();
    const blocks = threeBlocks(s);
    const theirs = blocksLog(s, [blocks[0]!, [s.w.register('dept.theirs')], blocks[2]!]);
    // nodes 1 and 2 commit their log; node 3 read another record at height 2 (its log differs)
    const n1 = await startedCore(s, 1, 4);
    const n2 = await startedCore(s, 2, 4);
    const v1 = votesOf(await n1.handle({ kind: 'records', records: theirs }));
    await n2.handle({ kind: 'records', records: theirs });
    for (const v of v1) await n2.handle({ kind: 'vote', from: 1, vote: v });
    expect(n2.status.height).toBe(3n);
    const n3 = await startedCore(s, 3, 4);
    await n3.handle({ kind: 'records', records: blocksLog(s, blocks) });
    expect(n3.status.outstanding).toBe(3);
    const blockOf = async (h: bigint) => ({ kind: 'block' as const, from: 2, block: (await n2.blocks.blockBytes(h))!, commit: (await n2.blocks.commit(h))! });
    // block 2 arrives first: kept until block 1 (the same as node 3's cut) commits, then judged
    expect(alarmsOf(await n3.handle(await blockOf(2n)))).toEqual([]);
    const out = await n3.handle(await blockOf(1n));
    expect(committedOf(out), 'its own cut of 1 commits with the peers\' signatures').toEqual([1n]);
    expect(alarmsOf(out).map((a) => [a.kind, a.height, a.halted])).toEqual([['DIVERGENCE', 2n, true]]);
    expect(alarmsOf(out)[0]!.details.fields).toContain('records_digest');
  });
});
