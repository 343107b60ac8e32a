/**
 * @module consensus/messages
 * What the node core takes in and gives out (consensus/node-core.ts). The real node process
 * (Kafka consumer, ws peers, timers) and the simulation both speak exactly these.
 */
import type { Commit, Vote } from '../proto/schema.generated.js';

/** One Kafka record of the channel's partition, as the core sees it (offsets and times are bigint). */
export interface KafkaRecord {
  offset: bigint;
  /** Broker timestamp in ms. */
  timestamp: bigint;
  /** Whether the batch's timestamp type is LogAppendTime (else the record is dropped). */
  logAppendTime: boolean;
  /** The record value; null (a tombstone) is malformed. */
  value: Uint8Array | null;
}

export type CoreInput =
  /** Start (or restart): ask the peers for their heads before consuming. */
  | { kind: 'start'; nowMs: number }
  /**
   * Records from the partition, in offset order (redeliveries are skipped), with the partition's
   * high watermark when the fetch told it: the core posts an early time-to-cut marker only once it
   * has folded everything below it (node-core.ts, `earlyMarkers`).
   */
  | { kind: 'records'; records: KafkaRecord[]; highWatermark?: bigint }
  /** A peer's vote. */
  | { kind: 'vote'; from: number; vote: Vote }
  /** A peer asks for committed block `height`. */
  | { kind: 'block-request'; from: number; height: bigint }
  /** A peer sends committed block `height` with its commit. */
  | { kind: 'block'; from: number; block: Uint8Array; commit: Commit }
  /** A peer asks for our head. */
  | { kind: 'head-request'; from: number }
  /** A peer's head. */
  | { kind: 'head'; from: number; height: bigint }
  /** A peer (re)connected: re-send our latest vote to it. */
  | { kind: 'peer-connected'; peer: number }
  /** The node's clock (ms): decides only when to post markers, re-send votes and raise timeouts. */
  | { kind: 'tick'; nowMs: number };

/** Who a message goes to: every peer, or one. */
export type Destination = 'all' | number;

export type CoreOutput =
  /**
   * `firstOffset`: on the first send of this node's vote at a cut, the block's first covered offset
   * (the node process measures consume_to_vote with it; measuring only).
   */
  | { kind: 'send-vote'; to: Destination; vote: Vote; firstOffset?: bigint }
  | { kind: 'send-block'; to: number; height: bigint; block: Uint8Array; commit: Commit }
  | { kind: 'request-block'; to: Destination; height: bigint }
  | { kind: 'request-head'; to: Destination }
  | { kind: 'send-head'; to: number; height: bigint }
  /** Produce this record value (an encoded TopicRecord with a TimeToCut) to the channel's topic. */
  | { kind: 'post-marker'; value: Uint8Array; height: bigint; heartbeat: boolean }
  /** Start (or restart) consuming the partition at this offset. */
  | { kind: 'consume-from'; offset: bigint }
  | { kind: 'committed'; height: bigint; headerHash: Uint8Array; eventCount: number; viaPeer: boolean }
  | { kind: 'alarm'; alarm: Alarm };

export type AlarmKind =
  /** This node's header differs from a committed one, or from its own persisted vote: halted. */
  | 'DIVERGENCE'
  /** No quorum at a height after the timeout (not a halt). */
  | 'NO_QUORUM'
  /** A genesis node signed two different headers at one height (evidence kept). */
  | 'EQUIVOCATION'
  /** A block or header with a rules version this build does not implement: halted. */
  | 'UNKNOWN_RULES_VERSION'
  /** The stored head does not match the stored log or state: refused to start. */
  | 'STORE_MISMATCH';

export interface Alarm {
  kind: AlarmKind;
  height: bigint;
  message: string;
  /** Differing header fields (DIVERGENCE), node indexes, hashes: evidence. */
  details: Record<string, unknown>;
  /** Whether the node stopped voting because of it. */
  halted: boolean;
}
