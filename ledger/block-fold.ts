/**
 * @module ledger/block-fold
 * The one fold of a block (DESIGN.md sections 6 and 7): its events applied in order through the
 * state machine on the state after every earlier event, the included ones appended to the
 * channel's Merkle log, one results leaf each, and at the end the four roots a header commits to
 * (results, state, log root and size). A node cutting a block, a node replaying a peer's committed
 * block (catch-up), `ledger rebuild`, the auditor's full level, the benches and the tests all fold
 * through here, so that header agreement between nodes never depends on copies kept identical by
 * hand. Pure: the state is a BlockState over whatever store the caller opened, the log any
 * appender (the node's staged Merkle log, or a frontier when only the root is needed).
 */
import { resultsRoot, type ResultEntry } from './block.js';
import { bytesEqual, toHex } from './bytes.js';
import { leafHash } from './merkle-hash.js';
import { resultName } from './result-codes.js';
import type { BlockState, Fate, SignatureCheck } from './state-machine.js';
import type { StateWrite } from './state-store.js';
import type { Block, BlockHeader, EventBody, IncludedEvent, SignedEvent } from '../proto/schema.generated.js';

/** Where the fold appends the log leaves: the node's MerkleStage, or a MerkleFrontier. */
export interface LogAppender {
  readonly size: number | bigint;
  append(leafHashValue: Uint8Array): unknown;
  root(): Uint8Array;
}

/** An included event with what the projections need to know about it. */
export interface FoldedEvent {
  event: SignedEvent;
  fate: Extract<Fate, { kind: 'include' }>;
  offset: bigint;
  recordTime: bigint;
  /** The body the state machine decoded (hooks read it instead of decoding again). */
  body?: EventBody;
}

/** The roots of a folded block: what its header commits to besides offsets and times. */
export interface FoldedRoots {
  eventCount: bigint;
  resultsRoot: Uint8Array;
  stateRoot: Uint8Array;
  logSize: bigint;
  logRoot: Uint8Array;
  /** The state tree and record writes of the block, for its atomic commit batch. */
  stateWrites: StateWrite[];
}

/** A header field the fold computes and the first place it differs, with both values. */
export interface FoldDifference {
  field: 'result' | 'event_offset' | 'event_count' | 'results_root' | 'state_root' | 'log_size' | 'log_root' | 'block_time_ms';
  /** For `result` and `event_offset`: the event's 0-based index in the block. */
  event?: number;
  /** What the header or the block says. */
  expected: string;
  /** What the fold computed. */
  found: string;
}

/**
 * A block being folded: one instance per block, events applied in order with `apply`, then
 * `finish` for the roots. The block's included events, their results leaves and the projections'
 * view of them accumulate here.
 */
export class BlockFold {
  readonly included: IncludedEvent[] = [];
  readonly folded: FoldedEvent[] = [];
  private readonly results: ResultEntry[] = [];

  constructor(
    readonly state: BlockState,
    readonly log: LogAppender,
  ) {}

  get height(): bigint {
    return this.state.height;
  }

  /**
   * Applies one event at its Kafka offset and record time (DESIGN.md section 6) and, when it is
   * included, appends its id to the log and its results leaf. Returns the state machine's fate.
   */
  apply(event: SignedEvent, offset: bigint, recordTime: bigint, check: SignatureCheck): Fate {
    const fate = this.state.apply(event, { recordTime, offset, height: this.state.height, logPosition: BigInt(this.log.size) }, check);
    if (fate.kind === 'drop') return fate;
    this.log.append(leafHash(fate.eventId));
    this.included.push({ event, resultCode: fate.code, offset, recordTimeMs: recordTime });
    this.folded.push({ event, fate, offset, recordTime, body: this.state.decodedBody(event) });
    this.results.push({ eventId: fate.eventId, code: fate.code, offset, recordTime });
    return fate;
  }

  /** The roots of the events applied so far (the state is finished: apply no more after this). */
  async finish(): Promise<FoldedRoots> {
    const finished = await this.state.finish();
    return {
      eventCount: BigInt(this.included.length),
      resultsRoot: resultsRoot(this.results),
      stateRoot: finished.stateRoot,
      logSize: BigInt(this.log.size),
      logRoot: this.log.root(),
      stateWrites: finished.writes as StateWrite[],
    };
  }
}

/** What replaying a stored or received block gives. */
export type ReplayResult = { ok: true; roots: FoldedRoots } | { ok: false; difference: FoldDifference };

/**
 * Replays a committed block's events through `fold` (each with its stored offset and record time,
 * DESIGN.md section 6: replay needs nothing else) and compares every result code and root with
 * the block's header. Returns the first difference, in block order then header order. Signatures
 * are checked by `check` (a rebuild of blocks verified when committed passes one that accepts).
 */
export async function replayBlock(block: Block, fold: BlockFold, check: SignatureCheck, previousBlockTime?: bigint): Promise<ReplayResult> {
  const header = block.header!;
  let previousOffset = header.firstOffset - 1n;
  for (let i = 0; i < block.events.length; i++) {
    const e = block.events[i]!;
    if (e.event === undefined || e.offset <= previousOffset || e.offset > header.lastOffset) {
      return { ok: false, difference: { field: 'event_offset', event: i, expected: `an offset in ${previousOffset + 1n}..${header.lastOffset}`, found: e.event === undefined ? 'no event' : String(e.offset) } };
    }
    previousOffset = e.offset;
    const fate = fold.apply(e.event, e.offset, e.recordTimeMs, check);
    if (fate.kind !== 'include' || fate.code !== e.resultCode) {
      const found = fate.kind === 'include' ? (resultName(fate.code) ?? String(fate.code)) : `drop (${fate.reason})`;
      return { ok: false, difference: { field: 'result', event: i, expected: resultName(e.resultCode) ?? String(e.resultCode), found } };
    }
  }
  const roots = await fold.finish();
  const difference = rootsDifference(roots, header, previousBlockTime);
  return difference === undefined ? { ok: true, roots } : { ok: false, difference };
}

/** The first header field (in header order) that the folded roots contradict, if any. */
export function rootsDifference(roots: FoldedRoots, header: BlockHeader, previousBlockTime?: bigint): FoldDifference | undefined {
  const hex = (b: Uint8Array) => toHex(b);
  if (previousBlockTime !== undefined && header.blockTimeMs < previousBlockTime) {
    return { field: 'block_time_ms', expected: `at least ${previousBlockTime}`, found: String(header.blockTimeMs) };
  }
  if (roots.eventCount !== header.eventCount) return { field: 'event_count', expected: String(header.eventCount), found: String(roots.eventCount) };
  if (roots.logSize !== header.logSize) return { field: 'log_size', expected: String(header.logSize), found: String(roots.logSize) };
  if (!bytesEqual(roots.logRoot, header.logRoot)) return { field: 'log_root', expected: hex(header.logRoot), found: hex(roots.logRoot) };
  if (!bytesEqual(roots.stateRoot, header.stateRoot)) return { field: 'state_root', expected: hex(header.stateRoot), found: hex(roots.stateRoot) };
  if (!bytesEqual(roots.resultsRoot, header.resultsRoot)) return { field: 'results_root', expected: hex(header.resultsRoot), found: hex(roots.resultsRoot) };
  return undefined;
}
