/**
 * @module ledger/projections
 * The projections of DESIGN.md section 9 that the state records do not already answer: pure folds
 * over the committed events, written by the consensus core's commit hook into the block's one
 * atomic LevelDB batch (DESIGN.md section 8), in their own sublevels of the node's database,
 * outside the state tree. `ledger rebuild` replays them from block 0 and compares them byte for
 * byte, so every value is a deterministic function of the chain (ledger/projection-records.ts).
 *
 * Tables (sublevel: key -> value; `at` = u64 height || u32 index of an included event):
 *  - `proj-meta`:              `height` -> u64 height of the last block folded in; `format` -> u8
 *  - `proj-cert`:              certificate id -> issuer, holder commitment and since when, issued at
 *  - `proj-cert-history`:      certificate id || 0 || at -> every issue, amend, transfer or revoke
 *                              event naming it, with its result code (rejected attempts included)
 *  - `proj-cert-by-issuer`:    issuer || 0 || at of the issue -> certificate id
 *  - `proj-cert-by-holder`:    holder commitment || at it became holder -> certificate id (current holders)
 *  - `proj-grant-history`:     request id || 0 || at -> every request, grant, denial, revocation naming it
 *  - `proj-grant-by-grantee`:  requester || 0 || at of the request -> request id
 *  - `proj-grant-by-resource`: resource || 0 || at of the request -> request id
 *  - `proj-resource`:          resource id -> source, share type (to move the share-type index)
 *  - `proj-resource-by-type`:  u8 share type || resource id -> (stamp)
 *  - `proj-resource-by-source`: source || 0 || resource id -> (stamp)
 *  - `proj-access`:            at -> the decoded AccessRecorded with its result code (all included)
 *  - `proj-access-by-resource` / `-by-grantee` / `-by-grant`: id || 0 || at -> (stamp)
 *  - `proj-access-by-subject`: subject commitment || at -> (stamp)
 *  - `proj-rejected`:          at -> an included event whose code is not OK (department, code,
 *                              payload case, subject, log position, record time, event id)
 *  - `proj-rejected-by-dept`:  department || 0 || at -> (stamp);  `proj-rejected-by-code`: u16 code || at -> (stamp)
 * Departments (with key history), resources, grants and certificates as they stand are the state
 * records (ledger/state-records.ts), read from the StateStore by ledger/queries.ts.
 */
