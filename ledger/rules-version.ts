/**
 * @module ledger/rules-version
 * What separates rules version 2 from version 1 on the wire (DESIGN.md section 7: a chain whose
 * genesis says 1 replays byte for byte, forever). Version 1's schema had none of the payloads and
 * fields below, so a version-1 node decoding them met an unknown field and dropped the record as
 * UNDECODABLE; under version 1 this build drops them the same way. Pure.
 */
import type { EventBody } from '../proto/schema.generated.js';

/** The first rules version with encumbrances, superseded holders and verification records. */
export const ENCUMBRANCE_RULES_VERSION = 2;

/** Whether the body uses a payload or field that rules version 1 did not know (proto/ledger.proto). */
export function needsRulesV2(body: EventBody): boolean {
  return (
    body.mortgageRegistered !== undefined ||
    body.mortgageReleased !== undefined ||
    body.seizureRegistered !== undefined ||
    body.seizureLifted !== undefined ||
    body.certificateVerified !== undefined ||
    body.certificateTypeRegistered !== undefined ||
    (body.certificateIssued !== undefined && body.certificateIssued.certificateTypeName !== '') ||
    body.departmentRegistered?.rights?.seize === true ||
    // issue 22: the auditor's right
    body.departmentRegistered?.rights?.audit === true ||
    // issue 21: the exchange point's reads, consent, and a request that names its subject
    body.consentRecorded !== undefined ||
    body.exchangeRead !== undefined ||
    body.shareRequested?.subject !== undefined
  );
}
