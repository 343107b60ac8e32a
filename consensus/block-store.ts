/**
 * @module consensus/block-store
 * The chain as a node stores it (DESIGN.md sections 7 and 8), in sublevels of the node's one
 * LevelDB so that a block, its commit, the Merkle log, the state and the projections are written in
 * one atomic batch:
 *  - `blocks`:  u64 height -> Block bytes (header, included events with result code, offset, record time);
 *  - `commits`: u64 height -> Commit bytes (header hash and at least q signatures);
 *  - `votes`:   u64 height -> this node's own Vote bytes, written durably *before* it is sent (every
 *               height it voted at, so all the votes of a window of outstanding heights, issue 19);
 *  - `chain`:   `format`, `head` -> u64 height || header hash || u64 last covered offset + 1.
 * The event-id index (event id -> height, index, log position) lives with the state
 * (ledger/state-store.ts) and is shared.
 */
import type { AnyDb, AnySublevel } from '../ledger/state-store.js';
import { u64be, utf8 } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { headerHash as hashHeader } from '../ledger/hash.js';
import { decode, encode } from '../proto/codec.js';
import { DEFAULT_LIMITS, type DecodeLimits } from '../proto/limits.js';
import type { Block, BlockHeader, Commit, Vote } from '../proto/schema.generated.js';

export const BLOCK_STORE_FORMAT = 1;

type Sub = AnySublevel;

/** One operation for the node's atomic batch. */
export interface ChainWrite {
  type: 'put' | 'del';
  sublevel: Sub;
  key: Uint8Array;
  value?: Uint8Array;
}

export interface ChainHead {
  /** 0 before block 1 commits. */
  height: bigint;
  /** The genesis hash at height 0. */
  headerHash: Uint8Array;
  /** The next Kafka offset to consume (last covered offset + 1; 0 at the start). */
  nextOffset: bigint;
}

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const KEY_FORMAT = utf8('format');
const KEY_HEAD = utf8('head');

function encodeHead(h: ChainHead): Uint8Array {
  const out = new Uint8Array(48);
  out.set(u64be(h.height), 0);
  out.set(h.headerHash, 8);
  out.set(u64be(h.nextOffset), 40);
  return out;
}

function decodeHead(b: Uint8Array): ChainHead {
  if (b.length !== 48) throw new LedgerError('STORE_FORMAT', 'the chain head record is damaged', {});
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { height: v.getBigUint64(0, false), headerHash: b.slice(8, 40), nextOffset: v.getBigUint64(40, false) };
}

export class BlockStore {
  readonly blocks: Sub;
  readonly commits: Sub;
  readonly votes: Sub;
  readonly chain: Sub;
  private current: ChainHead;

  private constructor(
    readonly db: AnyDb,
    head: ChainHead,
    readonly limits: DecodeLimits,
  ) {
    this.blocks = db.sublevel('blocks', VIEW) as Sub;
    this.commits = db.sublevel('commits', VIEW) as Sub;
    this.votes = db.sublevel('votes', VIEW) as Sub;
    this.chain = db.sublevel('chain', VIEW) as Sub;
    this.current = head;
  }

  /**
   * Opens the chain in `db` (creating it for `genesisHash` if empty).
   * @throws LedgerError STORE_FORMAT for another format version, or a store of another genesis
   */
  static async open(db: AnyDb, genesisHash: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): Promise<BlockStore> {
    const chain = db.sublevel('chain', VIEW) as Sub;
    const [format, head] = await chain.getMany([KEY_FORMAT, KEY_HEAD]);
    let current: ChainHead;
    if (format === undefined) {
      current = { height: 0n, headerHash: new Uint8Array(genesisHash), nextOffset: 0n };
      await chain.batch([
        { type: 'put', key: KEY_FORMAT, value: Uint8Array.of(BLOCK_STORE_FORMAT) },
        { type: 'put', key: KEY_HEAD, value: encodeHead(current) },
      ]);
    } else {
      if (format.length !== 1 || format[0] !== BLOCK_STORE_FORMAT) {
        throw new LedgerError('STORE_FORMAT', `the block store has format ${format[0]}; this build reads ${BLOCK_STORE_FORMAT}`, {});
      }
      if (head === undefined) throw new LedgerError('STORE_FORMAT', 'the block store has no head record', {});
      current = decodeHead(head);
      if (current.height === 0n && !bytesEqual(current.headerHash, genesisHash)) {
        throw new LedgerError('STORE_FORMAT', 'this data folder belongs to another genesis', {});
      }
    }
    const store = new BlockStore(db, current, limits);
    if (current.height > 0n) {
      const block = await store.block(current.height);
      if (block === undefined) throw new LedgerError('STORE_FORMAT', `block ${current.height} (the head) is missing`, {});
      const firstHeader = await store.header(1n);
      if (firstHeader === undefined || !bytesEqual(firstHeader.genesisHash, genesisHash)) {
        throw new LedgerError('STORE_FORMAT', 'this data folder belongs to another genesis', {});
      }
    }
    return store;
  }

