/**
 * @module verifier/bundle-verify
 * The offline verifier of proof bundles (DESIGN.md section 10; docs/proof-format.md gives every
 * check, in this order, with its reason code). Input: the binary bundle, the trust anchor (the
 * genesis bytes) and the reader's options; output: a verdict (VALID, REVOKED, EXPIRED, UNKNOWN,
 * STALE, INVALID) with reason codes, a summary, the header's height and time, and what was and
 * was not checked.
 *
 * Pure: imports only proto/ and pure ledger/ modules (@noble for Ed25519), so the same module runs
 * in Node and in a browser; never goes online and never throws on a malformed bundle or anchor.
 * Status comes from the state proof, never from inclusion alone (rejected events are in the log
 * too): the inclusion proof and the event's signature only prove who set the record's terms.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { voteMessage } from '../ledger/block.js';
import { verifyEd25519Noble } from '../ledger/ed25519-rule.js';
import { isLedgerError } from '../errors/ledger-error.js';
import { loadGenesis, type LoadedGenesis } from '../ledger/genesis.js';
import { grantWindowAt } from '../ledger/grant-window.js';
import { eventId as eventIdOf, headerHash as headerHashOf } from '../ledger/hash.js';
import { describeMerkleCheck, leafHash, verifyConsistency, verifyInclusion } from '../ledger/merkle-verify.js';
import { consistencyRanges } from '../ledger/merkle.js';
import { encodeRecord, findKey, keyActivityAt } from '../ledger/state-records.js';
import { stateKey, verifyStateProof, recordValueHash } from '../ledger/state-tree-verify.js';
import { decode, encode, oneofCase } from '../proto/codec.js';
import {
  BundleSubjectType,
  CertificateStatus,
  EncumbranceKind,
  GrantStatus,
  type BlockHeader,
  type BundleConsistency,
  type CertificateRecord,
  type DepartmentRecord,
  type EventBody,
  type GrantRecord,
  type ProofBundle,
} from '../proto/schema.generated.js';
import { MAX_BUNDLE_BYTES } from './bundle-json.js';
import type { BundleKind, CertificateSummary, GrantSummary, Reason, Verdict, VerifyOptions, VerifyResult } from './bundle-types.js';
import { certificateFromIssue, splitPath } from './bundle-compact.js';
import { checkDisclosure, checkHolder } from './disclosure-check.js';
import { checkBundleWitnesses } from './witness-check.js';
import { MAX_TIMESTAMP } from '../ledger/witness-cosignature.js';

export type * from './bundle-types.js';
export { bundleFromJson, bundleToJson, MAX_BUNDLE_BYTES } from './bundle-json.js';

/** The bundle format version this verifier reads. */
export const BUNDLE_FORMAT_VERSION = 1;

/**
 * The maximum status age that `ledger verify` and the reader page apply unless told otherwise
 * (issue 24: fresh by default): 24 hours, the age a bank may accept offline (DESIGN.md
 * section 10, step 8). verifyBundle itself applies only the maxAgeMs it is given.
 */
export const DEFAULT_MAX_AGE_MS = 24n * 3_600_000n;

