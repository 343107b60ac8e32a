/**
 * @module consensus/cut
 * The cut function of DESIGN.md section 8, by that name: which Kafka records a block covers, which
 * of them it includes and with what result (through the one block fold, ledger/block-fold.ts),
 * and when it is cut: at a valid time-to-cut marker for its height, at `max_events` included
 * events, or once its included record values reach `max_bytes`. Every node runs this on the same
 * records in the same order and gets the same block; nothing here reads a clock. The header of a
 * cut block is `cutHeader`. When to *post* a marker is the node's own affair (consensus/node-core.ts).
 */
import { EMPTY_RECORDS_DIGEST, nextRecordsDigest, timeToCutMessage } from '../ledger/block.js';
import type { BlockFold, FoldedRoots } from '../ledger/block-fold.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { verifyEd25519 } from '../ledger/signature.js';
import type { SignatureCheck } from '../ledger/state-machine.js';
import { decode } from '../proto/codec.js';
import type { BlockHeader, SignedEvent, TimeToCut, Vote } from '../proto/schema.generated.js';
import type { StagedBlock } from './catch-up.js';
import type { KafkaRecord } from './messages.js';

/** A record's TopicRecord, or undefined when it is malformed or over the record limit (dropped). */
export type DecodedRecord = { event?: SignedEvent; ttc?: TimeToCut } | undefined;

/** Decodes a record's value (DESIGN.md section 5: record value <= max_record_bytes). */
export function decodeRecord(r: KafkaRecord, maxRecordBytes: number): DecodedRecord {
  if (r.value === null || r.value.length > maxRecordBytes) return undefined;
  try {
    return decode('TopicRecord', r.value);
  } catch {
    return undefined;
  }
}

/** Whether a marker is signed by the genesis node it names, over (height, heartbeat) (DESIGN.md section 8). */
export function validMarker(genesis: LoadedGenesis, t: TimeToCut): boolean {
  const node = genesis.genesis.nodes[t.nodeIndex - 1];
  if (node === undefined) return false;
  return verifyEd25519(node.publicKey, timeToCutMessage(genesis.hash, t.height, t.heartbeat), t.signature);
}

/**
 * pending(h) of the cut function: the records covered so far and the block fold of the included
 * ones. `offer` takes the next record in offset order and says whether the block is cut there.
 */
export class PendingBlock {
  first: bigint | null = null;
  last = -1n;
  dropped = 0n;
  digest: Uint8Array = EMPTY_RECORDS_DIGEST;
  /** maxTime: the record time of the latest record (DESIGN.md section 6). */
  maxTime: bigint;
  /** Included record values' bytes. */
  bytes = 0;
  /** Raw records covered so far (re-queued if a peer's committed block replaces this pending one). */
  readonly raw: KafkaRecord[] = [];

  constructor(
    readonly fold: BlockFold,
    previousBlockTime: bigint,
    readonly genesis: LoadedGenesis,
  ) {
    this.maxTime = previousBlockTime;
  }

  get height(): bigint {
    return this.fold.height;
  }

  get eventCount(): number {
    return this.fold.included.length;
  }

  /**
   * One step of the cut function for record `r` (decoded as `rec`): advances the offsets and the
   * records digest, drops what section 6 drops, decides the fate of an event through the fold, and
   * returns true when the block is cut after this record.
   */
  offer(r: KafkaRecord, rec: DecodedRecord, check: SignatureCheck): boolean {
    if (this.first === null) this.first = r.offset;
    this.last = r.offset;
    this.raw.push(r);
    const value = r.value ?? new Uint8Array(0);
    this.digest = nextRecordsDigest(this.digest, r.offset, r.timestamp, value);
    if (!r.logAppendTime) {
      this.dropped++;
      return false;
    }
    if (r.timestamp > this.maxTime) this.maxTime = r.timestamp; // the record time of this record
    if (rec === undefined) {
      this.dropped++; // malformed
      return false;
    }
    if (rec.ttc !== undefined) {
      const t = rec.ttc;
      // any other marker only advances offsets
      return t.height === this.height && (this.eventCount > 0 || t.heartbeat) && validMarker(this.genesis, t);
    }
    const fate = this.fold.apply(rec.event!, r.offset, this.maxTime, check);
    if (fate.kind === 'drop') {
      this.dropped++;
      return false;
    }
    this.bytes += value.length;
    const limits = this.genesis.limits;
    return this.eventCount >= limits.maxBlockEvents || this.bytes >= limits.maxBlockBytes;
  }
}

/** CUT: the header over first..last (DESIGN.md section 7), from the pending block and its fold's roots. */
export function cutHeader(p: PendingBlock, roots: FoldedRoots, previousHeaderHash: Uint8Array): BlockHeader {
  return {
    genesisHash: p.genesis.hash,
    channel: p.genesis.genesis.channel,
    height: p.height,
    previousHeaderHash,
    firstOffset: p.first!,
    lastOffset: p.last,
    recordsDigest: p.digest,
    droppedCount: p.dropped,
    blockTimeMs: p.maxTime,
    eventCount: roots.eventCount,
    logSize: roots.logSize,
    logRoot: roots.logRoot,
    stateRoot: roots.stateRoot,
    resultsRoot: roots.resultsRoot,
    // the genesis fixes the chain's rules (DESIGN.md section 7; no upgrades by governance yet)
    rulesVersion: p.genesis.genesis.rulesVersion,
  };
}

/** pending(h) of the cut function and when, by this node's clock, it began. */
export interface Pending {
  block: PendingBlock;
  startedAtMs: number;
  firstIncludedAtMs: number | undefined;
  markerPostedAtMs: number | undefined;
}

/** This node's own cut, voted and awaiting its quorum. */
export interface Cut extends StagedBlock {
  vote: Vote;
  checkpoint: Uint8Array;
  raw: KafkaRecord[];
  votedAtMs: number;
  lastSentMs: number;
  noQuorumRaised: boolean;
}
