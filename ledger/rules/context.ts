/**
 * @module ledger/rules/context
 * What a rule sees: the signer, the record time and log position, reads of the state as it
 * stands at this record, and staged writes that take effect only when the rule returns OK
 * (DESIGN.md section 6). Plus the small checks several families share.
 * Pure and deterministic: no clock, no randomness, no floats.
 */
import type { DecodeLimits } from '../../proto/limits.js';
import type { DefiningEvent, DepartmentRecord } from '../../proto/schema.generated.js';
import { compareBytes, utf8 } from '../bytes.js';
import type { ResultCode } from '../result-codes.js';
import type { RecordOf, StateType } from '../state-records.js';

export interface RuleContext {
  /** The signing department as it stands before this event. */
  readonly signer: DepartmentRecord;
  /** The record time t of DESIGN.md section 6 (ms). */
  readonly recordTime: bigint;
  /** The log position (Merkle leaf index) this event takes. */
  readonly logPosition: bigint;
  /** This event as a defining event (id, height, log position). */
  readonly defining: DefiningEvent;
  readonly limits: DecodeLimits;
  /** The genesis's rules version (DESIGN.md section 7): 1, or 2 with ledger/rules/encumbrances.ts. */
  readonly rulesVersion: number;
  /** The record as it stands at this record (earlier events of the block included). */
  get<T extends StateType>(type: T, id: string): RecordOf<T> | undefined;
  /** Stages a new version of a record; applied only if the rule returns OK. */
  put<T extends StateType>(type: T, id: string, record: RecordOf<T>): void;
}

export type Rule<P> = (ctx: RuleContext, payload: P) => ResultCode;

/** A non-empty list of non-empty, distinct strings. */
export function isNonEmptyDistinct(list: readonly string[]): boolean {
  if (list.length === 0) return false;
  const seen = new Set<string>();
  for (const s of list) {
    if (s === '' || seen.has(s)) return false;
    seen.add(s);
  }
  return true;
}

/** A list of distinct strings (possibly empty). */
export function isDistinct(list: readonly string[]): boolean {
  return new Set(list).size === list.length;
}

/** Every entry of `sub` is in `set`. */
export function isSubset(sub: readonly string[], set: readonly string[]): boolean {
  if (sub.length === 0) return true;
  const s = new Set(set);
  return sub.every((x) => s.has(x));
}

/** Strictly increasing in UTF-8 byte order (so: distinct), every name non-empty. */
export function isStrictlyIncreasingUtf8(names: readonly string[]): boolean {
  let prev: Uint8Array | undefined;
  for (const n of names) {
    if (n === '') return false;
    const b = utf8(n);
    if (prev !== undefined && compareBytes(prev, b) >= 0) return false;
    prev = b;
  }
  return true;
}

/** A 32-byte digest or commitment was given (the codec already checks the length when present). */
export function has32(b: Uint8Array): boolean {
  return b.length === 32;
}
