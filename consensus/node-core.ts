/**
 * @module consensus/node-core
 * The consensus node as one deterministic state machine (DESIGN.md sections 6, 7 and 8): inputs
 * are Kafka records, peers' votes, blocks and requests, and clock ticks; outputs are votes to
 * send, blocks to answer, markers to post, alarms. The real node process and the simulation both
 * drive this module; there is no second implementation.
 *
 * What it does, in order, and where the parts that are concepts of their own live:
 *  - start: fetch every committed block above its own from the peers before consuming Kafka after
 *    the last covered offset (catch-up: consensus/catch-up.ts verifies each block's quorum, header
 *    chain and roots, replayed through ledger/block-fold.ts); a wiped node never votes before that;
 *  - the cut function of DESIGN.md section 8 (consensus/cut.ts), record by record;
 *  - at a cut: the header (section 7), the vote persisted durably *before* it is sent, never two
 *    headers for one height;
 *  - a window of outstanding heights (issue 19, `voteWindow`): up to W own cuts voted and awaiting
 *    their quorums, each folded over the one below it; a height's header depends on the log alone,
 *    so h+1 is cut while h awaits its quorum; commits are applied strictly in height order;
 *  - q matching votes of distinct genesis nodes (consensus/quorum.ts) commit: block, commit,
 *    Merkle log, state, projections and consumed offset in one atomic LevelDB batch, which also
 *    carries the votes signed in the same input (group commit: one fsync for both);
 *  - a quorum for another header, or a peer's block that differs from what this node computes,
 *    halts it with a divergence alarm naming the differing fields (consensus/divergence.ts).
 * The clock decides only when to post time-to-cut markers, re-send votes and raise the no-quorum
 * alarm; nothing that decides a block's bytes reads it.
 */
import { bytesEqual, utf8 } from '../ledger/bytes.js';
import { timeToCutMessage, voteMessage } from '../ledger/block.js';
import { BlockFold } from '../ledger/block-fold.js';
import { checkpointOrigin, checkpointText } from '../ledger/checkpoint.js';
import { LedgerError } from '../errors/ledger-error.js';
import { headerHash as hashHeader } from '../ledger/hash.js';
import { MerkleLog, type MerkleStage } from '../ledger/merkle-log.js';
import { verifyEd25519 } from '../ledger/signature.js';
import { BlockState, rulesFromGenesis, type Rules, type SignatureCheck } from '../ledger/state-machine.js';
import { StateStore } from '../ledger/state-store.js';
import { encode } from '../proto/codec.js';
import type { Block, BlockHeader, Commit, Vote } from '../proto/schema.generated.js';
import { BlockStore, type ChainWrite } from './block-store.js';
import { writeRootBatch } from '../ledger/root-batch.js';
import { judgePeerBlock, PeerHeads, stagePeerBlock, type StagedBlock } from './catch-up.js';
import { cutHeader, decodeRecord, PendingBlock, type Cut, type Pending } from './cut.js';
import { quorumForOtherHeader, votedOtherHeader } from './divergence.js';
import { timeStage } from './stage-timings.js';
import type { Alarm, CoreInput, CoreOutput, KafkaRecord } from './messages.js';
import type { NodeCoreOptions } from './node-options.js';
import { checkStoredHead, openNodeStores } from './node-store.js';
import { mergeSignatures, VoteBook } from './quorum.js';

export type { CommitHook, CommittedEvent, NodeCoreOptions, SignaturePreparer } from './node-options.js';

export type Phase = 'syncing' | 'consuming' | 'voted' | 'halted';

/** Committed blocks a catching-up node asks one peer for ahead of its head (requestNextBlock). */
const CATCH_UP_WINDOW = 8n;

/** The default and the largest window of outstanding heights (NodeCoreOptions.voteWindow). */
export const DEFAULT_VOTE_WINDOW = 4;
export const MAX_VOTE_WINDOW = 32;

type ResolvedOptions = Required<Omit<NodeCoreOptions, 'hooks' | 'prepareSignatures' | 'timings'>> & Pick<NodeCoreOptions, 'hooks' | 'prepareSignatures' | 'timings'>;

const syncSignatureCheck: SignatureCheck = (pk, id, sig) => verifyEd25519(pk, id, sig);