/** Why a bundle is INVALID (or another verdict); stable codes, listed in docs/proof-format.md. */
export const REASON = {
  // step 0: the inputs
  BAD_ANCHOR: 'the trust anchor is not a valid genesis',
  BAD_OPTIONS: 'the reader options are not valid',
  // step 1: decoding
  BUNDLE_TOO_LARGE: 'the bundle is larger than the limit',
  MALFORMED: 'the bundle is not a canonical ProofBundle message',
  UNSUPPORTED_VERSION: 'the bundle format version is not one this verifier reads',
  BAD_SUBJECT: 'the bundle has no subject type or id',
  SUBJECT_MISMATCH: 'the bundle is about another subject than the one asked about',
  UNEXPECTED_CONTENT: 'the bundle holds a part that does not belong to its kind',
  MISSING_CONTENT: 'the bundle lacks a part its kind needs',
  EVENT_MALFORMED: 'the defining event body is not a canonical EventBody',
  // step 2: the header
  WRONG_GENESIS: "the header's genesis hash is not the trust anchor's",
  WRONG_CHANNEL: "the header's channel is not the trust anchor's",
  WRONG_RULES_VERSION: "the header's rules version is not the trust anchor's",
  // step 3: the signatures
  SIGNATURES_NOT_ORDERED: 'signatures are not in strictly increasing node index',
  UNKNOWN_NODE: 'a signature names a node that is not in the genesis',
  BAD_NODE_SIGNATURE: "a node's vote signature does not verify",
  TOO_FEW_SIGNATURES: 'fewer than quorum distinct genesis nodes signed the header',
  // after step 3: the reader's witness policy (issue 23)
  WITNESS_QUORUM_MISSING: "fewer witnesses of the reader's policy than its quorum cosigned a checkpoint covering the header",
  WITNESS_SIGNATURE_INVALID: "a policy witness's cosignature does not verify, or the cosigned checkpoint does not cover the header",
  // step 4: the state proofs
  RECORD_PROOF_INVALID: "the record's state proof does not verify against the header's state root",
  ABSENCE_PROOF_INVALID: "the absence proof does not verify against the header's state root",
  SIGNER_PROOF_INVALID: "the signer department's state proof does not verify against the header's state root",
  GRANTEE_PROOF_INVALID: "the grantee department's state proof does not verify against the header's state root",
  // step 5: record and event
  RECORD_ID_MISMATCH: "the record's id is not the subject id",
  NO_DEFINING_EVENT: 'the record has no defining event',
  EVENT_MISMATCH: "the bundled event is not the record's defining event",
  LOG_POSITION_MISMATCH: "the inclusion proof's leaf index is not the defining event's log position",
  EVENT_KIND_MISMATCH: 'the defining event is not of a kind that sets this record with this status',
  SIGNER_MISMATCH: 'the defining event was not signed by the department the record names',
  WRONG_EVENT_CHANNEL: "the defining event is for another channel",
  EVENT_AFTER_HEADER: 'the defining event is in a block after the header',
  // step 6: the event's signature
  KEY_UNKNOWN: "the signer has no key of the event's key version active at its log position",
  KEY_RETIRED: "the signer's key version was retired before the event's log position",
  KEY_COMPROMISED: "the signer's key was declared compromised from the event's log position or earlier: the record is void",
  BAD_EVENT_SIGNATURE: "the event's signature does not verify under the signer's key",
  // step 7: inclusion
  INCLUSION_INVALID: "the event's inclusion proof does not verify against the header's log root and size",
  // consistency with the reader's checkpoint
  CONSISTENCY_MISSING: "the bundle has no consistency proof from the reader's checkpoint",
  CONSISTENCY_INVALID: "the header's log does not extend the reader's checkpoint",
  // step 8: status
  STALE: "the header is older than the reader's maximum age: fetch a fresh bundle",
  NOT_FOUND: 'no such record in the state at this header (absence proven)',
  CERTIFICATE_REVOKED: 'the certificate is revoked',
  CERTIFICATE_EXPIRED: "the certificate's validity ended before the reader's time",
  GRANT_REVOKED: 'the grant is revoked',
  GRANT_DENIED: 'the request was denied',
  GRANT_NOT_GRANTED: 'the request has not been granted',
  GRANT_NOT_YET_ACTIVE: "the grant's window starts after the reader's time",
  GRANT_EXPIRED: "the grant's window ended before the reader's time",
  GRANT_EXHAUSTED: 'the grant has no use left',
  ISSUER_SUSPENDED: 'note: the signing department is suspended',
  MORTGAGED: 'note: the property is mortgaged (已设定抵押); a new mortgage takes the next rank',
  SEIZED: 'WARNING: the property is seized by a court (已查封): it cannot be transferred or mortgaged; do not lend on it',
  HEADER_IN_FUTURE: "note: the header's time is after the reader's time (a clock behind the broker's); its age counts as 0",
  // step 9: the reader's own checks
  NOT_HOLDER: "the holder's id and salt do not open the holder commitment",
  SUPERSEDED: 'the certificate was transferred to another holder: the person checked held it before the transfer and no longer does',
  DISCLOSURE_INVALID: 'the disclosed attributes do not match the attributes root',
  DOCUMENT_MISMATCH: "the document's SHA-256 is not the certificate's",
  FIELDS_NOT_COVERED: 'the grant does not cover the fields asked for',
  NOT_APPLICABLE: 'a check was asked for that does not apply to this bundle',
} as const;
export type ReasonCode = keyof typeof REASON;

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const isU64 = (x: unknown): x is bigint => typeof x === 'bigint' && x >= 0n && x <= U64_MAX;

const reason = (code: ReasonCode, detail?: string): Reason => ({ code, message: detail === undefined ? REASON[code] : `${REASON[code]}: ${detail}` });

class Invalid {
  constructor(readonly reason: Reason) {}
}

/**
 * Verifies a binary bundle against the trust anchor (the genesis bytes), at the reader's time.
 * Never throws: every failure is a verdict with reasons.
 */
export function verifyBundle(bundle: Uint8Array, anchorGenesis: Uint8Array, options: VerifyOptions): VerifyResult {
  const result: VerifyResult = {
    verdict: 'INVALID',
    reasons: [],
    notes: [],
    subject: { kind: 'certificate', id: '' },
    checks: { holder: 'not-checked', attributes: 'not-checked', document: 'not-checked', fields: 'not-checked', consistency: 'not-checked', witnesses: 'not-checked' },
  };
  try {
    run(bundle, anchorGenesis, options, result);
  } catch (e) {
    result.verdict = 'INVALID';
    result.reasons.unshift(e instanceof Invalid ? e.reason : reason('MALFORMED', e instanceof Error ? e.message : String(e)));
  }
  return result;
}

