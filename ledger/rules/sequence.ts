/**
 * @module ledger/rules/sequence
 * The sequence-number table of DESIGN.md section 5 (normative), applied after the drop checks:
 *
 * | condition         | result                                                          |
 * |-------------------|-----------------------------------------------------------------|
 * | id already seen   | dropped (a retry), decided by the state machine before this     |
 * | sequence = next   | decided by the rules; `next` advances whatever the result code  |
 * | sequence > next   | included as SEQUENCE_GAP; reserves nothing; `next` unchanged    |
 * | sequence < next   | included as DUPLICATE_SEQUENCE (the department equivocated)     |
 */
import type { DepartmentRecord } from '../../proto/schema.generated.js';
import { RESULT } from '../result-codes.js';

export type SequenceVerdict = { kind: 'rules' } | { kind: 'reject'; code: typeof RESULT.SEQUENCE_GAP | typeof RESULT.DUPLICATE_SEQUENCE };

export function checkSequence(dept: DepartmentRecord, sequence: bigint): SequenceVerdict {
  if (sequence === dept.nextSequence) return { kind: 'rules' };
  if (sequence > dept.nextSequence) return { kind: 'reject', code: RESULT.SEQUENCE_GAP };
  return { kind: 'reject', code: RESULT.DUPLICATE_SEQUENCE };
}

/** The department with `next` advanced past `sequence` (only for sequence = next). */
export function advanceSequence(dept: DepartmentRecord): DepartmentRecord {
  return { ...dept, nextSequence: dept.nextSequence + 1n };
}