import { decode } from '../proto/codec.js';
import { DEFAULT_LIMITS, type DecodeLimits } from '../proto/limits.js';
import type { EventBody, SignedEvent } from '../proto/schema.generated.js';
import { toHex, u64be, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { atBytes, concat, idPrefix, keyAt, RecordReader, RecordWriter, type ChainAt } from './projection-records.js';
import { RESULT } from './result-codes.js';
import type { Fate, PayloadCase } from './state-machine.js';
import type { AnyDb, AnySublevel } from './state-store.js';
import { DIRECT_READS, type KeyReader } from './staged-writes.js';
import type { StateType } from './state-records.js';

export const PROJECTIONS_FORMAT = 1;

/**
 * An included event as the consensus core hands it to its commit hooks (structurally the
 * core's CommittedEvent: ledger/ stays below consensus/, DESIGN.md section 12).
 */
export interface ProjectedEvent {
  event: SignedEvent;
  fate: Extract<Fate, { kind: 'include' }>;
  offset: bigint;
  recordTime: bigint;
  /** The body as the state machine decoded it, if the caller has it (else it is decoded here). */
  body?: EventBody;
}

/** One operation of the block's atomic batch (structurally the core's ChainWrite). */
export interface ProjectionWrite {
  type: 'put' | 'del';
  sublevel: AnySublevel;
  key: Uint8Array;
  value?: Uint8Array;
}

/** Every projection sublevel, in the order rebuild compares them. */
export const PROJECTION_TABLES = [
  'proj-meta',
  'proj-cert',
  'proj-cert-history',
  'proj-cert-by-issuer',
  'proj-cert-by-holder',
  'proj-grant-history',
  'proj-grant-by-grantee',
  'proj-grant-by-resource',
  'proj-resource',
  'proj-resource-by-type',
  'proj-resource-by-source',
  'proj-access',
  'proj-access-by-resource',
  'proj-access-by-grantee',
  'proj-access-by-grant',
  'proj-access-by-subject',
  'proj-rejected',
  'proj-rejected-by-dept',
  'proj-rejected-by-code',
] as const;
export type ProjectionTable = (typeof PROJECTION_TABLES)[number];

/**
 * Payload cases by their EventBody field numbers (proto/ledger.proto): stable, since field numbers
 * are never reused, so they can be stored.
 */
export const PAYLOAD_NUMBER: Readonly<Record<PayloadCase, number>> = {
  departmentRegistered: 10,
  departmentKeyRotated: 11,
  keyCompromised: 12,
  departmentSuspended: 13,
  departmentReinstated: 14,
  resourceRegistered: 20,
  resourceUpdated: 21,
  resourceVersionPublished: 22,
  shareRequested: 30,
  shareGranted: 31,
  shareDenied: 32,
  shareRevoked: 33,
  accessRecorded: 40,
  consentRecorded: 41,
  exchangeRead: 42,
  certificateIssued: 50,
  certificateAmended: 51,
  certificateTransferred: 52,
  certificateRevoked: 53,
  mortgageRegistered: 54,
  mortgageReleased: 55,
  seizureRegistered: 56,
  seizureLifted: 57,
  certificateVerified: 58,
  certificateTypeRegistered: 59,
};
const PAYLOAD_BY_NUMBER = new Map<number, PayloadCase>(Object.entries(PAYLOAD_NUMBER).map(([k, v]) => [v, k as PayloadCase]));

const SUBJECT_NUMBER: Readonly<Record<StateType, number>> = { dept: 1, resource: 2, grant: 3, cert: 4, consent: 5, ctype: 6 };
const SUBJECT_BY_NUMBER: readonly (StateType | undefined)[] = [undefined, 'dept', 'resource', 'grant', 'cert', 'consent', 'ctype'];

// ---------------------------------------------------------------------------------------------
// What the tables hold, decoded

/** An included event as the projections keep it. */
export interface EventRef {
  at: ChainAt;
  eventId: Uint8Array;
  logPosition: bigint;
  recordTime: bigint;
  /** The signing department. */
  departmentId: string;
  keyVersion: number;
  /** Its result code (ledger/result-codes.ts); 0 = OK. */
  code: number;
  payload: PayloadCase;
}

/** One issue, amend, transfer or revoke event naming a certificate (only its payload's fields are set). */
export interface CertificateEvent extends EventRef {
  certificateId: string;
  certificateTypeId: string;
  holderCommitment: Uint8Array;
  attributesRoot: Uint8Array;
  attributeNames: string[];
  documentSha256: Uint8Array;
  validUntilMs: bigint;
  reason: string;
}

/** One request, grant, denial or revocation naming a request id. */
export interface GrantEvent extends EventRef {
  requestId: string;
  resourceId: string;
  purpose: string;
  fields: string[];
  validFromMs: bigint;
  validUntilMs: bigint;
  maxUses: bigint;
  reason: string;
}

/** One AccessRecorded, OK or rejected; `departmentId` is the reader (the grantee). */
export interface AccessRecord extends EventRef {
  resourceId: string;
  grantId: string;
  fields: string[];
  purpose: string;
  subjectCommitment: Uint8Array;
  recordCount: bigint;
}

/** An included event whose code is not OK (DESIGN.md section 6: rejected attempts are kept). */
export interface RejectedAttempt extends EventRef {
  subject: { type: StateType; id: string } | undefined;
}

export interface CertificateSummary {
  at: ChainAt;
  issuerDepartmentId: string;
  holderCommitment: Uint8Array;
  /** The event that made the current holder the holder (issue or transfer). */
  holderSince: ChainAt;
  issuedAt: ChainAt;
}

export interface ResourceSummary {
  at: ChainAt;
  sourceDepartmentId: string;
  shareType: number;
}

// ---------------------------------------------------------------------------------------------
// Encodings

function writeRef(r: EventRef): RecordWriter {
  return new RecordWriter(r.at, 256)
    .bytes(r.eventId)
    .u64(r.logPosition)
    .u64(r.recordTime)
    .str(r.departmentId)
    .u32(r.keyVersion)
    .u16(r.code)
    .u8(PAYLOAD_NUMBER[r.payload]);
}

function readRef(bytes: Uint8Array): { r: RecordReader; ref: EventRef } {
  const r = new RecordReader(bytes);
  const eventId = r.bytes();
  const logPosition = r.u64();
  const recordTime = r.u64();
  const departmentId = r.str();
  const keyVersion = r.u32();
  const code = r.u16();
  const payload = PAYLOAD_BY_NUMBER.get(r.u8());
  if (payload === undefined) throw new LedgerError('STORE_FORMAT', 'a projection record names an unknown payload case', {});
  return { r, ref: { at: r.at, eventId, logPosition, recordTime, departmentId, keyVersion, code, payload } };
}

export function encodeCertificateEvent(e: CertificateEvent): Uint8Array {
  return writeRef(e)
    .str(e.certificateId)
    .str(e.certificateTypeId)
    .bytes(e.holderCommitment)
    .bytes(e.attributesRoot)
    .strs(e.attributeNames)
    .bytes(e.documentSha256)
    .u64(e.validUntilMs)
    .str(e.reason)
    .finish();
}

export function decodeCertificateEvent(bytes: Uint8Array): CertificateEvent {
  const { r, ref } = readRef(bytes);
  const e: CertificateEvent = {
    ...ref,
    certificateId: r.str(),
    certificateTypeId: r.str(),
    holderCommitment: r.bytes(),
    attributesRoot: r.bytes(),
    attributeNames: r.strs(),
    documentSha256: r.bytes(),
    validUntilMs: r.u64(),
    reason: r.str(),
  };
  r.end();
  return e;
}

export function encodeGrantEvent(e: GrantEvent): Uint8Array {
  return writeRef(e).str(e.requestId).str(e.resourceId).str(e.purpose).strs(e.fields).u64(e.validFromMs).u64(e.validUntilMs).u64(e.maxUses).str(e.reason).finish();
}

export function decodeGrantEvent(bytes: Uint8Array): GrantEvent {
  const { r, ref } = readRef(bytes);
  const e: GrantEvent = { ...ref, requestId: r.str(), resourceId: r.str(), purpose: r.str(), fields: r.strs(), validFromMs: r.u64(), validUntilMs: r.u64(), maxUses: r.u64(), reason: r.str() };
  r.end();
  return e;
}

export function encodeAccessRecord(e: AccessRecord): Uint8Array {
  return writeRef(e).str(e.resourceId).str(e.grantId).strs(e.fields).str(e.purpose).bytes(e.subjectCommitment).u64(e.recordCount).finish();
}

export function decodeAccessRecord(bytes: Uint8Array): AccessRecord {
  const { r, ref } = readRef(bytes);
  const e: AccessRecord = { ...ref, resourceId: r.str(), grantId: r.str(), fields: r.strs(), purpose: r.str(), subjectCommitment: r.bytes(), recordCount: r.u64() };
  r.end();
  return e;
}

export function encodeRejectedAttempt(e: RejectedAttempt): Uint8Array {
  const w = writeRef(e);
  if (e.subject === undefined) w.u8(0);
  else w.u8(SUBJECT_NUMBER[e.subject.type]).str(e.subject.id);
  return w.finish();
}

export function decodeRejectedAttempt(bytes: Uint8Array): RejectedAttempt {
  const { r, ref } = readRef(bytes);
  const t = r.u8();
  const type = SUBJECT_BY_NUMBER[t];
  if (t !== 0 && type === undefined) throw new LedgerError('STORE_FORMAT', 'a rejected attempt names an unknown subject type', {});
  const subject = type === undefined ? undefined : { type, id: r.str() };
  r.end();
  return { ...ref, subject };
}

function encodeCertificateSummary(s: CertificateSummary): Uint8Array {
  return new RecordWriter(s.at).str(s.issuerDepartmentId).bytes(s.holderCommitment).u64(s.holderSince.height).u32(s.holderSince.index).u64(s.issuedAt.height).u32(s.issuedAt.index).finish();
}

export function decodeCertificateSummary(bytes: Uint8Array): CertificateSummary {
  const r = new RecordReader(bytes);
  const s: CertificateSummary = { at: r.at, issuerDepartmentId: r.str(), holderCommitment: r.bytes(), holderSince: { height: r.u64(), index: r.u32() }, issuedAt: { height: r.u64(), index: r.u32() } };
  r.end();
  return s;
}

function encodeResourceSummary(s: ResourceSummary): Uint8Array {
  return new RecordWriter(s.at).str(s.sourceDepartmentId).u8(s.shareType).finish();
}

export function decodeResourceSummary(bytes: Uint8Array): ResourceSummary {
  const r = new RecordReader(bytes);
  const s: ResourceSummary = { at: r.at, sourceDepartmentId: r.str(), shareType: r.u8() };
  r.end();
  return s;
}

/** The value of an index entry: the changed-at stamp, then the id it points to (if any). */
function indexValue(at: ChainAt, id?: string): Uint8Array {
  return id === undefined ? atBytes(at) : new RecordWriter(at, 16 + id.length).str(id).finish();
}

/** The id an index entry points to. */
export function indexTarget(value: Uint8Array): string {
  const r = new RecordReader(value);
  const id = r.str();
  r.end();
  return id;
}

// ---------------------------------------------------------------------------------------------

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const META_HEIGHT = utf8('height');
const META_FORMAT = utf8('format');
const EMPTY = new Uint8Array(0);

export function codeKey(code: number): Uint8Array {
  return Uint8Array.of(code >>> 8, code & 0xff);
}

export interface ProjectionsOptions {
  /** The genesis limits the event bodies were decoded under (DESIGN.md section 5). */
  limits?: DecodeLimits;
  /** Where earlier blocks' summaries are read: LevelDB (default), or a replay's stage (ledger/staged-writes.ts). */
  reads?: KeyReader;
}

/** The projection tables of one database, and the commit hook that writes them. */
export class Projections {
  readonly tables: Readonly<Record<ProjectionTable, AnySublevel>>;
  private readonly limits: DecodeLimits;
  private readonly reads: KeyReader;

  private constructor(
    readonly db: AnyDb,
    opts: ProjectionsOptions,
  ) {
    const t = {} as Record<ProjectionTable, AnySublevel>;
    for (const name of PROJECTION_TABLES) t[name] = db.sublevel(name, VIEW) as AnySublevel;
    this.tables = t;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.reads = opts.reads ?? DIRECT_READS;
  }

  /**
   * Opens the projection tables in `db` (a node's database, or a sublevel of it for a rebuild).
   * @throws LedgerError STORE_FORMAT for another format version
   */
  static async open(db: AnyDb, opts: ProjectionsOptions = {}): Promise<Projections> {
    if (db.status !== 'open') await db.open();
    const p = new Projections(db, opts);
    const format = await p.tables['proj-meta'].get(META_FORMAT);
    if (format !== undefined && (format.length !== 1 || format[0] !== PROJECTIONS_FORMAT)) {
      throw new LedgerError('STORE_FORMAT', `the projections have format ${format[0]}; this build reads ${PROJECTIONS_FORMAT} (run ledger rebuild --apply)`, {});
    }
    return p;
  }

  /** The height of the last block folded into the projections (0 = none). */
  async height(): Promise<bigint> {
    const h = await this.tables['proj-meta'].get(META_HEIGHT);
    return h === undefined ? 0n : new DataView(h.buffer, h.byteOffset, h.byteLength).getBigUint64(0, false);
  }

  /** The commit hook for NodeCore's `hooks` option (a consensus/node-core.ts CommitHook). */
  readonly hook = (c: { height: bigint; events: readonly ProjectedEvent[] }): Promise<ProjectionWrite[]> => this.writesFor(c.height, c.events);

  /**
   * The projection writes of block `height` (its included events in order), for the block's
   * atomic batch. Reads only what earlier blocks committed (certificate and resource summaries,
   * for transfers and share-type changes), so blocks MUST be folded in height order, each after
   * the previous one's batch is written (the core commits in height order).
   * @throws LedgerError INTERNAL when an included event's body does not decode (it did when it was cut)
   */
  async writesFor(height: bigint, events: readonly ProjectedEvent[]): Promise<ProjectionWrite[]> {
    const t = this.tables;
    const w: ProjectionWrite[] = [];
    const put = (table: ProjectionTable, key: Uint8Array, value: Uint8Array) => w.push({ type: 'put', sublevel: t[table], key, value });
    const del = (table: ProjectionTable, key: Uint8Array) => w.push({ type: 'del', sublevel: t[table], key });

    const bodies: EventBody[] = new Array(events.length);
    const certsNeeded = new Set<string>();
    const resourcesNeeded = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      let body: EventBody;
      try {
        body = e.body ?? decode('EventBody', e.event.body, this.limits);
      } catch (err) {
        throw new LedgerError('INTERNAL', `block ${height}: included event ${e.fate.index} does not decode`, { height: height.toString(), index: e.fate.index }, { cause: err });
      }
      bodies[i] = body;
      if (e.fate.code === RESULT.OK) {
        if (body.certificateTransferred) certsNeeded.add(body.certificateTransferred.certificateId);
        if (body.resourceUpdated) resourcesNeeded.add(body.resourceUpdated.resourceId);
      }
    }
    // Summaries of earlier blocks, then this block's changes on top (an overlay, in event order).
    const certs = new Map<string, CertificateSummary>();
    const resources = new Map<string, ResourceSummary>();
    if (certsNeeded.size > 0) {
      const ids = [...certsNeeded];
      const got = await this.reads.getMany(t['proj-cert'], ids.map(utf8));
      ids.forEach((id, i) => {
        const v = got[i];
        if (v !== undefined) certs.set(id, decodeCertificateSummary(v));
      });
    }
    if (resourcesNeeded.size > 0) {
      const ids = [...resourcesNeeded];
      const got = await this.reads.getMany(t['proj-resource'], ids.map(utf8));
      ids.forEach((id, i) => {
        const v = got[i];
        if (v !== undefined) resources.set(id, decodeResourceSummary(v));
      });
    }

    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const f = e.fate;
      const body = bodies[i]!;
      const at: ChainAt = { height, index: f.index };
      const ok = f.code === RESULT.OK;
      const ref: EventRef = { at, eventId: f.eventId, logPosition: f.logPosition, recordTime: e.recordTime, departmentId: f.departmentId, keyVersion: body.keyVersion, code: f.code, payload: f.payload };
      const stamp = atBytes(at);
      if (!ok) {
        put('proj-rejected', stamp, encodeRejectedAttempt({ at: ref.at, eventId: ref.eventId, logPosition: ref.logPosition, recordTime: ref.recordTime, departmentId: ref.departmentId, keyVersion: ref.keyVersion, code: ref.code, payload: ref.payload, subject: f.subject }));
        put('proj-rejected-by-dept', keyAt(idPrefix(f.departmentId), at), stamp);
        put('proj-rejected-by-code', keyAt(codeKey(f.code), at), stamp);
      }
      switch (f.payload) {
        case 'certificateIssued':
        case 'certificateAmended':
        case 'certificateTransferred':
        case 'certificateRevoked': {
          const ce = certificateEvent(ref, body);
          put('proj-cert-history', keyAt(idPrefix(ce.certificateId), at), encodeCertificateEvent(ce));
          if (!ok) break;
          if (f.payload === 'certificateIssued') {
            const s: CertificateSummary = { at, issuerDepartmentId: f.departmentId, holderCommitment: ce.holderCommitment, holderSince: at, issuedAt: at };
            certs.set(ce.certificateId, s);
            put('proj-cert', utf8(ce.certificateId), encodeCertificateSummary(s));
            put('proj-cert-by-issuer', keyAt(idPrefix(f.departmentId), at), indexValue(at, ce.certificateId));
            put('proj-cert-by-holder', keyAt(ce.holderCommitment, at), indexValue(at, ce.certificateId));
          } else if (f.payload === 'certificateTransferred') {
            // Only the issuer transfers (an OK transfer's signer is the issuer). A summary can be
            // missing only on a node whose projections started late: never fail the commit for
            // it; `ledger rebuild --apply` fills the projections in.
            const old = certs.get(ce.certificateId);
            const s: CertificateSummary = { ...(old ?? { issuerDepartmentId: f.departmentId, issuedAt: at }), at, holderCommitment: ce.holderCommitment, holderSince: at };
            certs.set(ce.certificateId, s);
            put('proj-cert', utf8(ce.certificateId), encodeCertificateSummary(s));
            if (old !== undefined) del('proj-cert-by-holder', keyAt(old.holderCommitment, old.holderSince));
            put('proj-cert-by-holder', keyAt(ce.holderCommitment, at), indexValue(at, ce.certificateId));
          }
          break;
        }
        case 'shareRequested':
        case 'shareGranted':
        case 'shareDenied':
        case 'shareRevoked': {
          const ge = grantEvent(ref, body);
          put('proj-grant-history', keyAt(idPrefix(ge.requestId), at), encodeGrantEvent(ge));
          if (ok && f.payload === 'shareRequested') {
            put('proj-grant-by-grantee', keyAt(idPrefix(f.departmentId), at), indexValue(at, ge.requestId));
            put('proj-grant-by-resource', keyAt(idPrefix(ge.resourceId), at), indexValue(at, ge.requestId));
          }
          break;
        }
        case 'resourceRegistered':
        case 'resourceUpdated': {
          if (!ok) break;
          const p = (body.resourceRegistered ?? body.resourceUpdated)!;
          // the source registers and only the source updates: an OK event's signer is the source
          const old = resources.get(p.resourceId);
          const source = old?.sourceDepartmentId ?? f.departmentId;
          const s: ResourceSummary = { at, sourceDepartmentId: source, shareType: p.shareType };
          resources.set(p.resourceId, s);
          put('proj-resource', utf8(p.resourceId), encodeResourceSummary(s));
          if (old !== undefined && old.shareType !== p.shareType) del('proj-resource-by-type', concat(Uint8Array.of(old.shareType), utf8(p.resourceId)));
          if (old === undefined || old.shareType !== p.shareType) put('proj-resource-by-type', concat(Uint8Array.of(p.shareType), utf8(p.resourceId)), stamp);
          if (old === undefined) put('proj-resource-by-source', concat(idPrefix(source), utf8(p.resourceId)), stamp); // (again, harmlessly, after a late start)
          break;
        }
        case 'accessRecorded': {
          const a = body.accessRecorded!;
          const rec: AccessRecord = { at: ref.at, eventId: ref.eventId, logPosition: ref.logPosition, recordTime: ref.recordTime, departmentId: ref.departmentId, keyVersion: ref.keyVersion, code: ref.code, payload: ref.payload, resourceId: a.resourceId, grantId: a.grantId, fields: a.fields, purpose: a.purpose, subjectCommitment: a.subjectCommitment, recordCount: a.recordCount };
          put('proj-access', stamp, encodeAccessRecord(rec));
          put('proj-access-by-resource', keyAt(idPrefix(a.resourceId), at), stamp);
          put('proj-access-by-grantee', keyAt(idPrefix(f.departmentId), at), stamp);
          if (a.grantId !== '') put('proj-access-by-grant', keyAt(idPrefix(a.grantId), at), stamp);
          put('proj-access-by-subject', keyAt(a.subjectCommitment, at), stamp);
          break;
        }
        default:
          break; // governance and dataset versions: the state records answer (departments, resources)
      }
    }
    put('proj-meta', META_HEIGHT, u64be(height));
    if (height === 1n) put('proj-meta', META_FORMAT, Uint8Array.of(PROJECTIONS_FORMAT));
    return w;
  }
}