function run(bundleBytes: Uint8Array, anchorBytes: Uint8Array, options: VerifyOptions, result: VerifyResult): void {
  // docs/proof-format.md step 0: every time and size the reader gives is a u64, as in the header
  if (typeof options !== 'object' || options === null || !isU64(options.nowMs) || (options.maxAgeMs !== undefined && !isU64(options.maxAgeMs))) {
    throw new Invalid(reason('BAD_OPTIONS', 'nowMs and maxAgeMs are integers from 0 to 2^64 - 1'));
  }
  const cp = options.checkpoint;
  if (cp !== undefined && (typeof cp !== 'object' || cp === null || !isU64(cp.logSize) || cp.logSize < 1n || !(cp.logRoot instanceof Uint8Array) || cp.logRoot.length !== 32)) {
    throw new Invalid(reason('BAD_OPTIONS', 'a checkpoint is a log size from 1 to 2^64 - 1 and a 32-byte log root'));
  }
  if (options.documentSha256 !== undefined && (!(options.documentSha256 instanceof Uint8Array) || options.documentSha256.length !== 32)) {
    throw new Invalid(reason('BAD_OPTIONS', 'documentSha256 is 32 bytes'));
  }
  const sub = options.subject;
  if (sub !== undefined && (typeof sub !== 'object' || sub === null || (sub.kind !== 'certificate' && sub.kind !== 'grant') || typeof sub.id !== 'string' || sub.id === '')) {
    throw new Invalid(reason('BAD_OPTIONS', "a subject is { kind: 'certificate' | 'grant', id: non-empty string }"));
  }
  const holder = options.holder;
  if (holder !== undefined && (typeof holder !== 'object' || holder === null || typeof holder.id !== 'string' || !(holder.salt instanceof Uint8Array))) {
    throw new Invalid(reason('BAD_OPTIONS', 'a holder is { id: string, salt: bytes }'));
  }
  if (options.fields !== undefined && (!Array.isArray(options.fields) || options.fields.some((x) => typeof x !== 'string'))) {
    throw new Invalid(reason('BAD_OPTIONS', 'fields is a list of strings'));
  }
  let anchor: LoadedGenesis;
  try {
    if (!(anchorBytes instanceof Uint8Array)) throw new Error('the anchor is bytes');
    anchor = loadGenesis(anchorBytes);
  } catch (e) {
    throw new Invalid(reason('BAD_ANCHOR', (e as Error).message));
  }
  const g = anchor.genesis;

  // 1. every message re-encodes to its exact bytes; unknown fields are INVALID
  if (!(bundleBytes instanceof Uint8Array)) throw new Invalid(reason('MALFORMED', 'a bundle is bytes'));
  if (bundleBytes.length > MAX_BUNDLE_BYTES) throw new Invalid(reason('BUNDLE_TOO_LARGE', `${bundleBytes.length} > ${MAX_BUNDLE_BYTES} bytes`));
  let b: ProofBundle;
  try {
    b = decode('ProofBundle', bundleBytes, anchor.limits);
  } catch (e) {
    throw new Invalid(reason('MALFORMED', isLedgerError(e) ? `${e.code}: ${e.message}` : String(e)));
  }
  if (b.formatVersion !== BUNDLE_FORMAT_VERSION) throw new Invalid(reason('UNSUPPORTED_VERSION', `version ${b.formatVersion}; this verifier reads ${BUNDLE_FORMAT_VERSION}`));
  const kind: BundleKind | undefined = b.subjectType === BundleSubjectType.BUNDLE_CERTIFICATE ? 'certificate' : b.subjectType === BundleSubjectType.BUNDLE_GRANT ? 'grant' : undefined;
  if (kind === undefined || b.subjectId === '') throw new Invalid(reason('BAD_SUBJECT'));
  result.subject = { kind, id: b.subjectId };
  if (options.subject !== undefined && (options.subject.kind !== kind || options.subject.id !== b.subjectId)) {
    throw new Invalid(reason('SUBJECT_MISMATCH', `asked about ${options.subject.kind} ${options.subject.id}; the bundle is about ${kind} ${b.subjectId}`));
  }
  const header = b.header;
  if (header === undefined) throw new Invalid(reason('MISSING_CONTENT', 'header'));
  if ((kind === 'certificate' ? b.grant : b.certificate) !== undefined) throw new Invalid(reason('UNEXPECTED_CONTENT', kind === 'certificate' ? 'grant' : 'certificate'));
  const present = b.event !== undefined || (kind === 'certificate' ? b.certificate : b.grant) !== undefined;
  if (present) {
    if (b.event === undefined) throw new Invalid(reason('MISSING_CONTENT', 'event'));
    if (b.signer === undefined) throw new Invalid(reason('MISSING_CONTENT', 'signer'));
  } else if (b.signer !== undefined || b.signerProof.length > 0 || b.inclusionPath.length > 0 || b.leafIndex !== 0n || b.definingHeight !== 0n || b.encumbrances.length > 0 || b.grantee !== undefined) {
    throw new Invalid(reason('UNEXPECTED_CONTENT', 'an absent record has no event, signer, grantee or inclusion proof'));
  }
  // the grantee's record (issue 17): grant bundles only, and its proof only with it
  if (kind === 'certificate' && b.grantee !== undefined) throw new Invalid(reason('UNEXPECTED_CONTENT', 'grantee'));
  if (b.grantee === undefined && b.granteeProof.length > 0) throw new Invalid(reason('UNEXPECTED_CONTENT', 'grantee_proof without grantee'));
  let body: EventBody | undefined;
  let record: CertificateRecord | GrantRecord | undefined = kind === 'certificate' ? b.certificate : b.grant;
  if (b.event !== undefined) {
    // the bundle's shape before the event's contents (docs/proof-format.md step 1)
    if (record !== undefined && b.definingHeight !== 0n) throw new Invalid(reason('UNEXPECTED_CONTENT', 'defining_height goes with the compact form only'));
    if (record !== undefined && b.encumbrances.length > 0) throw new Invalid(reason('UNEXPECTED_CONTENT', 'encumbrances go with the compact form only (the record carries its own)'));
    if (record === undefined && (kind !== 'certificate' || b.definingHeight === 0n)) throw new Invalid(reason('MISSING_CONTENT', kind === 'certificate' ? 'certificate or defining_height' : 'grant'));
    try {
      body = decode('EventBody', b.event.body, anchor.limits);
    } catch (e) {
      throw new Invalid(reason('EVENT_MALFORMED', isLedgerError(e) ? `${e.code}: ${e.message}` : String(e)));
    }
    if (record === undefined) {
      // Compact form: the certificate is derived from its CertificateIssued event.
      record = certificateFromIssue(body, eventIdOf(b.event.body), b.definingHeight, b.leafIndex, b.encumbrances);
      if (record === undefined) throw new Invalid(reason('MISSING_CONTENT', 'certificate (the defining event is not a CertificateIssued)'));
    }
  }
  const inclusionPath = splitPath(b.inclusionPath);
  if (inclusionPath === undefined) throw new Invalid(reason('MALFORMED', 'inclusion_path is not a whole number of 32-byte hashes'));
  // Bundles leave note_signature out (docs/proof-format.md section 1): bytes there would make two
  // different bundles VALID for one status and could carry anything (issue 17).
  for (const sig of b.signatures) {
    if (sig.noteSignature.length > 0) throw new Invalid(reason('UNEXPECTED_CONTENT', `note_signature of node ${sig.nodeIndex}`));
  }
  // The consistency field's shape is checked always, its proof only against a reader's checkpoint
  // (step 7): 1 <= from_log_size < header.log_size, and exactly the hashes RFC 9162 section
  // 2.1.4.1 implies for those sizes.
  if (b.consistency !== undefined) checkConsistencyShape(b.consistency, header.logSize);
  if (b.witnessed !== undefined) checkWitnessedShape(b.witnessed, header.logSize);

  // 2. the header hash from the header bytes; its genesis hash is the anchor's
  const headerBytes = encode('BlockHeader', header);
  const hh = headerHashOf(headerBytes);
  if (!bytesEqual(header.genesisHash, anchor.hash)) throw new Invalid(reason('WRONG_GENESIS'));
  if (header.channel !== g.channel) throw new Invalid(reason('WRONG_CHANNEL', `${header.channel} vs ${g.channel}`));
  if (header.rulesVersion !== g.rulesVersion) throw new Invalid(reason('WRONG_RULES_VERSION', `${header.rulesVersion} vs ${g.rulesVersion}`));

  // 3. at least q distinct genesis nodes signed the vote message; every signature present verifies
  const vote = voteMessage(anchor.hash, header.height, hh);
  const signers: number[] = [];
  let last = 0;
  for (const s of b.signatures) {
    if (s.nodeIndex <= last) throw new Invalid(reason('SIGNATURES_NOT_ORDERED', `node ${s.nodeIndex} after node ${last}`));
    last = s.nodeIndex;
    const node = g.nodes.find((n) => n.index === s.nodeIndex);
    if (node === undefined) throw new Invalid(reason('UNKNOWN_NODE', `node ${s.nodeIndex}`));
    if (!verifyEd25519Noble(node.publicKey, vote, s.signature)) throw new Invalid(reason('BAD_NODE_SIGNATURE', `node ${s.nodeIndex}`));
    signers.push(s.nodeIndex);
  }
  if (signers.length < g.quorum) throw new Invalid(reason('TOO_FEW_SIGNATURES', `${signers.length} of quorum ${g.quorum}`));
  // after the quorum check: the reader's witness policy (docs/proof-format.md section 9)
  const witnessCheck = checkBundleWitnesses(b.witnessed, options.witnesses, { channel: g.channel, hash: anchor.hash }, header);
  if (witnessCheck.state !== 'not-checked') {
    result.checks.witnesses = witnessCheck.state;
    result.witnesses = witnessCheck.witnesses;
    if (witnessCheck.state === 'failed') throw new Invalid(witnessCheck.reason);
  }
  result.header = {
    height: header.height.toString(),
    blockTimeMs: header.blockTimeMs.toString(),
    headerHash: toHex(hh),
    logSize: header.logSize.toString(),
    stateRoot: toHex(header.stateRoot),
    signers,
  };

  // 4. state keys from the subject id (and the signer id in the event), never from the bundle
  const type = kind === 'certificate' ? 'cert' : 'grant';
  const recordKey = stateKey(type, b.subjectId);
  if (!present) {
    const r = verifyStateProof(header.stateRoot, recordKey, null, b.recordProof);
    if (!r.ok) throw new Invalid(reason('ABSENCE_PROOF_INVALID', `${r.code}: ${r.message}`));
    checkConsistency(b, header, options, result);
    notApplicable(options, result);
    decide(result, options, header, [reason('NOT_FOUND', `${kind} ${b.subjectId}`)], [], 'UNKNOWN');
    return;
  }
  if (record === undefined) throw new Invalid(reason('MISSING_CONTENT', kind));
  const recordBytes = encodeRecord(type, record as never);
  const rr = verifyStateProof(header.stateRoot, recordKey, recordValueHash(recordBytes), b.recordProof);
  if (!rr.ok) throw new Invalid(reason('RECORD_PROOF_INVALID', `${rr.code}: ${rr.message}`));
  const signer = b.signer as DepartmentRecord;
  const ev = body as EventBody;
  const sr = verifyStateProof(header.stateRoot, stateKey('dept', ev.departmentId), recordValueHash(encodeRecord('dept', signer)), b.signerProof);
  if (!sr.ok) throw new Invalid(reason('SIGNER_PROOF_INVALID', `${sr.code}: ${sr.message}`));
  if (signer.departmentId !== ev.departmentId) throw new Invalid(reason('SIGNER_PROOF_INVALID', 'the signer record is of another department'));
  // the grantee's record, at the state key of the grant's requester (from the proved record, never the bundle)
  let grantee: DepartmentRecord | undefined;
  if (b.grantee !== undefined) {
    const granteeId = (record as GrantRecord).requesterDepartmentId;
    if (granteeId === ev.departmentId) throw new Invalid(reason('UNEXPECTED_CONTENT', 'grantee: the signer is the grantee'));
    const gp = verifyStateProof(header.stateRoot, stateKey('dept', granteeId), recordValueHash(encodeRecord('dept', b.grantee)), b.granteeProof);
    if (!gp.ok) throw new Invalid(reason('GRANTEE_PROOF_INVALID', `${gp.code}: ${gp.message}`));
    if (b.grantee.departmentId !== granteeId) throw new Invalid(reason('GRANTEE_PROOF_INVALID', 'the grantee record is of another department'));
    grantee = b.grantee;
  }

  // 5. defining event = bundled event; log position = leaf index; record id and type match
  const recordId = kind === 'certificate' ? (record as CertificateRecord).certificateId : (record as GrantRecord).requestId;
  if (recordId !== b.subjectId) throw new Invalid(reason('RECORD_ID_MISMATCH', `${recordId}`));
  const defining = record.definingEvent;
  if (defining === undefined) throw new Invalid(reason('NO_DEFINING_EVENT'));
  const evId = eventIdOf(b.event!.body);
  if (!bytesEqual(evId, defining.eventId)) throw new Invalid(reason('EVENT_MISMATCH'));
  if (b.leafIndex !== defining.logPosition) throw new Invalid(reason('LOG_POSITION_MISMATCH', `${b.leafIndex} vs ${defining.logPosition}`));
  if (defining.height > header.height) throw new Invalid(reason('EVENT_AFTER_HEADER', `height ${defining.height} > ${header.height}`));
  if (ev.channel !== g.channel) throw new Invalid(reason('WRONG_EVENT_CHANNEL', ev.channel));
  const eventKind = oneofCase('EventBody', 'payload', ev) ?? '';
  checkEventMatchesRecord(kind, record, ev, eventKind);

  // 6. the event's signature under the signer's key of its version, active at that position
  const activity = keyActivityAt(signer, ev.keyVersion, defining.logPosition);
  if (activity.activity === 'compromised') {
    const from = findKey(signer, ev.keyVersion)?.compromisedFrom?.logPosition;
    throw new Invalid(reason('KEY_COMPROMISED', `${signer.departmentId} key version ${ev.keyVersion} is void from log position ${from}; the event is at ${defining.logPosition}`));
  }
  if (activity.activity === 'retired') throw new Invalid(reason('KEY_RETIRED', `${signer.departmentId} key version ${ev.keyVersion}`));
  if (activity.activity !== 'active' || activity.key === undefined) throw new Invalid(reason('KEY_UNKNOWN', `${signer.departmentId} key version ${ev.keyVersion}`));
  if (!verifyEd25519Noble(activity.key.publicKey, evId, b.event!.signature)) throw new Invalid(reason('BAD_EVENT_SIGNATURE'));

  // 7. the inclusion proof against the header's log root and size
  const inc = verifyInclusion(leafHash(evId), defining.logPosition, header.logSize, inclusionPath, header.logRoot);
  if (!inc.ok) throw new Invalid(reason('INCLUSION_INVALID', describeMerkleCheck(inc)));
  checkConsistency(b, header, options, result);

  // 8. status, from the state record
  const notes: Reason[] = [];
  if (signer.suspended) notes.push(reason('ISSUER_SUSPENDED', signer.departmentId));
  if (kind === 'certificate') notes.push(...encumbranceNotes(record as CertificateRecord));
  const defSummary = { eventId: toHex(defining.eventId), height: defining.height.toString(), logPosition: defining.logPosition.toString(), kind: eventKind };
  let status: { verdict: Verdict; reasons: Reason[] };
  if (kind === 'certificate') {
    const c = record as CertificateRecord;
    result.summary = certificateSummary(c, signer, defSummary);
    status = certificateStatus(c, options.nowMs);
  } else {
    const gr = record as GrantRecord;
    result.summary = grantSummary(gr, signer, grantee, defSummary);
    status = grantStatus(gr, options.nowMs);
  }

  // 9. the reader's own checks
  const own: Reason[] = [];
  if (kind === 'certificate') ownCertificateChecks(record as CertificateRecord, options, result, own);
  else ownGrantChecks(record as GrantRecord, options, result, own);
  if (own.length > 0) {
    result.verdict = 'INVALID';
    result.reasons = [...own, ...status.reasons];
    result.notes = notes;
    return;
  }
  decide(result, options, header, status.reasons, notes, status.verdict);
}