export class NodeCore {
  private phase: Phase = 'syncing';
  private pending: Pending | undefined;
  /**
   * This node's cuts voted and awaiting their quorums, by height: contiguous from head + 1, at most
   * `voteWindow` of them, each folded over the one before it (issue 19).
   */
  private readonly cuts: Cut[] = [];
  private readonly queue: KafkaRecord[] = [];
  private readonly votes: VoteBook;
  private readonly peerHeads = new PeerHeads();
  private lastRequestMs = -Infinity;
  private nowMs = 0;
  private readonly alarmsRaised: Alarm[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private readonly rules: Rules;
  private readonly origin: string;

  /** @internal use NodeCore.open (or Subclass.open) */
  constructor(
    protected readonly opts: ResolvedOptions,
    readonly blocks: BlockStore,
    readonly merkle: MerkleLog,
    readonly state: StateStore,
  ) {
    this.rules = rulesFromGenesis(opts.genesis.genesis);
    this.votes = new VoteBook(opts.genesis, opts.nodeIndex);
    this.origin = checkpointOrigin(opts.genesis.genesis.channel, opts.genesis.hash);
  }

  /**
   * Opens the node's stores and checks the last committed header against the stored log size,
   * log root and state root (DESIGN.md section 8).
   * @throws LedgerError STORE_FORMAT when they disagree, or BAD_ARGUMENT for a node index or key not in the genesis
   */
  static async open<T extends NodeCore>(this: new (opts: ResolvedOptions, blocks: BlockStore, merkle: MerkleLog, state: StateStore) => T, options: NodeCoreOptions): Promise<T> {
    const g = options.genesis.genesis;
    const node = g.nodes[options.nodeIndex - 1];
    if (node === undefined) throw new LedgerError('BAD_ARGUMENT', `node ${options.nodeIndex} is not in the genesis (nodes 1..${g.nodes.length})`, {});
    if (!bytesEqual(node.publicKey, options.key.publicKey)) {
      throw new LedgerError('BAD_ARGUMENT', `the key given is not node ${options.nodeIndex}'s key in the genesis`, {});
    }
    const window = options.voteWindow ?? DEFAULT_VOTE_WINDOW;
    if (!Number.isInteger(window) || window < 1 || window > MAX_VOTE_WINDOW) {
      throw new LedgerError('BAD_ARGUMENT', `the vote window must be an integer from 1 to ${MAX_VOTE_WINDOW}, got ${window}`, { voteWindow: window });
    }
    const { blocks, merkle, state } = await openNodeStores(options.db, options.genesis);
    const core = new this(
      { voteResendMs: 1000, noQuorumAlarmMs: 30_000, chunkSize: 512, syncWrites: true, yieldAfterVote: false, earlyMarkers: true, markersWhileVoting: true, voteWindow: DEFAULT_VOTE_WINDOW, ...options },
      blocks,
      merkle,
      state,
    );
    await checkStoredHead({ blocks, merkle, state });
    if (blocks.head.height > 0n) core.previousBlockTime = (await blocks.header(blocks.head.height))!.blockTimeMs;
    return core;
  }

  // ---------------------------------------------------------------------------------------------
  // Public surface

  /** Handles one input; inputs are processed strictly one at a time, in call order. */
  handle(input: CoreInput): Promise<CoreOutput[]> {
    const run = () => this.dispatch(input);
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * `voted`: the lowest of this node's cuts awaiting their quorums, its height and first covered
   * offset; `outstanding`: how many cuts await (the window, issue 19); `writes`: durable batches
   * written, the vote-only ones and the commit ones, and the votes that rode in a commit batch
   * (group commit), so that fsyncs per block can be measured.
   */
  get status(): {
    phase: Phase;
    height: bigint;
    nextOffset: bigint;
    pendingEvents: number;
    queued: number;
    alarms: Alarm[];
    voted?: { height: bigint; firstOffset: bigint };
    outstanding: number;
    writes: { voteBatches: number; commitBatches: number; votesInCommitBatches: number };
  } {
    const first = this.cuts[0];
    return {
      ...(first !== undefined ? { voted: { height: first.height, firstOffset: first.header.firstOffset } } : {}),
      phase: this.phase,
      height: this.blocks.head.height,
      nextOffset: this.nextOffsetToConsume(),
      pendingEvents: this.pending?.block.eventCount ?? this.lastCut()?.block.events.length ?? 0,
      queued: this.queue.length,
      alarms: [...this.alarmsRaised],
      outstanding: this.cuts.length,
      writes: { ...this.writeCounts },
    };
  }

  private readonly writeCounts = { voteBatches: 0, commitBatches: 0, votesInCommitBatches: 0 };

  /** The newest outstanding cut (the pending block folds over it). */
  private lastCut(): Cut | undefined {
    return this.cuts[this.cuts.length - 1];
  }

  /** Whether another height may be cut and voted now (fewer than `voteWindow` outstanding). */
  private windowHasRoom(): boolean {
    return this.cuts.length < this.opts.voteWindow;
  }

  /** Whether the core wants more records now (the driver pauses its consumer otherwise). */
  get wantsRecords(): boolean {
    return (this.phase === 'consuming' || this.phase === 'voted') && this.queue.length < this.opts.chunkSize * 4;
  }

  /**
   * Whether queued records can be folded now: while consuming, and also while this node's cuts
   * await their quorums (pipelining: block h+1 is built over the uncommitted state of h). A block
   * that meets its cut condition is cut, i.e. its header computed and voted, at once while the
   * window has room, else once the lowest outstanding cut commits; either way its bytes are those
   * of the cut function over the log (DESIGN.md section 8), since a height's header is decided by
   * the records alone.
   */
  private canDrain(): boolean {
    if (this.pendingReadyToCut || this.votedInThisInput) return false;
    return this.following();
  }

  /** The pending block met its cut condition while the window of outstanding cuts was full. */
  private pendingReadyToCut = false;
  /**
   * A vote was produced while handling the current input: folding stops there so that the input
   * returns and the vote goes out at once, not after the next block's records are folded.
   */
  private votedInThisInput = false;

  /** Queued records wait to be folded: the driver should feed another input (e.g. a tick) soon. */
  get hasFoldableRecords(): boolean {
    if (this.pendingReadyToCut || this.queue.length === 0) return false;
    return this.following();
  }

  /** The next Kafka offset the core has not seen yet. */
  private nextOffsetToConsume(): bigint {
    const lastQueued = this.queue[this.queue.length - 1];
    if (lastQueued !== undefined) return lastQueued.offset + 1n;
    // a pending block is always above the outstanding cuts, if any (pipelining)
    if (this.pending !== undefined && this.pending.block.first !== null) return this.pending.block.last + 1n;
    const last = this.lastCut();
    if (last !== undefined) return last.header.lastOffset + 1n;
    return this.blocks.head.nextOffset;
  }

  // ---------------------------------------------------------------------------------------------

  private async dispatch(input: CoreInput): Promise<CoreOutput[]> {
    const out: CoreOutput[] = [];
    this.votedInThisInput = false;
    {
      switch (input.kind) {
        case 'start':
          this.nowMs = input.nowMs;
          this.startSync(out);
          break;
        case 'tick':
          this.nowMs = Math.max(this.nowMs, input.nowMs);
          await this.onTick(out);
          break;
        case 'records':
          if (this.phase === 'halted') break;
          if (input.highWatermark !== undefined) this.highWatermark = input.highWatermark;
          this.enqueue(input.records, out);
          await this.drain(out);
          break;
        case 'vote':
          await this.onVote(input.from, input.vote, out);
          break;
        case 'block-request':
          await this.answerBlockRequest(input.from, input.height, out);
          break;
        case 'block':
          await this.onPeerBlock(input.from, input.block, input.commit, out);
          if (this.canDrain()) await this.drain(out);
          break;
        case 'head-request':
          out.push({ kind: 'send-head', to: input.from, height: this.blocks.head.height });
          break;
        case 'head':
          await this.onPeerHead(input.from, input.height, out);
          break;
        case 'peer-connected':
          // every outstanding vote, lowest first (DESIGN.md section 8: re-sent on every (re)connect)
          if (this.phase === 'voted') for (const cut of this.cuts) out.push({ kind: 'send-vote', to: input.peer, vote: cut.vote });
          if (this.phase === 'syncing') out.push({ kind: 'request-head', to: input.peer });
          break;
      }
    }
    // A commit (by votes or a peer's block) may have unblocked queued records.
    if (this.canDrain() && this.queue.length > 0) await this.drain(out);
    this.postEarlyMarker(out);
    // Votes persisted before they are sent (DESIGN.md section 8): the outputs, and so the votes'
    // sends, leave only after this. The votes signed in this input that did not ride in a commit
    // batch are written here, all in one batch with one fsync (group commit, issue 19).
    await this.writeStagedVotes();
    return out;
  }

  private async writeStagedVotes(): Promise<void> {
    if (this.blocks.stagedVoteCount === 0) return;
    await timeStage(this.opts.timings, 'vote_persist', () => this.blocks.writeStagedVotes());
    this.writeCounts.voteBatches++;
  }

  protected raise(out: CoreOutput[], alarm: Alarm): void {
    this.alarmsRaised.push(alarm);
    out.push({ kind: 'alarm', alarm });
    if (alarm.halted) {
      this.phase = 'halted';
      this.queue.length = 0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sync with peers before consuming (DESIGN.md section 8, catch-up)

  private peersNeeded(): number {
    return this.opts.genesis.genesis.quorum - 1;
  }

  private startSync(out: CoreOutput[]): void {
    if (this.phase === 'halted') return;
    this.phase = 'syncing';
    this.peerHeads.clear();
    this.aheadBlocks.clear();
    this.lastRequestMs = this.nowMs;
    if (this.peersNeeded() <= 0) {
      this.beginConsuming(out);
      return;
    }
    out.push({ kind: 'request-head', to: 'all' });
  }

  private async onPeerHead(from: number, height: bigint, out: CoreOutput[]): Promise<void> {
    if (!this.isPeer(from)) return;
    this.peerHeads.set(from, height);
    if (this.phase !== 'syncing') {
      // a peer ahead of us while we consume: fetch the next committed block from it
      if (height > this.blocks.head.height && this.following()) this.requestNextBlock(from, out);
      return;
    }
    if (this.peerHeads.size < this.peersNeeded()) return;
    this.peerHeads.target = this.peerHeads.highest();
    await this.continueSync(out);
  }

  private async continueSync(out: CoreOutput[]): Promise<void> {
    if (this.phase !== 'syncing' || this.peerHeads.target === undefined) return;
    const head = this.blocks.head.height;
    if (head >= this.peerHeads.target) {
      this.beginConsuming(out);
      return;
    }
    const source = this.peerHeads.above(head);
    if (source !== undefined) this.requestNextBlock(source, out);
  }

  /**
   * Asks `from` for the next committed block and, when its head is known to be further ahead, for
   * the following ones up to CATCH_UP_WINDOW above our head (issue 19: more, smaller blocks must
   * not make catch-up, one round trip per block, slower than the chain grows). Heights already
   * asked for are not asked again until a request goes stale (voteResendMs without one); blocks
   * that arrive ahead of our head are dropped and head + 1 asked for again (judgePeerBlock), so a
   * lost answer costs a round trip, not progress. Each block is verified on its own, as before.
   */
  private requestNextBlock(from: number, out: CoreOutput[]): void {
    const head = this.blocks.head.height;
    // a window asked for voteResendMs ago without progress is stale: ask again from head + 1
    const stale = this.nowMs - this.windowRequestedAtMs >= this.opts.voteResendMs;
    if (stale || this.requestedThrough <= head) {
      this.requestedThrough = head;
      this.windowRequestedAtMs = this.nowMs;
    }
    this.lastRequestMs = this.nowMs;
    const known = this.peerHeads.get(from);
    const last = known !== undefined && known > head + 1n ? (known < head + CATCH_UP_WINDOW ? known : head + CATCH_UP_WINDOW) : head + 1n;
    for (let h = this.requestedThrough + 1n; h <= last; h++) out.push({ kind: 'request-block', to: from, height: h });
    if (last > this.requestedThrough) this.requestedThrough = last;
  }

  /** The highest height asked for from peers and not yet stale (catch-up's window). */
  private requestedThrough = 0n;
  /** When the window was last (re)started from head + 1. */
  private windowRequestedAtMs = -Infinity;

  private beginConsuming(out: CoreOutput[]): void {
    this.phase = 'consuming';
    this.queue.length = 0;
    this.pending = undefined;
    this.pendingReadyToCut = false;
    out.push({ kind: 'consume-from', offset: this.blocks.head.nextOffset });
  }

  // ---------------------------------------------------------------------------------------------
  // The cut function (DESIGN.md section 8, normative)

  /**
   * Queues records in offset order. A redelivery (offset below the next expected one) is skipped;
   * a gap (above it) is refused: channel topics carry no transactions and no compaction (DESIGN.md
   * section 8), so offsets are contiguous and a gap means the consumer is not where the core is
   * (e.g. a fetch issued before a seek took effect) or the records are gone from the broker. The
   * driver is asked to consume from the expected offset again, and the peers for their heads, so
   * that records Kafka no longer has come as committed blocks from peers instead.
   */
  private enqueue(records: KafkaRecord[], out: CoreOutput[]): void {
    for (const r of records) {
      const next = this.nextOffsetToConsume();
      if (r.offset < next) continue; // a redelivery (rebalances redeliver; DESIGN.md section 8)
      if (r.offset > next) {
        if (this.nowMs - this.lastGapMs >= this.opts.voteResendMs) {
          this.lastGapMs = this.nowMs;
          out.push({ kind: 'consume-from', offset: next });
          out.push({ kind: 'request-head', to: 'all' });
        }
        return;
      }
      this.queue.push(r);
    }
  }

  private lastGapMs = -Infinity;

  private newPending(): Pending {
    // Over this node's newest outstanding cut when there is one (pipelining), else over the committed head.
    const under = this.lastCut();
    const height = under !== undefined ? under.height + 1n : this.blocks.head.height + 1n;
    const state = under !== undefined ? BlockState.open(under.state, { rules: this.rules, height, logSize: BigInt(under.merkle.size) }) : BlockState.open(this.state, { rules: this.rules, height, logSize: BigInt(this.merkle.size) });
    const fold = new BlockFold(state, under !== undefined ? under.merkle.fork() : this.merkle.stage());
    const previousBlockTime = under !== undefined ? under.header.blockTimeMs : this.previousBlockTime;
    return { block: new PendingBlock(fold, previousBlockTime, this.opts.genesis), startedAtMs: this.nowMs, firstIncludedAtMs: undefined, markerPostedAtMs: undefined };
  }

  private previousBlockTime = 0n;

  private async drain(out: CoreOutput[]): Promise<void> {
    while (this.canDrain() && this.queue.length > 0) {
      this.pending ??= this.newPending();
      const p = this.pending;
      const chunk = this.queue.slice(0, this.opts.chunkSize);
      // Decode the chunk and prefetch what its events will read (DESIGN.md section 6: key lookups
      // stay in the sequential fold; only I/O and curve arithmetic happen ahead).
      const decoded = chunk.map((r) => decodeRecord(r, this.opts.genesis.limits.maxRecordBytes));
      const events = decoded.flatMap((d) => (d?.event !== undefined ? [d.event] : []));
      const state = p.block.fold.state;
      await state.prefetch(events);
      const check = this.opts.prepareSignatures ? await timeStage(this.opts.timings, 'signatures', () => this.opts.prepareSignatures!(events, state)) : syncSignatureCheck;
      const foldStarted = this.opts.timings?.now();
      let consumed = 0;
      let cutNow = false;
      for (let i = 0; i < chunk.length && !cutNow; i++) {
        consumed++;
        const before = p.block.eventCount;
        cutNow = p.block.offer(chunk[i]!, decoded[i], check);
        if (p.block.eventCount > before) p.firstIncludedAtMs ??= this.nowMs;
      }
      this.queue.splice(0, consumed);
      if (foldStarted !== undefined) this.opts.timings!.record('fold', this.opts.timings!.now() - foldStarted);
      if (cutNow) {
        if (!this.windowHasRoom()) this.pendingReadyToCut = true; // cut once the lowest outstanding cut commits
        else await this.cutBlock(out);
      }
    }
  }

  /**
   * CUT: header over first..last, the vote staged (written before this input's outputs leave) and
   * sent (DESIGN.md sections 7 and 8). The header chains to the newest outstanding cut, if any
   * (its hash is decided by the log, whether or not it has committed), else to the head.
   */
  private async cutBlock(out: CoreOutput[]): Promise<void> {
    const p = this.pending!.block;
    this.pending = undefined;
    const roots = await timeStage(this.opts.timings, 'finish', () => p.fold.finish());
    const header = cutHeader(p, roots, this.lastCut()?.headerHash ?? this.blocks.head.headerHash);
    const headerBytes = encode('BlockHeader', header);
    const hh = hashHeader(headerBytes);
    const checkpoint = utf8(checkpointText(this.origin, header.logSize, header.logRoot));
    const vote = await this.voteFor(p.height, hh, checkpoint, out);
    if (vote === undefined) return;
    this.cuts.push({
      height: p.height,
      header,
      headerHash: hh,
      block: { header, events: p.fold.included },
      committed: p.fold.folded,
      state: p.fold.state,
      merkle: p.fold.log as MerkleStage,
      stateWrites: roots.stateWrites as ChainWrite[],
      vote,
      checkpoint,
      raw: p.raw,
      votedAtMs: this.nowMs,
      lastSentMs: this.nowMs,
      noQuorumRaised: false,
    });
    if (this.phase !== 'halted') this.phase = 'voted';
    this.votes.record(vote);
    out.push({ kind: 'send-vote', to: 'all', vote, firstOffset: header.firstOffset });
    if (this.opts.yieldAfterVote) this.votedInThisInput = true;
    // a higher cut commits only after the ones below it (checkQuorum goes on up the window)
    if (this.cuts.length === 1) await this.checkQuorum(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Votes and commits

  /**
   * The vote for (height, header hash): the persisted one if this node already voted there (a
   * restart recomputing the same header, at any height of the window it had outstanding), else a
   * new one, staged so that it is written durably before this input's outputs, and so its send,
   * leave (dispatch; or in the commit batch of the same input, group commit). Never two headers
   * for one height: a persisted vote for another header is a divergence (DESIGN.md section 8) and
   * returns undefined. Protected so that the simulation can plant the bugs it must catch.
   */
  protected async voteFor(height: bigint, hh: Uint8Array, checkpoint: Uint8Array, out: CoreOutput[]): Promise<Vote | undefined> {
    const persisted = await this.persistedVote(height);
    if (persisted !== undefined) {
      if (bytesEqual(persisted.headerHash, hh)) return persisted;
      this.raise(out, votedOtherHeader(height, hh, persisted.headerHash));
      return undefined;
    }
    const vote = this.signVote(height, hh, checkpoint);
    this.blocks.stageVote(vote);
    return vote;
  }

  /** This node's vote at `height` from its vote store, if any (protected: a planted bug overrides it). */
  protected persistedVote(height: bigint): Promise<Vote | undefined> {
    return this.blocks.vote(height);
  }

  protected signVote(height: bigint, hh: Uint8Array, checkpoint: Uint8Array): Vote {
    return {
      genesisHash: this.opts.genesis.hash,
      height,
      headerHash: hh,
      nodeIndex: this.opts.nodeIndex,
      signature: this.opts.key.sign(voteMessage(this.opts.genesis.hash, height, hh)),
      noteSignature: this.opts.key.sign(checkpoint),
    };
  }

  /** Consuming, with or without a vote out: the phases in which peers' later blocks are fetched. */
  private following(): boolean {
    return this.phase === 'consuming' || this.phase === 'voted';
  }

  private isPeer(index: number): boolean {
    return Number.isInteger(index) && index >= 1 && index <= this.opts.genesis.genesis.nodes.length && index !== this.opts.nodeIndex;
  }

  private async onVote(from: number, v: Vote, out: CoreOutput[]): Promise<void> {
    if (!this.votes.authentic(v)) return;
    const head = this.blocks.head.height;
    if (v.height <= head) {
      // The sender lags or re-sends: answer with our committed block so that it can commit (or
      // find that it diverged).
      if (this.isPeer(from)) await this.answerBlockRequest(from, v.height, out);
      return;
    }
    if (v.height > head + 64n) return; // bounded memory: far-future votes are re-sent later anyway
    const recorded = this.votes.record(v);
    if (recorded.alarm !== undefined) this.raise(out, recorded.alarm);
    if (!recorded.counted) return;
    // a quorum for a higher outstanding cut is kept in the vote book until the cuts below it commit
    if (this.cuts[0] !== undefined && v.height === this.cuts[0].height) await this.checkQuorum(out);
    else if (v.height > head + BigInt(this.opts.voteWindow) && this.following() && this.isPeer(from)) {
      // Peers are cutting a height beyond our window: a node votes h only while fewer than W
      // heights above its head are outstanding, so the voter has committed at least v.height - W
      // (the nodes of a chain run with one window; a peer with a larger one makes this estimate
      // too high, and the requests it answers with nothing are asked again once stale).
      // Remember that, so catch-up asks it for a whole window and goes on
      // asking as blocks arrive: a node that only learnt heads from head answers fetched one block
      // per vote-resend interval after a wipe, slower than the chain grew (simulation seeds 321, 1014).
      // A node that has voted on its own cuts listens too: one far behind cuts each height from the
      // Kafka log at once and, without this, learnt each block only as the answer to its own vote,
      // one round trip per block, and never caught up with a growing chain (simulation seed 8021).
      this.peerHeads.atLeast(from, v.height - BigInt(this.opts.voteWindow));
      if (this.nowMs - this.lastRequestMs >= this.opts.voteResendMs) this.requestNextBlock(from, out);
    }
  }

  /**
   * Commits the lowest outstanding cut while its votes make a quorum, then the next one up: commits
   * are applied strictly in height order, so a quorum for h + 1 heard before h's waits in the vote
   * book until h commits (issue 19).
   */
  private async checkQuorum(out: CoreOutput[]): Promise<void> {
    while (this.phase === 'voted') {
      const cut = this.nextToCommit(this.cuts);
      if (cut === undefined) return;
      const tally = this.votes.tally(cut.height, cut.headerHash, cut.checkpoint);
      if (tally.kind === 'quorum') {
        await this.commitCut(cut, { height: cut.height, headerHash: cut.headerHash, signatures: tally.signatures }, out, false);
        continue;
      }
      if (tally.kind === 'other-header') {
        // A quorum signed another header at our height: ask a voter for it to name the fields.
        const voters = tally.voters.map((v) => v.nodeIndex);
        this.raise(out, quorumForOtherHeader(cut.height, cut.headerHash, tally.headerHash, voters));
        out.push({ kind: 'request-block', to: voters[0]!, height: cut.height });
      }
      return;
    }
  }

  /** The outstanding cut to commit next: the lowest (height order). Protected so that the simulation can plant a bug. */
  protected nextToCommit<T>(cuts: readonly T[]): T | undefined {
    return cuts[0];
  }

  /**
   * Commits an outstanding cut (the lowest): one atomic batch, block, commit, Merkle log, state,
   * projections, offset (DESIGN.md section 8). A pending block that waited for room in the window
   * is cut first, so that its vote rides in this commit's batch (group commit, issue 19).
   */
  private async commitCut(cut: Cut, commit: Commit, out: CoreOutput[], viaPeer: boolean): Promise<void> {
    if (this.pendingReadyToCut && this.cuts.length - 1 < this.opts.voteWindow) {
      this.pendingReadyToCut = false;
      await this.cutBlock(out);
    }
    await this.commitBlock(cut, commit, out, viaPeer);
    this.cuts.splice(this.cuts.indexOf(cut), 1);
    if (this.phase === 'voted' && this.cuts.length === 0) this.phase = 'consuming';
  }

  /**
   * Writes a block's atomic batch, with the votes staged in this input (group commit, issue 19):
   * one batch and one fsync for both; a batch that carries votes is always written with sync.
   */
  private async commitBlock(cut: StagedBlock, commit: Commit, out: CoreOutput[], viaPeer: boolean): Promise<void> {
    const hookWrites: ChainWrite[] = [];
    for (const hook of this.opts.hooks ?? []) {
      hookWrites.push(...(await hook({ height: cut.height, block: cut.block, headerHash: cut.headerHash, events: cut.committed })));
    }
    const voteWrites = this.blocks.stagedVoteWrites();
    const writes = [...cut.stateWrites, ...cut.merkle.writes(), ...this.blocks.commitWrites(cut.block, commit), ...hookWrites, ...voteWrites];
    const sync = this.opts.syncWrites || voteWrites.length > 0;
    // one chained batch through the root database, keys pre-prefixed: the same bytes, less CPU (ledger/root-batch.ts)
    await timeStage(this.opts.timings, 'commit_write', () => writeRootBatch(this.opts.db, writes, { sync }));
    this.writeCounts.commitBatches++;
    if (voteWrites.length > 0) {
      this.blocks.stagedVotesWritten();
      this.writeCounts.votesInCommitBatches += voteWrites.length;
    }
    this.merkle.commit(cut.merkle);
    cut.state.markCommitted();
    this.blocks.markCommitted(cut.block, cut.headerHash);
    this.previousBlockTime = cut.header.blockTimeMs;
    this.votes.forgetUpTo(cut.height);
    out.push({ kind: 'committed', height: cut.height, headerHash: cut.headerHash, eventCount: cut.block.events.length, viaPeer });
  }

  private async answerBlockRequest(to: number, height: bigint, out: CoreOutput[]): Promise<void> {
    if (!this.isPeer(to) || height < 1n || height > this.blocks.head.height) return;
    const [block, commit] = await Promise.all([this.blocks.blockBytes(height), this.blocks.commit(height)]);
    if (block !== undefined && commit !== undefined) out.push({ kind: 'send-block', to, height, block, commit });
  }

  // ---------------------------------------------------------------------------------------------
  // Committed blocks from peers (catch-up), verified before they are applied

  private async onPeerBlock(from: number, blockBytes: Uint8Array, commit: Commit, out: CoreOutput[]): Promise<void> {
    if (this.phase === 'halted') return;
    // judged against our cut at head + 1 (the lowest outstanding one); a block further ahead is
    // kept until its turn, and judged then against our cut at that height, if any
    const verdict = await judgePeerBlock(this.opts.genesis, this.blocks, this.cuts[0], blockBytes, commit);
    switch (verdict.kind) {
      case 'ignore':
        return;
      case 'request':
        // A quorum's block ahead of our head (catch-up's window answered out of order): keep it
        // until the blocks before it arrive, instead of fetching it again.
        if (verdict.aheadHeight !== undefined && verdict.aheadHeight <= this.blocks.head.height + CATCH_UP_WINDOW) {
          this.aheadBlocks.set(verdict.aheadHeight, { from, blockBytes, commit });
        }
        if (this.isPeer(from)) out.push({ kind: 'request-block', to: from, height: verdict.height });
        return;
      case 'alarm':
        this.raise(out, verdict.alarm);
        return;
      case 'own-cut':
        // then on to the kept blocks: a node far behind cuts each height itself, and returning
        // here left the window's later blocks unused (simulation seed 1251)
        await this.commitCut(this.cuts[0]!, mergeSignatures(commit, this.cuts[0]!.vote), out, true);
        // the cuts above it may already hold their quorums
        await this.checkQuorum(out);
        break;
      case 'replay':
        await this.replayPeerBlock(verdict.block, verdict.header, commit, out);
    }
    if (await this.applyAheadBlock(out)) return;
    if (this.phase === 'syncing') await this.continueSync(out);
    else if (this.following()) {
      const best = this.peerHeads.above(this.blocks.head.height);
      if (best !== undefined) this.requestNextBlock(best, out);
    }
  }

  /**
   * Blocks a peer sent ahead of our head, by height (at most CATCH_UP_WINDOW of them): a window's
   * answers arrive in any order, and dropping the early ones made a wiped node fetch about one block
   * per round trip, slower than the chain grew (simulation seeds 321 and 1014). Each is judged again
   * when its turn comes, exactly as if it had just arrived.
   */
  private readonly aheadBlocks = new Map<bigint, { from: number; blockBytes: Uint8Array; commit: Commit }>();

  /** Applies the kept block at head + 1, if any; true when it did (that call went on with catch-up). */
  private async applyAheadBlock(out: CoreOutput[]): Promise<boolean> {
    const head = this.blocks.head.height;
    for (const h of [...this.aheadBlocks.keys()]) if (h <= head || h > head + CATCH_UP_WINDOW) this.aheadBlocks.delete(h);
    const next = this.aheadBlocks.get(head + 1n);
    if (next === undefined || this.phase === 'halted') return false;
    this.aheadBlocks.delete(head + 1n);
    await this.onPeerBlock(next.from, next.blockBytes, next.commit, out);
    return true;
  }

  /** Applies a verified peer block by recomputing it (consensus/catch-up.ts) and committing it. */
  private async replayPeerBlock(block: Block, header: BlockHeader, commit: Commit, out: CoreOutput[]): Promise<void> {
    // Only with no cut outstanding (a cut at head + 1 is judged 'own-cut' or diverges). The
    // pending block (if any) is replaced: records we consumed past the block's range go back
    // to the queue; covered ones are never re-read from Kafka.
    const raw = this.pending?.block.raw ?? [];
    this.pending = undefined;
    this.pendingReadyToCut = false;
    const committed = { state: this.state, merkle: this.merkle, rules: this.rules, previousBlockTime: this.previousBlockTime };
    const staged = await stagePeerBlock(committed, block, header, commit.headerHash, this.opts.prepareSignatures ?? (async () => syncSignatureCheck));
    if (!staged.ok) {
      this.raise(out, staged.alarm);
      return;
    }
    await this.commitBlock(staged.staged, commit, out, true);
    // Records the block covers are gone from the queue too (not only from the pending block): a
    // block that arrives while this node is still folding inside its range (catch-up asks ahead)
    // must not leave its tail to be folded into the next height. What stays must start right after
    // the block; else the consumer starts there again.
    const keep = [...raw, ...this.queue].filter((r) => r.offset > header.lastOffset);
    this.queue.length = 0;
    if (keep.length > 0 && keep[0]!.offset === this.blocks.head.nextOffset) this.queue.push(...keep);
    else if (this.phase === 'consuming') out.push({ kind: 'consume-from', offset: this.blocks.head.nextOffset });
  }

  // ---------------------------------------------------------------------------------------------
  // The clock: markers, vote re-sends, timeouts

  private async onTick(out: CoreOutput[]): Promise<void> {
    const g = this.opts.genesis.genesis;
    if (this.phase === 'syncing') {
      // No progress for a while: the heads we heard may be stale (a peer lost blocks, or went
      // away); ask again rather than waiting for blocks nobody will send.
      if (this.nowMs - this.lastRequestMs >= this.opts.voteResendMs) {
        this.lastRequestMs = this.nowMs;
        this.peerHeads.clear();
        out.push({ kind: 'request-head', to: 'all' });
      }
      return;
    }
    if (this.phase === 'voted') {
      // every outstanding vote is re-sent until it commits (DESIGN.md section 8)
      for (const cut of this.cuts) {
        if (this.nowMs - cut.lastSentMs >= this.opts.voteResendMs) {
          cut.lastSentMs = this.nowMs;
          out.push({ kind: 'send-vote', to: 'all', vote: cut.vote });
        }
      }
      // the lowest cut is the one the others wait for: no quorum there after the timeout is an alarm
      const first = this.cuts[0];
      if (first !== undefined && first.height !== this.awaited.height) this.awaited = { height: first.height, sinceMs: this.nowMs };
      if (first !== undefined && !first.noQuorumRaised && this.nowMs - this.awaited.sinceMs >= this.opts.noQuorumAlarmMs) {
        first.noQuorumRaised = true;
        this.raise(out, this.votes.noQuorum(first.height, this.opts.noQuorumAlarmMs));
      }
    }
    // Markers for the pending block while the window has room (with W = 1: only with no cut
    // outstanding, as before the window); the early marker has its own rule (postEarlyMarker).
    if (!this.following() || !this.windowHasRoom()) return;
    this.pending ??= this.newPending();
    const p = this.pending;
    const batchTimeout = Number(g.batchTimeoutMs);
    const heartbeat = Number(g.heartbeatIntervalMs);
    const since = (t: number | undefined) => (t === undefined ? Infinity : this.nowMs - t);
    // Post a marker for this height; post again if it has not cut after another interval.
    if (p.firstIncludedAtMs !== undefined) {
      if (since(p.firstIncludedAtMs) >= batchTimeout && since(p.markerPostedAtMs) >= batchTimeout) this.postMarker(p, false, out);
    } else if (since(p.startedAtMs) >= heartbeat && since(p.markerPostedAtMs) >= heartbeat) {
      this.postMarker(p, true, out);
    }
  }

  /** The lowest outstanding cut's height and since when (this node's clock) it has been the lowest. */
  private awaited = { height: 0n, sinceMs: 0 };

  /** The partition's high watermark as last reported with records (undefined: not known). */
  private highWatermark: bigint | undefined;

  /**
   * Cut when there is enough to cut (issue 19), not only after the batch timeout: once the pending
   * block includes an event and this node has folded every record the broker reported, waiting
   * longer only adds latency, so it posts TTC(h) at once, also while the cut under h awaits its
   * quorum (markersWhileVoting). Records that arrive after the marker wait for the next height,
   * which is cut only after h commits, so a block spans about one vote round trip of arrivals and
   * blocks grow with the load instead of shrinking to one event each (a restarted or wiped node
   * catches up block by block); under saturation they fill to max_events.
   * One early marker per height, by one node (earlyPosterOf); onTick re-posts after the batch timeout. Markers only
   * decide *when* a cut happens through the log, so block bytes stay those of DESIGN.md section 8.
   */
  private postEarlyMarker(out: CoreOutput[]): void {
    if (!this.opts.earlyMarkers || this.pendingReadyToCut || this.queue.length > 0 || !this.following()) return;
    // The pending block is the one height this node folds (above its outstanding cuts): only its
    // marker is posted. While the window has room it is cut when the marker comes back. With the
    // window full the pending block is the next to cut: its marker's round trip through Kafka then
    // overlaps the lowest cut's vote round trip and commit (markersWhileVoting), so it is cut the
    // moment that cut commits instead of one marker round trip later (with W = 1: as before the window).
    if (!this.windowHasRoom() && !this.opts.markersWhileVoting) return;
    const p = this.pending;
    if (p === undefined || p.firstIncludedAtMs === undefined || p.markerPostedAtMs !== undefined) return;
    // one node per height posts early (round robin), so that the log carries one marker per block
    // rather than one per node; if it is down, the others' batch timeout still cuts the height
    if (earlyPosterOf(p.block.height, this.opts.genesis.genesis.nodes.length) !== this.opts.nodeIndex) return;
    if (this.highWatermark !== undefined && this.nextOffsetToConsume() < this.highWatermark) return;
    this.postMarker(p, false, out);
  }

  private postMarker(p: Pending, heartbeat: boolean, out: CoreOutput[]): void {
    p.markerPostedAtMs = this.nowMs;
    const height = p.block.height;
    const signature = this.opts.key.sign(timeToCutMessage(this.opts.genesis.hash, height, heartbeat));
    const value = encode('TopicRecord', { ttc: { height, heartbeat, nodeIndex: this.opts.nodeIndex, signature } });
    out.push({ kind: 'post-marker', value, height, heartbeat });
  }
}

/** The node (1-based index) that posts height h's early marker: round robin over the genesis nodes. */
export function earlyPosterOf(height: bigint, nodes: number): number {
  return Number(height % BigInt(nodes)) + 1;
}