function certificateEvent(ref: EventRef, body: EventBody): CertificateEvent {
  // Built field by field: object spreads of these records cost microseconds each (the replay
  // makes one per certificate event); the fields a payload lacks stay empty.
  const e: CertificateEvent = {
    at: ref.at,
    eventId: ref.eventId,
    logPosition: ref.logPosition,
    recordTime: ref.recordTime,
    departmentId: ref.departmentId,
    keyVersion: ref.keyVersion,
    code: ref.code,
    payload: ref.payload,
    certificateId: '',
    certificateTypeId: '',
    holderCommitment: EMPTY,
    attributesRoot: EMPTY,
    attributeNames: [],
    documentSha256: EMPTY,
    validUntilMs: 0n,
    reason: '',
  };
  if (body.certificateIssued) {
    const p = body.certificateIssued;
    e.certificateId = p.certificateId;
    e.certificateTypeId = p.certificateTypeId;
    e.holderCommitment = p.holderCommitment;
    e.attributesRoot = p.attributesRoot;
    e.attributeNames = p.attributeNames;
    e.documentSha256 = p.documentSha256;
    e.validUntilMs = p.validUntilMs;
  } else if (body.certificateAmended) {
    const p = body.certificateAmended;
    e.certificateId = p.certificateId;
    e.attributesRoot = p.attributesRoot;
    e.attributeNames = p.attributeNames;
    e.documentSha256 = p.documentSha256;
    e.validUntilMs = p.validUntilMs;
    e.reason = p.reason;
  } else if (body.certificateTransferred) {
    const p = body.certificateTransferred;
    e.certificateId = p.certificateId;
    e.holderCommitment = p.newHolderCommitment;
    e.documentSha256 = p.documentSha256;
    e.reason = p.reason;
  } else {
    const p = body.certificateRevoked!;
    e.certificateId = p.certificateId;
    e.reason = p.reason;
  }
  return e;
}