/**
 * STALE overrides the status (the status may have changed since); INVALID was decided before.
 * Notes (ISSUER_SUSPENDED, HEADER_IN_FUTURE) never change the verdict and go to `notes`, never to
 * `reasons`, so that a VALID verdict has no reasons at all (docs/proof-format.md step 8).
 */
function decide(result: VerifyResult, options: VerifyOptions, header: BlockHeader, reasons: Reason[], notes: Reason[], verdict: Verdict): void {
  result.notes = notes;
  if (options.maxAgeMs === undefined) {
    result.verdict = verdict;
    result.reasons = reasons;
    return;
  }
  // the age in u64 arithmetic: only when the header time is not after the reader's
  if (header.blockTimeMs > options.nowMs) result.notes = [...notes, reason('HEADER_IN_FUTURE', `header time ${header.blockTimeMs}, reader time ${options.nowMs}`)];
  else if (options.nowMs - header.blockTimeMs > options.maxAgeMs) {
    result.verdict = 'STALE';
    result.reasons = [reason('STALE', `header time ${header.blockTimeMs}, reader time ${options.nowMs}, maximum age ${options.maxAgeMs} ms`), ...reasons];
    return;
  }
  result.verdict = verdict;
  result.reasons = reasons;
}

function checkConsistencyShape(c: BundleConsistency, logSize: bigint): void {
  if (c.fromLogSize < 1n || c.fromLogSize >= logSize) {
    throw new Invalid(reason('CONSISTENCY_INVALID', `from_log_size ${c.fromLogSize} is not between 1 and the header's log size ${logSize} (exclusive)`));
  }
  const hashes = c.path.length / 32;
  // a log size beyond 2^53 cannot be a real log (section 4.5's limits); refuse rather than round
  const implied = logSize <= BigInt(Number.MAX_SAFE_INTEGER) ? consistencyRanges(Number(c.fromLogSize), Number(logSize)).length : -1;
  if (c.path.length % 32 !== 0 || hashes !== implied) {
    throw new Invalid(reason('CONSISTENCY_INVALID', `path of ${c.path.length} bytes; from ${c.fromLogSize} to ${logSize} it is ${implied * 32} bytes`));
  }
}

