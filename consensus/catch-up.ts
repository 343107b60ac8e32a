/**
 * @module consensus/catch-up
 * Committed blocks from peers (DESIGN.md section 8, catch-up): what a quorum-signed block a peer
 * sends means for this node (ignore it, fetch an earlier one, halt on a divergence, commit its own
 * cut with the peer's signatures, or replay it), and the replay itself through the one block fold
 * (ledger/block-fold.ts), which recomputes every fate and the state, log and results roots before
 * anything is applied. NodeCore applies the verdicts.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { BlockFold, replayBlock, type FoldedEvent } from '../ledger/block-fold.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { headerHash as hashHeader } from '../ledger/hash.js';
import type { MerkleLog, MerkleStage } from '../ledger/merkle-log.js';
import { BlockState, type Rules, type SignatureCheck } from '../ledger/state-machine.js';
import type { StateStore } from '../ledger/state-store.js';
import { decode, encode } from '../proto/codec.js';
import type { Block, BlockHeader, Commit, SignedEvent } from '../proto/schema.generated.js';
import type { BlockStore, ChainWrite } from './block-store.js';
import { divergence, replayDivergence } from './divergence.js';
import type { Alarm } from './messages.js';
import { commitProblem } from './quorum.js';

/** A block whose state, log and writes are staged, ready for its atomic commit. */
export interface StagedBlock {
  height: bigint;
  header: BlockHeader;
  headerHash: Uint8Array;
  block: Block;
  committed: FoldedEvent[];
  state: BlockState;
  merkle: MerkleStage;
  stateWrites: ChainWrite[];
}

/** The heads peers reported (by node index, in the order heard) and the height a syncing node catches up to. */
export class PeerHeads {
  private readonly heads = new Map<number, bigint>();
  target: bigint | undefined;

  get size(): number {
    return this.heads.size;
  }

  set(node: number, height: bigint): void {
    this.heads.set(node, height);
  }

  /** Records a lower bound on `node`'s head (a vote at h says it committed h - 1); never lowers one. */
  atLeast(node: number, height: bigint): void {
    const known = this.heads.get(node);
    if (known === undefined || known < height) this.heads.set(node, height);
  }

  clear(): void {
    this.heads.clear();
    this.target = undefined;
  }

  /** The head `node` last reported, if heard. */
  get(node: number): bigint | undefined {
    return this.heads.get(node);
  }

  highest(): bigint {
    return [...this.heads.values()].reduce((a, b) => (a > b ? a : b), 0n);
  }

  /** The first-heard peer whose head is above `height`, if any. */
  above(height: bigint): number | undefined {
    return [...this.heads.entries()].find(([, h]) => h > height)?.[0];
  }
}

/** What to do with a peer's block. */
export type PeerBlockVerdict =
  | { kind: 'ignore' }
  /** Ask for `height`; `aheadHeight` is set when the block was a quorum's block further ahead (kept by the caller). */
  | { kind: 'request'; height: bigint; aheadHeight?: bigint }
  | { kind: 'alarm'; alarm: Alarm }
  | { kind: 'own-cut' }
  | { kind: 'replay'; block: Block; header: BlockHeader };

/**
 * Judges a block and commit a peer sent against this node's committed chain and its own cut at
 * the next height (if any). Malformed blocks and commits that are not a quorum's prove nothing and
 * are ignored; a quorum's block that differs from what this node committed or voted halts it.
 */
export async function judgePeerBlock(
  genesis: LoadedGenesis,
  blocks: BlockStore,
  cut: { height: bigint; header: BlockHeader; headerHash: Uint8Array } | undefined,
  blockBytes: Uint8Array,
  commit: Commit,
): Promise<PeerBlockVerdict> {
  let block: Block;
  try {
    block = decode('Block', blockBytes, genesis.limits);
  } catch {
    return { kind: 'ignore' }; // a malformed block from a peer is ignored (it proves nothing)
  }
  const header = block.header;
  if (header === undefined) return { kind: 'ignore' };
  const head = blocks.head;
  if (commitProblem(genesis, header, commit) !== undefined) return { kind: 'ignore' };
  const hh = commit.headerHash;
  if (header.height <= head.height) {
    // a block we have: it must be ours
    const mine = await blocks.header(header.height);
    if (mine !== undefined && !bytesEqual(hashHeader(encode('BlockHeader', mine)), hh)) {
      return { kind: 'alarm', alarm: divergence(header.height, mine, header, 'a quorum-signed block from a peer differs from this node\'s committed block') };
    }
    return { kind: 'ignore' };
  }
  if (header.height > head.height + 1n) return { kind: 'request', height: head.height + 1n, aheadHeight: header.height };
  if (header.rulesVersion !== genesis.genesis.rulesVersion) {
    return {
      kind: 'alarm',
      alarm: {
        kind: 'UNKNOWN_RULES_VERSION',
        height: header.height,
        message: `block ${header.height} uses rules version ${header.rulesVersion}; this chain's genesis says ${genesis.genesis.rulesVersion}; halted`,
        details: { rulesVersion: header.rulesVersion },
        halted: true,
      },
    };
  }
  if (!bytesEqual(header.genesisHash, genesis.hash) || !bytesEqual(header.previousHeaderHash, head.headerHash)) return { kind: 'ignore' };
  // Our own cut at this height: the same header commits with the peer's signatures; another halts us.
  if (cut !== undefined && cut.height === header.height) {
    if (bytesEqual(cut.headerHash, hh)) return { kind: 'own-cut' };
    return { kind: 'alarm', alarm: divergence(header.height, cut.header, header, 'a quorum committed another header at this height') };
  }
  const voted = await blocks.vote(header.height);
  if (voted !== undefined && !bytesEqual(voted.headerHash, hh)) {
    return {
      kind: 'alarm',
      alarm: {
        kind: 'DIVERGENCE',
        height: header.height,
        message: `height ${header.height}: a quorum committed header ${toHex(hh).slice(0, 16)}, this node had voted for ${toHex(voted.headerHash).slice(0, 16)}; halted`,
        details: { committed: toHex(hh), voted: toHex(voted.headerHash) },
        halted: true,
      },
    };
  }
  return { kind: 'replay', block, header };
}

/**
 * Recomputes a verified peer block over the committed state and log: every fate, the state, log
 * and results roots. Returns the staged block, or the divergence alarm naming the first field the
 * fold does not reproduce.
 */
export async function stagePeerBlock(
  committed: { state: StateStore; merkle: MerkleLog; rules: Rules; previousBlockTime: bigint },
  block: Block,
  header: BlockHeader,
  headerHash: Uint8Array,
  prepareSignatures: (events: SignedEvent[], state: BlockState) => Promise<SignatureCheck>,
): Promise<{ ok: true; staged: StagedBlock } | { ok: false; alarm: Alarm }> {
  const state = BlockState.open(committed.state, { rules: committed.rules, height: header.height, logSize: BigInt(committed.merkle.size) });
  const merkle = committed.merkle.stage();
  const fold = new BlockFold(state, merkle);
  const events = block.events.flatMap((e) => (e.event !== undefined ? [e.event] : []));
  await state.prefetch(events);
  const check = await prepareSignatures(events, state);
  const replayed = await replayBlock(block, fold, check, committed.previousBlockTime);
  if (!replayed.ok) return { ok: false, alarm: replayDivergence(header.height, replayed.difference) };
  return { ok: true, staged: { height: header.height, header, headerHash, block, committed: fold.folded, state, merkle, stateWrites: replayed.roots.stateWrites as ChainWrite[] } };
}