function grantEvent(ref: EventRef, body: EventBody): GrantEvent {
  // Field by field, as certificateEvent (no object spreads on the replay's path).
  const e: GrantEvent = { at: ref.at, eventId: ref.eventId, logPosition: ref.logPosition, recordTime: ref.recordTime, departmentId: ref.departmentId, keyVersion: ref.keyVersion, code: ref.code, payload: ref.payload, requestId: '', resourceId: '', purpose: '', fields: [], validFromMs: 0n, validUntilMs: 0n, maxUses: 0n, reason: '' };
  if (body.shareRequested) {
    const p = body.shareRequested;
    e.requestId = p.requestId;
    e.resourceId = p.resourceId;
    e.purpose = p.purpose;
    e.fields = p.fields;
  } else if (body.shareGranted) {
    const p = body.shareGranted;
    e.requestId = p.requestId;
    e.purpose = p.purpose;
    e.fields = p.fields;
    e.validFromMs = p.validFromMs;
    e.validUntilMs = p.validUntilMs;
    e.maxUses = p.maxUses;
  } else {
    const p = (body.shareDenied ?? body.shareRevoked)!;
    e.requestId = p.requestId;
    e.reason = p.reason;
  }
  return e;
}

/** A short text for a key in reports (hex, with the printable prefix shown). */
export function describeKey(key: Uint8Array): string {
  let printable = 0;
  while (printable < key.length && key[printable]! >= 0x20 && key[printable]! < 0x7f) printable++;
  const text = new TextDecoder().decode(key.subarray(0, printable));
  return printable === key.length ? text : `${text}${printable > 0 ? '|' : ''}${toHex(key.subarray(printable))}`;
}
