/**
 * @module ledger/block
 * The hash inputs that make a block (DESIGN.md sections 7 and 8): the records digest chain over
 * every covered Kafka record, the results leaves and root, the vote message and the time-to-cut
 * marker message. Pure; integers big-endian fixed width, variable fields length-prefixed.
 */
import { concatBytes, i64be, u16be, u32be, u64be, u8 } from './bytes.js';
import { TAG, tagBytes, taggedHash } from './hash.js';
import { EMPTY_ROOT, leafHash, rootHash } from './merkle.js';

/** The records digest starts as 32 zero bytes (DESIGN.md section 7). */
export const EMPTY_RECORDS_DIGEST: Uint8Array = new Uint8Array(32);

/** The state root before any state: 32 zero bytes (DESIGN.md section 7). */
export const EMPTY_STATE_ROOT: Uint8Array = new Uint8Array(32);

/**
 * One step of the records digest: SHA-256("ledger:records:v1" || d || u64 offset || i64 timestamp
 * || u32 len || value), over every covered record, dropped or not.
 */
export function nextRecordsDigest(d: Uint8Array, offset: bigint, timestamp: bigint, value: Uint8Array): Uint8Array {
  // u32 len and value as two parts: the same hash input as lp32(value), without copying every
  // record's value once more before the hash copies it (issue 19)
  return taggedHash(TAG.records, d, u64be(offset), i64be(timestamp), u32be(value.length), value);
}

/**
 * A results leaf: "ledger:result:v1" || u32 index among the block's included events || event id
 * || u16 code || u64 offset || u64 record time (DESIGN.md section 7).
 */
export function resultLeafData(index: number, eventId: Uint8Array, code: number, offset: bigint, recordTime: bigint): Uint8Array {
  return concatBytes(tagBytes(TAG.result), u32be(index), eventId, u16be(code), u64be(offset), u64be(recordTime));
}

export interface ResultEntry {
  eventId: Uint8Array;
  code: number;
  offset: bigint;
  recordTime: bigint;
}

/** The RFC 9162 root over the block's results leaves (the empty root for a block with none). */
export function resultsRoot(results: ResultEntry[]): Uint8Array {
  if (results.length === 0) return EMPTY_ROOT;
  return rootHash(results.map((r, i) => leafHash(resultLeafData(i, r.eventId, r.code, r.offset, r.recordTime))));
}

/** What a node signs to vote: "ledger:vote:v1" || genesis hash || u64 height || header hash. */
export function voteMessage(genesisHash: Uint8Array, height: bigint, headerHash: Uint8Array): Uint8Array {
  return concatBytes(tagBytes(TAG.vote), genesisHash, u64be(height), headerHash);
}

/** What a node signs in a time-to-cut marker: "ledger:ttc:v1" || genesis hash || u64 height || u8 heartbeat. */
export function timeToCutMessage(genesisHash: Uint8Array, height: bigint, heartbeat: boolean): Uint8Array {
  return concatBytes(tagBytes(TAG.ttc), genesisHash, u64be(height), u8(heartbeat ? 1 : 0));
}