/**
 * The witnessed field's shape (docs/proof-format.md section 9), checked with or without a policy:
 * a log size at or after the header's, a 32-byte root, exactly the consistency hashes RFC 9162
 * implies (none at the header's size), one to 64 cosignatures in strictly increasing 4-byte key
 * id, each a u63 timestamp and a 64-byte signature.
 */
function checkWitnessedShape(w: NonNullable<ProofBundle['witnessed']>, logSize: bigint): void {
  const bad = (why: string) => new Invalid(reason('MALFORMED', `witnessed: ${why}`));
  if (w.logSize < logSize) throw bad(`log size ${w.logSize} is before the header's ${logSize}`);
  if (w.logRoot.length !== 32) throw bad('log_root is not 32 bytes');
  const implied = w.logSize === logSize || logSize === 0n ? 0 : w.logSize <= BigInt(Number.MAX_SAFE_INTEGER) ? consistencyRanges(Number(logSize), Number(w.logSize)).length : -1;
  if (w.consistencyPath.length !== implied * 32) throw bad(`consistency_path of ${w.consistencyPath.length} bytes; from ${logSize} to ${w.logSize} it is ${implied * 32} bytes`);
  if (w.cosignatures.length === 0 || w.cosignatures.length > 64) throw bad('1 to 64 cosignatures');
  let last = '';
  for (const c of w.cosignatures) {
    if (c.keyId.length !== 4 || c.signature.length !== 64 || c.timestamp > MAX_TIMESTAMP) throw bad('a cosignature is a 4-byte key id, a timestamp below 2^63 and a 64-byte signature');
    const id = toHex(c.keyId);
    if (id <= last) throw bad('cosignatures are not in strictly increasing key id');
    last = id;
  }
}

