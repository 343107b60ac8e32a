/**
 * @module ledger/state-records
 * The state records of DESIGN.md section 9 (protobuf messages in proto/ledger.proto): their
 * canonical encodings, value hashes, the genesis records, and the key-activity rule of DESIGN.md
 * section 5 (a key version is judged by the log position an event takes).
 * Pure: no Node imports (the verifier decodes records from bundles with it).
 */
import { decode, encode } from '../proto/codec.js';
import { DEFAULT_LIMITS, type DecodeLimits } from '../proto/limits.js';
import {
  CertificateStatus,
  type CertificateIssued,
  type CertificateRecord,
  type ConsentRecord,
  type DefiningEvent,
  type DepartmentKey,
  type DepartmentRecord,
  type Encumbrance,
  type Genesis,
  type CertificateTypeRecord,
  type GrantRecord,
  type ResourceRecord,
} from '../proto/schema.generated.js';
import { recordValueHash, type StateType } from './state-tree-verify.js';

export { recordValueHash, type StateType };

/** The protobuf message of each state type. */
export const RECORD_MESSAGE = {
  dept: 'DepartmentRecord',
  resource: 'ResourceRecord',
  grant: 'GrantRecord',
  cert: 'CertificateRecord',
  consent: 'ConsentRecord',
  ctype: 'CertificateTypeRecord',
} as const;

export interface RecordTypes {
  dept: DepartmentRecord;
  resource: ResourceRecord;
  grant: GrantRecord;
  cert: CertificateRecord;
  consent: ConsentRecord;
  ctype: CertificateTypeRecord;
}
export type RecordOf<T extends StateType> = RecordTypes[T];
export type AnyRecord = RecordTypes[StateType];

/** The canonical bytes of a record (what its value hash is over). */
export function encodeRecord<T extends StateType>(type: T, record: RecordOf<T>): Uint8Array {
  return encode(RECORD_MESSAGE[type], record as never);
}

/** Decodes a record strictly (canonical bytes, limits). @throws LedgerError on malformed bytes */
export function decodeRecord<T extends StateType>(type: T, bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): RecordOf<T> {
  return decode(RECORD_MESSAGE[type], bytes, limits) as unknown as RecordOf<T>;
}

/** The id a record is keyed by. */
export function recordId<T extends StateType>(type: T, record: RecordOf<T>): string {
  switch (type) {
    case 'dept':
      return (record as DepartmentRecord).departmentId;
    case 'resource':
      return (record as ResourceRecord).resourceId;
    case 'grant':
      return (record as GrantRecord).requestId;
    case 'consent':
      return (record as ConsentRecord).consentId;
    case 'ctype':
      return (record as CertificateTypeRecord).certificateTypeId;
    default:
      return (record as CertificateRecord).certificateId;
  }
}

/** The in-memory and storage key of a record: `type/id` (ids never contain `/`). */
export function recordKey(type: StateType, id: string): string {
  return `${type}/${id}`;
}

/** Splits a `type/id` record key. */
export function splitRecordKey(key: string): [StateType, string] {
  const at = key.indexOf('/');
  return [key.slice(0, at) as StateType, key.slice(at + 1)];
}

/**
 * The genesis authorities as department records (DESIGN.md section 5): the right `govern`, key
 * version 1 active from log position 0, next sequence 1, no defining event (they are defined by
 * block 0). They enter the state with block 1.
 */
export function genesisDepartments(genesis: Genesis): DepartmentRecord[] {
  return genesis.authorities.map((a) => ({
    departmentId: a.departmentId,
    name: a.name,
    keys: [{ version: 1, publicKey: a.publicKey, activatedAt: 0n, retiredAt: 0n }],
    rights: { certificateTypeIds: [], resourceIds: [], govern: true, seize: false, audit: false },
    suspended: false,
    nextSequence: 1n,
  }));
}

export type KeyActivity = 'active' | 'unknown' | 'retired' | 'compromised';

/**
 * Whether key `version` of `dept` may sign an event at log position `position` (DESIGN.md
 * section 5): it exists and was activated at or before the position, it was not retired at or
 * before it, and it is not compromised from the position or earlier.
 */
export function keyActivityAt(dept: DepartmentRecord, version: number, position: bigint): { activity: KeyActivity; key?: DepartmentKey } {
  const key = findKey(dept, version);
  if (key === undefined || key.activatedAt > position) return { activity: 'unknown' };
  if (key.compromisedFrom !== undefined && key.compromisedFrom.logPosition <= position) return { activity: 'compromised', key };
  if (key.retiredAt !== 0n && key.retiredAt <= position) return { activity: 'retired', key };
  return { activity: 'active', key };
}

/** A log position after every recorded one: keyActivityAt there says whether a key signs from now on. */
export const LATEST_POSITION = 0xffff_ffff_ffff_ffffn;

/**
 * Whether an event that key `version` signed at `position` is void because the key was declared
 * compromised from that position or earlier (reason KEY_COMPROMISED for the verifier, the
 * auditor and the queries).
 */
export function isVoidAt(dept: DepartmentRecord, version: number, position: bigint): boolean {
  const key = findKey(dept, version);
  return key?.compromisedFrom !== undefined && key.compromisedFrom.logPosition <= position;
}

/**
 * The first key of `dept.keys` with that version. The rules write keys in increasing version from
 * 1, so a version occurs once; a record where it occurs twice (which only a forged record can be)
 * is read by its first entry, one rule for every reader (docs/proof-format.md step 6).
 */
export function findKey(dept: DepartmentRecord, version: number): DepartmentKey | undefined {
  return dept.keys.find((x) => x.version === version);
}

export function definingEvent(eventId: Uint8Array, height: bigint, logPosition: bigint): DefiningEvent {
  return { eventId, height, logPosition };
}

/**
 * The record a CertificateIssued event sets (DESIGN.md section 9): its fields, the signer as the
 * issuer, status ISSUED, no revocation reason, the event as the defining one. One definition for
 * the issue rule (ledger/rules/certificates.ts) and the bundle's compact form, which derives the
 * record from the event (verifier/bundle-compact.ts): the two must agree byte for byte. The
 * compact form adds the certificate's current encumbrances (rules version 2), which do not
 * change the defining event.
 */
export function issuedCertificateRecord(issuerDepartmentId: string, p: CertificateIssued, defining: DefiningEvent, encumbrances: Encumbrance[] = []): CertificateRecord {
  return {
    certificateId: p.certificateId,
    certificateTypeId: p.certificateTypeId,
    issuerDepartmentId,
    holderCommitment: p.holderCommitment,
    attributesRoot: p.attributesRoot,
    attributeNames: p.attributeNames,
    documentSha256: p.documentSha256,
    validUntilMs: p.validUntilMs,
    status: CertificateStatus.CERTIFICATE_ISSUED,
    revocationReason: '',
    definingEvent: defining,
    certificateTypeName: p.certificateTypeName,
    encumbrances,
    previousHolderCommitment: new Uint8Array(0),
    transferredAtMs: 0n,
  };
}
