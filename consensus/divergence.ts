/**
 * @module consensus/divergence
 * The divergence alarms of DESIGN.md section 8: a header this node computed that differs from the
 * quorum's, named field by field with both values, and a quorum's block that this node's fold
 * (ledger/block-fold.ts) does not reproduce. The auditor's chain comparison names fields the same way.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import type { FoldDifference } from '../ledger/block-fold.js';
import type { BlockHeader } from '../proto/schema.generated.js';
import type { Alarm } from './messages.js';

const HEADER_FIELDS: Array<keyof BlockHeader> = [
  'genesisHash',
  'channel',
  'height',
  'previousHeaderHash',
  'firstOffset',
  'lastOffset',
  'recordsDigest',
  'droppedCount',
  'blockTimeMs',
  'eventCount',
  'logSize',
  'logRoot',
  'stateRoot',
  'resultsRoot',
  'rulesVersion',
];

/** The header fields that differ, by their proto names. */
export function differingFields(a: BlockHeader, b: BlockHeader): string[] {
  return HEADER_FIELDS.filter((f) => {
    const x = a[f];
    const y = b[f];
    if (x instanceof Uint8Array && y instanceof Uint8Array) return !bytesEqual(x, y);
    return x !== y;
  }).map((f) => f.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()));
}

export function divergence(height: bigint, mine: BlockHeader, theirs: BlockHeader, why: string): Alarm {
  const fields = differingFields(mine, theirs);
  const show = (h: BlockHeader) => Object.fromEntries(fields.map((f) => [f, fieldText(h, f)]));
  return {
    kind: 'DIVERGENCE',
    height,
    message: `height ${height}: ${why}; differing fields: ${fields.map((f) => `${f} (this node ${fieldText(mine, f)}, the quorum ${fieldText(theirs, f)})`).join(', ') || '(none: the signatures differ)'}; halted`,
    details: { fields, mine: show(mine), theirs: show(theirs) },
    halted: true,
  };
}

/** The alarm for a quorum's block that this node's fold does not reproduce, naming the field and both values. */
export function replayDivergence(height: bigint, d: FoldDifference): Alarm {
  const where = d.event !== undefined ? `event ${d.event}: ` : '';
  return {
    kind: 'DIVERGENCE',
    height,
    message: `height ${height}: ${where}replaying the quorum's block gives a different ${d.field} (the block says ${d.expected}, this node computes ${d.found}); halted`,
    details: { fields: [d.field], ...(d.event !== undefined ? { event: d.event } : {}), expected: d.expected, found: d.found },
    halted: true,
  };
}

function fieldText(h: BlockHeader, snakeName: string): string {
  const key = snakeName.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) as keyof BlockHeader;
  const v = h[key];
  return v instanceof Uint8Array ? toHex(v).slice(0, 16) : String(v);
}

/** A recomputed header that differs from this node's persisted vote at that height: never two headers for one height. */
export function votedOtherHeader(height: bigint, recomputed: Uint8Array, voted: Uint8Array): Alarm {
  return {
    kind: 'DIVERGENCE',
    height,
    message: `height ${height}: the recomputed header ${toHex(recomputed).slice(0, 16)} differs from this node's persisted vote ${toHex(voted).slice(0, 16)} (the records under it changed); halted`,
    details: { recomputed: toHex(recomputed), voted: toHex(voted) },
    halted: true,
  };
}

/** A quorum of votes for another header at the height of this node's cut. */
export function quorumForOtherHeader(height: bigint, ours: Uint8Array, theirs: string, voters: number[]): Alarm {
  return {
    kind: 'DIVERGENCE',
    height,
    message: `height ${height}: a quorum (${voters.join(', ')}) signed header ${theirs.slice(0, 16)}, this node computed ${toHex(ours).slice(0, 16)}; halted`,
    details: { ours: toHex(ours), theirs, voters },
    halted: true,
  };
}