function checkConsistency(b: ProofBundle, header: BlockHeader, options: VerifyOptions, result: VerifyResult): void {
  const cp = options.checkpoint;
  if (cp === undefined) return;
  if (cp.logSize === header.logSize) {
    result.checks.consistency = bytesEqual(cp.logRoot, header.logRoot) ? 'passed' : 'failed';
  } else if (b.consistency === undefined || b.consistency.fromLogSize !== cp.logSize) {
    result.checks.consistency = 'failed';
    throw new Invalid(reason('CONSISTENCY_MISSING', `checkpoint size ${cp.logSize}`));
  } else {
    const path = splitPath(b.consistency.path);
    result.checks.consistency = path !== undefined && verifyConsistency(cp.logSize, header.logSize, cp.logRoot, header.logRoot, path).ok ? 'passed' : 'failed';
  }
  if (result.checks.consistency === 'failed') throw new Invalid(reason('CONSISTENCY_INVALID', `from size ${cp.logSize} to ${header.logSize}`));
}

const CERT_EVENTS: Record<string, readonly number[]> = {
  certificateIssued: [CertificateStatus.CERTIFICATE_ISSUED],
  certificateAmended: [CertificateStatus.CERTIFICATE_ISSUED],
  certificateTransferred: [CertificateStatus.CERTIFICATE_ISSUED],
  certificateRevoked: [CertificateStatus.CERTIFICATE_REVOKED],
};
const GRANT_EVENTS: Record<string, readonly number[]> = {
  shareRequested: [GrantStatus.GRANT_REQUESTED],
  shareGranted: [GrantStatus.GRANT_GRANTED],
  shareDenied: [GrantStatus.GRANT_DENIED],
  shareRevoked: [GrantStatus.GRANT_REVOKED],
};