  get head(): ChainHead {
    return this.current;
  }

  async block(height: bigint): Promise<Block | undefined> {
    const b = await this.blocks.get(u64be(height));
    return b === undefined ? undefined : decode('Block', b, this.limits);
  }

  async blockBytes(height: bigint): Promise<Uint8Array | undefined> {
    return this.blocks.get(u64be(height));
  }

  async header(height: bigint): Promise<BlockHeader | undefined> {
    return (await this.block(height))?.header;
  }

  async commit(height: bigint): Promise<Commit | undefined> {
    const c = await this.commits.get(u64be(height));
    return c === undefined ? undefined : decode('Commit', c, this.limits);
  }

  /**
   * This node's vote at `height`, if it voted there: a staged one (signed in this input, written
   * before it is sent) or a persisted one. One record per height, so every vote of a window of
   * outstanding heights is kept (issue 19), not only the latest.
   */
  async vote(height: bigint): Promise<Vote | undefined> {
    const staged = this.stagedVotes.get(height);
    if (staged !== undefined) return staged;
    const v = await this.votes.get(u64be(height));
    return v === undefined ? undefined : decode('Vote', v, this.limits);
  }

  /** The highest height this node has a vote at (staged or persisted), 0 when none. */
  async latestVoteHeight(): Promise<bigint> {
    let latest = 0n;
    for (const h of this.stagedVotes.keys()) if (h > latest) latest = h;
    for await (const k of this.votes.keys({ reverse: true, limit: 1 }) as AsyncIterable<Uint8Array>) {
      const h = new DataView(k.buffer, k.byteOffset, k.byteLength).getBigUint64(0, false);
      if (h > latest) latest = h;
    }
    return latest;
  }

  /**
   * Stages this node's vote: it must be written durably (fsync) before it is sent (DESIGN.md
   * section 8). Group commit (issue 19): the staged votes ride in the next commit batch
   * (`stagedVoteWrites`, then `stagedVotesWritten`) when one is written in the same input, else
   * `writeStagedVotes` writes them alone, one batch and one fsync for all of them.
   */
  stageVote(vote: Vote): void {
    this.stagedVotes.set(vote.height, vote);
  }

  /** How many votes are staged and not yet written. */
  get stagedVoteCount(): number {
    return this.stagedVotes.size;
  }

  /** The writes of the staged votes, for a batch written with `sync: true`. */
  stagedVoteWrites(): ChainWrite[] {
    return [...this.stagedVotes.values()].map((v) => ({ type: 'put', sublevel: this.votes, key: u64be(v.height), value: encode('Vote', v) }));
  }

  /** Records that the batch holding `stagedVoteWrites()` was written (durably). */
  stagedVotesWritten(): void {
    this.stagedVotes.clear();
  }

  /** Writes the staged votes durably, in one batch with one fsync. */
  async writeStagedVotes(): Promise<void> {
    if (this.stagedVotes.size === 0) return;
    const writes = this.stagedVoteWrites();
    await this.db.batch(writes as never, { sync: true } as never);
    this.stagedVotesWritten();
  }

  private readonly stagedVotes = new Map<bigint, Vote>();

  /** The writes that commit `block` with `commit`; add them to the block's atomic batch. */
  commitWrites(block: Block, commit: Commit): ChainWrite[] {
    const header = block.header!;
    const headerBytes = encode('BlockHeader', header);
    const hh = hashHeader(headerBytes);
    if (!bytesEqual(hh, commit.headerHash) || commit.height !== header.height) {
      throw new LedgerError('INTERNAL', `commit for height ${commit.height} does not match block ${header.height}`, {});
    }
    if (header.height !== this.current.height + 1n) {
      throw new LedgerError('INTERNAL', `block ${header.height} does not follow the head ${this.current.height}`, {});
    }
    const key = u64be(header.height);
    return [
      { type: 'put', sublevel: this.blocks, key, value: encode('Block', block) },
      { type: 'put', sublevel: this.commits, key, value: encode('Commit', commit) },
      { type: 'put', sublevel: this.chain, key: KEY_HEAD, value: encodeHead({ height: header.height, headerHash: hh, nextOffset: header.lastOffset + 1n }) },
    ];
  }

  /** Records in memory that the batch holding `commitWrites(block, commit)` was written. */
  markCommitted(block: Block, headerHashValue: Uint8Array): void {
    const h = block.header!;
    this.current = { height: h.height, headerHash: headerHashValue, nextOffset: h.lastOffset + 1n };
  }

  /** Replaces the commit of an already committed block (a later, larger signature set). */
  async replaceCommit(commit: Commit): Promise<void> {
    await this.commits.put(u64be(commit.height), encode('Commit', commit));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
