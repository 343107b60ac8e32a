/**
 * @module consensus/node-options
 * What a node core is opened with (consensus/node-core.ts): its genesis, index, key and database,
 * the hooks that add projections to each commit batch, how signatures are checked ahead of the
 * fold, and the clock's intervals. None of these changes a block's bytes.
 */
import type { FoldedEvent } from '../ledger/block-fold.js';
import type { Signer } from '../ledger/event.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import type { BlockState, SignatureCheck } from '../ledger/state-machine.js';
import type { AnyDb } from '../ledger/state-store.js';
import type { Block, SignedEvent } from '../proto/schema.generated.js';
import type { ChainWrite } from './block-store.js';
import type { StageSink } from './stage-timings.js';

/** An included event with what the projections need to know about it (the block fold's view). */
export type CommittedEvent = FoldedEvent;

/** Adds a stored view's writes (projections) to a block's atomic commit batch. */
export type CommitHook = (c: { height: bigint; block: Block; headerHash: Uint8Array; events: CommittedEvent[] }) => Promise<ChainWrite[]> | ChainWrite[];

/**
 * Prepares signature answers for a chunk of events before the fold runs (e.g. on worker threads),
 * and returns the synchronous check the fold calls. The default verifies in the fold.
 */
export type SignaturePreparer = (events: SignedEvent[], state: BlockState) => Promise<SignatureCheck>;

export interface NodeCoreOptions {
  genesis: LoadedGenesis;
  /** This node's 1-based index in the genesis. */
  nodeIndex: number;
  key: Signer;
  /** The node's database (level on disk, memory-level in the simulation); opened by the caller or here. */
  db: AnyDb;
  hooks?: CommitHook[];
  prepareSignatures?: SignaturePreparer;
  /** Re-send the vote this often until it commits (default 1,000 ms). */
  voteResendMs?: number;
  /** Raise NO_QUORUM after waiting this long at one height (default 30,000 ms). */
  noQuorumAlarmMs?: number;
  /** Records decoded and prefetched together (default 512). */
  chunkSize?: number;
  /** fsync each commit batch (default true; the simulation's in-memory store ignores it). */
  syncWrites?: boolean;
  /**
   * Stop folding records once this input produced a vote, so that the vote goes out at once
   * (default false). The driver must then feed another input (e.g. a tick) while
   * `hasFoldableRecords`: the node process and the simulation do; drivers that expect each input
   * to be folded completely (test chains, benches) leave it off. Block bytes are the same either way.
   */
  yieldAfterVote?: boolean;
  /**
   * Post a time-to-cut marker for the pending height as soon as it includes an event, the window
   * of outstanding votes has room (see voteWindow, markersWhileVoting) and every record the broker has is folded (the queue is empty and the fetch's high
   * watermark reached), instead of only once the genesis batch timeout has passed (default true;
   * one node per height, round robin: node-core.ts `earlyPosterOf`). When to post a marker is each node's own affair (DESIGN.md section
   * 8): the cut function, and so every block's bytes, is unchanged; the batch timeout stays the
   * fallback (a lost marker is posted again after it).
   */
  earlyMarkers?: boolean;
  /**
   * With `earlyMarkers`, also post the next height's early marker while this node's window of
   * outstanding cuts is full (with a window of 1: while its cut awaits its quorum; default true):
   * the marker's round trip through Kafka then overlaps the lowest cut's vote round trip and
   * commit instead of following them, and the next block is ready to cut the moment that cut commits. Blocks still span about one vote round trip of arrivals, not one event.
   * Only *when* a marker is posted changes (DESIGN.md section 8): block bytes stay those of the log.
   */
  markersWhileVoting?: boolean;
  /**
   * The window of outstanding heights (issue 19; default 4, 1 to 32): how many of its own cuts
   * this node may have voted and awaiting their quorums at once, each folded over the one below
   * it. A height's header is decided by the log alone (DESIGN.md section 8), so cutting h + 1
   * before h commits changes no block's bytes; commits are still applied in height order. 1 is the
   * behaviour before the window: h + 1 is cut only once h commits. The nodes of a chain should run
   * with one window: a vote at height v tells a node that its sender has committed v - W (catch-up).
   */
  voteWindow?: number;
  /** Where durations of the commit path's stages go (consensus/stage-timings.ts); measuring only. */
  timings?: StageSink;
}