/** The defining event is of a kind that sets this record, about this id, by the department the record names. */
function checkEventMatchesRecord(kind: BundleKind, record: CertificateRecord | GrantRecord, ev: EventBody, eventKind: string): void {
  const payload = (ev as unknown as Record<string, Record<string, unknown> | undefined>)[eventKind];
  if (kind === 'certificate') {
    const c = record as CertificateRecord;
    const statuses = CERT_EVENTS[eventKind];
    if (statuses === undefined || !statuses.includes(c.status) || payload?.certificateId !== c.certificateId) throw new Invalid(reason('EVENT_KIND_MISMATCH', eventKind));
    if (ev.departmentId !== c.issuerDepartmentId) throw new Invalid(reason('SIGNER_MISMATCH', `${ev.departmentId} signed; the issuer is ${c.issuerDepartmentId}`));
  } else {
    const gr = record as GrantRecord;
    const statuses = GRANT_EVENTS[eventKind];
    if (statuses === undefined || !statuses.includes(gr.status) || payload?.requestId !== gr.requestId) throw new Invalid(reason('EVENT_KIND_MISMATCH', eventKind));
    const expected = gr.status === GrantStatus.GRANT_REQUESTED ? gr.requesterDepartmentId : gr.grantorDepartmentId;
    if (ev.departmentId !== expected) throw new Invalid(reason('SIGNER_MISMATCH', `${ev.departmentId} signed; the record names ${expected}`));
  }
}

function certificateStatus(c: CertificateRecord, now: bigint): { verdict: Verdict; reasons: Reason[] } {
  if (c.status === CertificateStatus.CERTIFICATE_REVOKED) return { verdict: 'REVOKED', reasons: [reason('CERTIFICATE_REVOKED', c.revocationReason)] };
  // DESIGN.md section 6: expired when valid_until <= t (0 = no expiry)
  if (c.validUntilMs !== 0n && c.validUntilMs <= now) return { verdict: 'EXPIRED', reasons: [reason('CERTIFICATE_EXPIRED', `valid until ${c.validUntilMs}`)] };
  return { verdict: 'VALID', reasons: [] };
}

function grantStatus(gr: GrantRecord, now: bigint): { verdict: Verdict; reasons: Reason[] } {
  switch (gr.status) {
    case GrantStatus.GRANT_REVOKED:
      return { verdict: 'REVOKED', reasons: [reason('GRANT_REVOKED')] };
    case GrantStatus.GRANT_DENIED:
      return { verdict: 'INVALID', reasons: [reason('GRANT_DENIED')] };
    case GrantStatus.GRANT_GRANTED:
      break;
    default:
      return { verdict: 'INVALID', reasons: [reason('GRANT_NOT_GRANTED')] };
  }
  const position = grantWindowAt(gr.validFromMs, gr.validUntilMs, now);
  if (position === 'not_yet') return { verdict: 'INVALID', reasons: [reason('GRANT_NOT_YET_ACTIVE', `from ${gr.validFromMs}`)] };
  if (position === 'ended') return { verdict: 'EXPIRED', reasons: [reason('GRANT_EXPIRED', `until ${gr.validUntilMs}`)] };
  if (gr.maxUses !== 0n && gr.uses >= gr.maxUses) return { verdict: 'EXPIRED', reasons: [reason('GRANT_EXHAUSTED', `${gr.uses} of ${gr.maxUses} uses`)] };
  return { verdict: 'VALID', reasons: [] };
}

/** The encumbrance notes of step 8: the seizure warning first (a lender must not miss it), then the mortgages. */
function encumbranceNotes(c: CertificateRecord): Reason[] {
  const out: Reason[] = [];
  const seizures = c.encumbrances.filter((e) => e.kind === EncumbranceKind.SEIZURE);
  const mortgages = c.encumbrances.filter((e) => e.kind === EncumbranceKind.MORTGAGE);
  if (seizures.length > 0) out.push(reason('SEIZED', seizures.map((e) => `rank ${e.rank} by ${e.rightHolderDepartmentId} (case ${e.caseNumber}) since ${e.sinceMs}`).join('; ')));
  if (mortgages.length > 0) {
    out.push(reason('MORTGAGED', mortgages.map((e) => `rank ${e.rank} to ${e.rightHolderDepartmentId}${e.amountYuan > 0n ? `, ${e.amountYuan} yuan` : ''} since ${e.sinceMs}`).join('; ')));
  }
  return out;
}

function ownCertificateChecks(c: CertificateRecord, options: VerifyOptions, result: VerifyResult, own: Reason[]): void {
  if (options.holder !== undefined) {
    const h = checkHolder(options.holder.id, options.holder.salt, c.holderCommitment);
    result.checks.holder = h.ok ? 'passed' : 'failed';
    // rules version 2 keeps the previous holder's commitment: the person who held the
    // certificate before its transfer is told so, with the transfer's time (issue 24)
    if (!h.ok && c.previousHolderCommitment.length === 32 && checkHolder(options.holder.id, options.holder.salt, c.previousHolderCommitment).ok) {
      own.push(reason('SUPERSEDED', `transferred at ${c.transferredAtMs} (block ${c.definingEvent?.height ?? '?'})`));
    } else if (!h.ok) own.push(reason('NOT_HOLDER', h.code));
  }
  if (options.disclosed !== undefined) {
    const d = checkDisclosure(options.disclosed, { attributesRoot: c.attributesRoot, attributeNames: c.attributeNames, certificateId: c.certificateId });
    result.checks.attributes = d.ok ? 'passed' : 'failed';
    if (d.ok) result.disclosed = d.disclosed;
    else own.push(reason('DISCLOSURE_INVALID', d.code));
  }
  if (options.documentSha256 !== undefined) {
    const ok = options.documentSha256 instanceof Uint8Array && bytesEqual(options.documentSha256, c.documentSha256);
    result.checks.document = ok ? 'passed' : 'failed';
    if (!ok) own.push(reason('DOCUMENT_MISMATCH'));
  }
  if (options.fields !== undefined) {
    result.checks.fields = 'failed';
    own.push(reason('NOT_APPLICABLE', 'fields are checked on grants'));
  }
}

function ownGrantChecks(gr: GrantRecord, options: VerifyOptions, result: VerifyResult, own: Reason[]): void {
  if (options.fields !== undefined) {
    const granted = new Set(gr.grantedFields);
    const missing = Array.isArray(options.fields) ? options.fields.filter((f) => !granted.has(f)) : ['?'];
    result.checks.fields = missing.length === 0 ? 'passed' : 'failed';
    if (missing.length > 0) own.push(reason('FIELDS_NOT_COVERED', missing.join(', ')));
  }
  const na = (what: 'holder' | 'attributes' | 'document') => {
    result.checks[what] = 'failed';
    own.push(reason('NOT_APPLICABLE', `${what} is checked on certificates`));
  };
  if (options.holder !== undefined) na('holder');
  if (options.disclosed !== undefined) na('attributes');
  if (options.documentSha256 !== undefined) na('document');
}

/** For an absent record the reader's checks cannot pass: they are marked failed, and the verdict stays UNKNOWN. */
function notApplicable(options: VerifyOptions, result: VerifyResult): void {
  if (options.holder !== undefined) result.checks.holder = 'failed';
  if (options.disclosed !== undefined) result.checks.attributes = 'failed';
  if (options.documentSha256 !== undefined) result.checks.document = 'failed';
  if (options.fields !== undefined) result.checks.fields = 'failed';
}

const CERT_STATUS_NAME = { [CertificateStatus.CERTIFICATE_ISSUED]: 'ISSUED', [CertificateStatus.CERTIFICATE_REVOKED]: 'REVOKED' } as Record<number, 'ISSUED' | 'REVOKED'>;
const GRANT_STATUS_NAME = {
  [GrantStatus.GRANT_REQUESTED]: 'REQUESTED',
  [GrantStatus.GRANT_GRANTED]: 'GRANTED',
  [GrantStatus.GRANT_DENIED]: 'DENIED',
  [GrantStatus.GRANT_REVOKED]: 'REVOKED',
} as Record<number, GrantSummary['status']>;

/**
 * How a reader shows a certificate's type (issue 24): "不动产权证书 (BDC)" when the record names it
 * (its `certificate_type_name`, proved with the record), else the code alone. One wording for
 * `ledger verify` and the reader page.
 */
export function certificateTypeLabel(s: Pick<CertificateSummary, 'certificateTypeId' | 'certificateTypeName'>): string {
  return s.certificateTypeName === '' ? s.certificateTypeId : `${s.certificateTypeName} (${s.certificateTypeId})`;
}

function certificateSummary(c: CertificateRecord, signer: DepartmentRecord, defining: CertificateSummary['definingEvent']): CertificateSummary {
  return {
    kind: 'certificate',
    certificateId: c.certificateId,
    certificateTypeId: c.certificateTypeId,
    certificateTypeName: c.certificateTypeName,
    issuerDepartmentId: c.issuerDepartmentId,
    issuerName: signer.name,
    issuerSuspended: signer.suspended,
    status: CERT_STATUS_NAME[c.status] ?? 'ISSUED',
    revocationReason: c.revocationReason,
    validUntilMs: c.validUntilMs.toString(),
    attributeNames: [...c.attributeNames],
    documentSha256: toHex(c.documentSha256),
    holderCommitment: toHex(c.holderCommitment),
    definingEvent: defining,
    encumbrances: c.encumbrances.map((e) => ({
      kind: e.kind === EncumbranceKind.SEIZURE ? 'SEIZURE' : 'MORTGAGE',
      rank: e.rank,
      rightHolderDepartmentId: e.rightHolderDepartmentId,
      amountYuan: e.amountYuan.toString(),
      sinceMs: e.sinceMs.toString(),
      caseNumber: e.caseNumber,
    })),
    seized: c.encumbrances.some((e) => e.kind === EncumbranceKind.SEIZURE),
    transferredAtMs: c.transferredAtMs.toString(),
  };
}

function grantSummary(gr: GrantRecord, signer: DepartmentRecord, grantee: DepartmentRecord | undefined, defining: GrantSummary['definingEvent']): GrantSummary {
  return {
    kind: 'grant',
    grantId: gr.requestId,
    granteeDepartmentId: gr.requesterDepartmentId,
    granteeName: gr.requesterDepartmentId === signer.departmentId ? signer.name : (grantee?.name ?? ''),
    grantorDepartmentId: gr.grantorDepartmentId,
    grantorName: gr.grantorDepartmentId === signer.departmentId ? signer.name : '',
    grantorSuspended: gr.grantorDepartmentId === signer.departmentId && signer.suspended,
    resourceId: gr.resourceId,
    purpose: gr.purpose,
    status: GRANT_STATUS_NAME[gr.status] ?? 'REQUESTED',
    requestedFields: [...gr.requestedFields],
    grantedFields: [...gr.grantedFields],
    validFromMs: gr.validFromMs.toString(),
    validUntilMs: gr.validUntilMs.toString(),
    maxUses: gr.maxUses.toString(),
    uses: gr.uses.toString(),
    usesLeft: gr.maxUses === 0n ? null : (gr.maxUses > gr.uses ? gr.maxUses - gr.uses : 0n).toString(),
    definingEvent: defining,
  };
}
