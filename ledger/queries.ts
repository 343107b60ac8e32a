/**
 * @module ledger/queries
 * The questions the API, the CLI and the proof builders ask of a node's committed data, typed and
 * paginated: the state records (ledger/state-store.ts: departments with their key history,
 * resources, grants, certificates as they stand) joined with the projections
 * (ledger/projections.ts: histories, indexes, access records, rejected attempts).
 *
 * Pagination: a page request is `{ limit?, cursor? }` (limit 1..MAX_PAGE_SIZE, default
 * DEFAULT_PAGE_SIZE); a page is `{ items, next }`, where `next` is an opaque cursor (the hex of the
 * last key read) or null at the end. Order is stable: lists of events in chain order (height,
 * index), lists of records by id bytes. A cursor stays valid while the chain grows: new entries
 * sort after it or, for id-ordered lists, where their id falls.
 *
 * Void records (DESIGN.md section 5): a certificate or grant whose defining event was signed by a
 * key declared compromised from that event's log position or earlier is reported with
 * `void: { reason: 'KEY_COMPROMISED', ... }`; the record itself is never rewritten.
 *
 * Bad parameters (an id that is not an identifier, a commitment that is not 32 bytes, an unknown
 * result code or share type, a bad limit or a cursor from another query) throw LedgerError
 * BAD_ARGUMENT; an absent record is `undefined`, not an error.
 */
import { isIdentifier } from '../proto/limits.js';
import { ShareType, GrantStatus, type CertificateRecord, type CertificateTypeRecord, type DefiningEvent, type DepartmentKey, type DepartmentRecord, type GrantRecord, type ResourceRecord } from '../proto/schema.generated.js';
import { toHex, tryFromHex, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { idPrefix, keyAt, prefixEnd } from './projection-records.js';
import {
  codeKey,
  decodeAccessRecord,
  decodeCertificateEvent,
  decodeGrantEvent,
  decodeRejectedAttempt,
  indexTarget,
  type AccessRecord,
  type CertificateEvent,
  type GrantEvent,
  type Projections,
  type ProjectionTable,
  type RejectedAttempt,
} from './projections.js';
import { resultName, RESULT } from './result-codes.js';
import { isActiveAt } from './grant-window.js';
import { findKey, isVoidAt, recordKey, type RecordOf, type StateType } from './state-records.js';
import type { AnySublevel, StateStore } from './state-store.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Filtered lists read at most this many entries per page (then return a cursor to go on). */
const SCAN_BUDGET_FACTOR = 20;

export interface PageRequest {
  /** 1..MAX_PAGE_SIZE; default DEFAULT_PAGE_SIZE. */
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** The cursor of the next page, or null when this is the last one. */
  next: string | null;
}

/** Why a record is void (DESIGN.md section 5). */
export interface VoidReason {
  reason: 'KEY_COMPROMISED';
  departmentId: string;
  keyVersion: number;
  /** The key is void from this log position; the defining event sits at or after it. */
  fromLogPosition: bigint;
}

export interface CertificateView {
  record: CertificateRecord;
  void: VoidReason | undefined;
}

export interface GrantView {
  record: GrantRecord;
  void: VoidReason | undefined;
}

export interface KeyHistoryEntry {
  version: number;
  publicKey: Uint8Array;
  /** Log position from which it signs. */
  activatedAt: bigint;
  /** Log position from which it no longer signs (rotation); null while current. */
  retiredAt: bigint | null;
  /** Everything it signed from this log position on is void; null if never declared compromised. */
  compromisedFrom: bigint | null;
}

export interface DepartmentView {
  record: DepartmentRecord;
  keys: KeyHistoryEntry[];
}

const STATE_PREFIX = (type: StateType): Uint8Array => utf8(`${type}/`);

/** Checks a page request. @throws LedgerError BAD_ARGUMENT */
function pageLimit(page: PageRequest): number {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new LedgerError('BAD_ARGUMENT', `limit must be an integer within 1..${MAX_PAGE_SIZE}`, { limit: String(page.limit) });
  }
  return limit;
}

/**
 * The key a cursor stands for: any key (hex, 1..2048 bytes) positions the scan, clamped to this
 * query's range: a key before the range starts at its first entry, a key after it gives an empty
 * page. A cursor is opaque (issue 27): the API checks only its form (api/validation.ts pageQuery).
 * @throws LedgerError BAD_ARGUMENT when it is not hex
 */
function cursorKey(cursor: string | undefined, prefix: Uint8Array): Uint8Array | undefined {
  if (cursor === undefined) return undefined;
  const key = typeof cursor === 'string' && cursor.length <= 4096 ? tryFromHex(cursor) : undefined;
  if (key === undefined || key.length === 0) throw new LedgerError('BAD_ARGUMENT', 'the cursor is not one a page returned (hex)', {});
  return compareBytes(key, prefix) < 0 ? undefined : key;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function checkId(what: string, id: string): void {
  if (typeof id !== 'string' || !isIdentifier(id)) throw new LedgerError('BAD_ARGUMENT', `${what} must be an identifier (1 to 64 characters of A-Z a-z 0-9 . _ : -)`, { [what]: String(id) });
}

function checkCommitment(what: string, c: Uint8Array): void {
  if (!(c instanceof Uint8Array) || c.length !== 32) throw new LedgerError('BAD_ARGUMENT', `${what} must be 32 bytes`, {});
}

/** The typed, paginated queries over one node's committed state and projections. */
export class Queries {
  constructor(
    readonly state: StateStore,
    readonly projections: Projections,
  ) {}

  /** Heights of the committed state and of the projections (equal unless the projections need `ledger rebuild --apply`). */
  async heights(): Promise<{ state: bigint; projections: bigint }> {
    return { state: this.state.height, projections: await this.projections.height() };
  }

  // -------------------------------------------------------------------------------------------
  // Scanning

  /**
   * Reads up to `limit` accepted entries of `table` whose keys start with `prefix`, after the
   * cursor. `accept` maps an entry to an item or undefined (filtered out); filtered scans stop
   * after a budget and return a cursor to go on.
   */
  private async scan<T>(
    table: AnySublevel,
    prefix: Uint8Array,
    page: PageRequest,
    accept: (entries: Array<[Uint8Array, Uint8Array]>) => Promise<Array<T | undefined>>,
    filtered = false,
  ): Promise<Page<T>> {
    const limit = pageLimit(page);
    const after = cursorKey(page.cursor, prefix);
    const end = prefixEnd(prefix);
    const budget = filtered ? limit * SCAN_BUDGET_FACTOR : limit;
    const range: Record<string, unknown> = { limit: budget + 1 };
    if (after !== undefined) range.gt = after;
    else range.gte = prefix;
    if (end !== undefined) range.lt = end;
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for await (const [k, v] of table.iterator(range as never) as AsyncIterable<[Uint8Array, Uint8Array]>) entries.push([k, v]);
    const more = entries.length > budget;
    if (more) entries.length = budget;
    const mapped = await accept(entries);
    const items: T[] = [];
    let lastKey: Uint8Array | undefined;
    for (let i = 0; i < entries.length && items.length < limit; i++) {
      lastKey = entries[i]![0];
      const m = mapped[i];
      if (m !== undefined) items.push(m);
    }
    const consumedAll = lastKey === entries[entries.length - 1]?.[0];
    const next = lastKey !== undefined && (more || !consumedAll) ? toHex(lastKey) : null;
    return { items, next };
  }

  /** Primary records of `table` (keyed by the 12-byte stamp) for index entries whose values are stamps. */
  private async primaries<T>(table: ProjectionTable, entries: Array<[Uint8Array, Uint8Array]>, decodeOne: (b: Uint8Array) => T): Promise<T[]> {
    if (entries.length === 0) return [];
    const got = await this.projections.tables[table].getMany(entries.map(([, v]) => v.subarray(0, 12)));
    return got.map((b, i) => {
      if (b === undefined) throw new LedgerError('STORE_FORMAT', `${table}: an index entry points at a missing record`, { key: toHex(entries[i]![0]) });
      return decodeOne(b);
    });
  }

  private async records<T extends StateType>(type: T, ids: string[]): Promise<Array<RecordOf<T> | undefined>> {
    if (ids.length === 0) return [];
    return (await this.state.getRecords(ids.map((id) => recordKey(type, id)))) as Array<RecordOf<T> | undefined>;
  }

  // -------------------------------------------------------------------------------------------
  // Void records (DESIGN.md section 5)

  /**
   * Whether the event that defines a record was signed by a key compromised from its log
   * position or earlier. `signer` is who signs defining events of this kind (the issuer of a
   * certificate; the requester or the grantor of a grant): a signer with no compromised key
   * settles it without reading the history; otherwise the history entry gives the key version.
   */
  private async voidOf(defining: DefiningEvent | undefined, signer: string, history: (d: DefiningEvent) => Promise<{ departmentId: string; keyVersion: number } | undefined>): Promise<VoidReason | undefined> {
    if (defining === undefined) return undefined;
    const dept = (await this.records('dept', [signer]))[0];
    if (dept === undefined || !dept.keys.some((k) => k.compromisedFrom !== undefined)) return undefined;
    const h = await history(defining);
    if (h === undefined || h.departmentId !== signer || !isVoidAt(dept, h.keyVersion, defining.logPosition)) return undefined;
    return { reason: 'KEY_COMPROMISED', departmentId: signer, keyVersion: h.keyVersion, fromLogPosition: findKey(dept, h.keyVersion)!.compromisedFrom!.logPosition };
  }

  /** The history entry (certificate or grant) at a defining event, found through the event-id index. */
  private async historyAt<T extends { departmentId: string; keyVersion: number }>(table: 'proj-cert-history' | 'proj-grant-history', id: string, d: DefiningEvent, decodeOne: (b: Uint8Array) => T): Promise<T | undefined> {
    const loc = await this.state.eventLocation(d.eventId);
    if (loc === undefined) return undefined;
    const b = await this.projections.tables[table].get(keyAt(idPrefix(id), { height: loc.height, index: loc.index }));
    return b === undefined ? undefined : decodeOne(b);
  }

  private async certificateViews(records: Array<CertificateRecord | undefined>): Promise<CertificateView[]> {
    const out: CertificateView[] = [];
    for (const record of records) {
      if (record === undefined) throw new LedgerError('STORE_FORMAT', 'a certificate index names a certificate with no state record', {});
      const v = await this.voidOf(record.definingEvent, record.issuerDepartmentId, (d) => this.historyAt('proj-cert-history', record.certificateId, d, decodeCertificateEvent));
      out.push({ record, void: v });
    }
    return out;
  }

  private async grantViews(records: Array<GrantRecord | undefined>): Promise<GrantView[]> {
    const out: GrantView[] = [];
    for (const record of records) {
      if (record === undefined) throw new LedgerError('STORE_FORMAT', 'a grant index names a grant with no state record', {});
      const signer = record.status === GrantStatus.GRANT_REQUESTED ? record.requesterDepartmentId : record.grantorDepartmentId;
      const v = await this.voidOf(record.definingEvent, signer, (d) => this.historyAt('proj-grant-history', record.requestId, d, decodeGrantEvent));
      out.push({ record, void: v });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Certificates

  /** A certificate as it stands, with the first page of its history (every issue, amend, transfer and revoke naming it, with results). */
  async certificate(id: string, historyPage: PageRequest = {}): Promise<{ certificate: CertificateView; history: Page<CertificateEvent> } | undefined> {
    checkId('certificateId', id);
    const [record] = await this.records('cert', [id]);
    if (record === undefined) return undefined;
    const [certificate] = await this.certificateViews([record]);
    return { certificate: certificate!, history: await this.certificateHistory(id, historyPage) };
  }

  /** Every event naming certificate `id`, in chain order, OK or rejected (attempts on an unknown id too). */
  async certificateHistory(id: string, page: PageRequest = {}): Promise<Page<CertificateEvent>> {
    checkId('certificateId', id);
    return this.scan(this.projections.tables['proj-cert-history'], idPrefix(id), page, async (es) => es.map(([, v]) => decodeCertificateEvent(v)));
  }

  /** Certificates issued by a department, in issue order. */
  async certificatesByIssuer(departmentId: string, page: PageRequest = {}): Promise<Page<CertificateView>> {
    checkId('departmentId', departmentId);
    return this.scan(this.projections.tables['proj-cert-by-issuer'], idPrefix(departmentId), page, async (es) => this.certificateViews(await this.records('cert', es.map(([, v]) => indexTarget(v)))));
  }

  /** Certificates whose current holder commitment is `holderCommitment`, in the order they came to it. */
  async certificatesByHolder(holderCommitment: Uint8Array, page: PageRequest = {}): Promise<Page<CertificateView>> {
    checkCommitment('holderCommitment', holderCommitment);
    return this.scan(this.projections.tables['proj-cert-by-holder'], holderCommitment, page, async (es) => this.certificateViews(await this.records('cert', es.map(([, v]) => indexTarget(v)))));
  }

  // -------------------------------------------------------------------------------------------
  // Grants

  /** A grant (keyed by its request id) as it stands, with the first page of its history. */
  async grant(id: string, historyPage: PageRequest = {}): Promise<{ grant: GrantView; history: Page<GrantEvent> } | undefined> {
    checkId('requestId', id);
    const [record] = await this.records('grant', [id]);
    if (record === undefined) return undefined;
    const [grant] = await this.grantViews([record]);
    return { grant: grant!, history: await this.grantHistory(id, historyPage) };
  }

  /** Every request, grant, denial and revocation naming request id `id`, in chain order, with results. */
  async grantHistory(id: string, page: PageRequest = {}): Promise<Page<GrantEvent>> {
    checkId('requestId', id);
    return this.scan(this.projections.tables['proj-grant-history'], idPrefix(id), page, async (es) => es.map(([, v]) => decodeGrantEvent(v)));
  }

  /** Requests (and their grants) by the requesting department (the grantee), in request order. */
  async grantsByGrantee(departmentId: string, page: PageRequest = {}): Promise<Page<GrantView>> {
    checkId('departmentId', departmentId);
    return this.scan(this.projections.tables['proj-grant-by-grantee'], idPrefix(departmentId), page, async (es) => this.grantViews(await this.records('grant', es.map(([, v]) => indexTarget(v)))));
  }

  /** Requests (and their grants) for a resource, in request order. */
  async grantsByResource(resourceId: string, page: PageRequest = {}): Promise<Page<GrantView>> {
    checkId('resourceId', resourceId);
    return this.scan(this.projections.tables['proj-grant-by-resource'], idPrefix(resourceId), page, async (es) => this.grantViews(await this.records('grant', es.map(([, v]) => indexTarget(v)))));
  }

  /**
   * Grants active at record time `t` (DESIGN.md section 6): the grant record's window holds t
   * (`from <= t < until`) and its status is GRANTED, or REVOKED by a revocation recorded after t;
   * and the grant itself was recorded at or before t. Optionally of one grantee or resource;
   * otherwise over every grant by id. A use count at its maximum does not end activity here
   * (GRANT_EXHAUSTED is a separate result): compare `uses` with `maxUses`.
   */
  async grantsActiveAt(t: bigint, filter: { grantee?: string; resource?: string } = {}, page: PageRequest = {}): Promise<Page<GrantView>> {
    if (typeof t !== 'bigint' || t < 0n || t >= 1n << 64n) throw new LedgerError('BAD_ARGUMENT', 'the time must be a u64 of milliseconds', {});
    if (filter.grantee !== undefined && filter.resource !== undefined) throw new LedgerError('BAD_ARGUMENT', 'filter by grantee or by resource, not both', {});
    const active = async (records: Array<GrantRecord | undefined>): Promise<Array<GrantView | undefined>> => {
      const out: Array<GrantView | undefined> = [];
      for (const g of records) {
        if (g === undefined || !isActiveAt(g.validFromMs, g.validUntilMs, t) || (g.status !== GrantStatus.GRANT_GRANTED && g.status !== GrantStatus.GRANT_REVOKED)) {
          out.push(undefined);
          continue;
        }
        const history = await this.allGrantHistory(g.requestId);
        const granted = history.find((e) => e.code === RESULT.OK && e.payload === 'shareGranted');
        const revoked = history.find((e) => e.code === RESULT.OK && e.payload === 'shareRevoked');
        const ok = granted !== undefined && granted.recordTime <= t && (revoked === undefined || t < revoked.recordTime);
        out.push(ok ? (await this.grantViews([g]))[0] : undefined);
      }
      return out;
    };
    if (filter.grantee !== undefined || filter.resource !== undefined) {
      const byGrantee = filter.grantee !== undefined;
      const id = (byGrantee ? filter.grantee : filter.resource)!;
      checkId(byGrantee ? 'grantee' : 'resource', id);
      const table = this.projections.tables[byGrantee ? 'proj-grant-by-grantee' : 'proj-grant-by-resource'];
      return this.scan(table, idPrefix(id), page, async (es) => active(await this.records('grant', es.map(([, v]) => indexTarget(v)))), true);
    }
    return this.scan(this.state.records, STATE_PREFIX('grant'), page, async (es) => active(await this.records('grant', es.map(([k]) => new TextDecoder().decode(k).slice('grant/'.length)))), true);
  }

  private async allGrantHistory(id: string): Promise<GrantEvent[]> {
    const out: GrantEvent[] = [];
    let cursor: string | undefined;
    do {
      const p = await this.grantHistory(id, { limit: MAX_PAGE_SIZE, ...(cursor !== undefined ? { cursor } : {}) });
      out.push(...p.items);
      cursor = p.next ?? undefined;
    } while (cursor !== undefined);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Catalogue

  async resource(id: string): Promise<ResourceRecord | undefined> {
    checkId('resourceId', id);
    return (await this.records('resource', [id]))[0];
  }

  /** Resources of one share type (UNCONDITIONAL, CONDITIONAL, NOT_SHARED), by id bytes. */
  async resourcesByShareType(shareType: ShareType, page: PageRequest = {}): Promise<Page<ResourceRecord>> {
    if (shareType !== ShareType.UNCONDITIONAL && shareType !== ShareType.CONDITIONAL && shareType !== ShareType.NOT_SHARED) {
      throw new LedgerError('BAD_ARGUMENT', 'the share type must be UNCONDITIONAL (1), CONDITIONAL (2) or NOT_SHARED (3)', { shareType: String(shareType) });
    }
    return this.scan(this.projections.tables['proj-resource-by-type'], Uint8Array.of(shareType), page, async (es) =>
      this.requireAll('resource', await this.records('resource', es.map(([k]) => new TextDecoder().decode(k.subarray(1))))),
    );
  }

  /** Resources whose single source is a department (一数一源), by id bytes. */
  async resourcesBySource(departmentId: string, page: PageRequest = {}): Promise<Page<ResourceRecord>> {
    checkId('departmentId', departmentId);
    const prefix = idPrefix(departmentId);
    return this.scan(this.projections.tables['proj-resource-by-source'], prefix, page, async (es) =>
      this.requireAll('resource', await this.records('resource', es.map(([k]) => new TextDecoder().decode(k.subarray(prefix.length))))),
    );
  }

  private requireAll<T>(what: string, xs: Array<T | undefined>): T[] {
    return xs.map((x) => {
      if (x === undefined) throw new LedgerError('STORE_FORMAT', `a ${what} index names a record that does not exist`, {});
      return x;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Departments (the state records: keys by version with activation, retirement, compromise)

  async department(id: string): Promise<DepartmentView | undefined> {
    checkId('departmentId', id);
    const [d] = await this.records('dept', [id]);
    return d === undefined ? undefined : departmentView(d);
  }

  /** Every department (the genesis authorities included), by id bytes. */
  async departments(page: PageRequest = {}): Promise<Page<DepartmentView>> {
    return this.scan(this.state.records, STATE_PREFIX('dept'), page, async (es) =>
      this.requireAll('department', await this.records('dept', es.map(([k]) => new TextDecoder().decode(k).slice('dept/'.length)))).map(departmentView),
    );
  }

  /** One certificate type as the catalogue names it (issue 24), or undefined. */
  async certificateType(id: string): Promise<CertificateTypeRecord | undefined> {
    checkId('certificateTypeId', id);
    const [t] = await this.records('ctype', [id]);
    return t;
  }

  /** Every named certificate type, by id bytes. */
  async certificateTypes(page: PageRequest = {}): Promise<Page<CertificateTypeRecord>> {
    return this.scan(this.state.records, STATE_PREFIX('ctype'), page, async (es) =>
      this.requireAll('certificate type', await this.records('ctype', es.map(([k]) => new TextDecoder().decode(k).slice('ctype/'.length)))),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Access records (every included AccessRecorded, OK or rejected, in chain order)

  async accessByResource(resourceId: string, page: PageRequest = {}): Promise<Page<AccessRecord>> {
    checkId('resourceId', resourceId);
    return this.accessIndex('proj-access-by-resource', idPrefix(resourceId), page);
  }

  /** Accesses recorded by a department (the reader, i.e. the grantee). */
  async accessByGrantee(departmentId: string, page: PageRequest = {}): Promise<Page<AccessRecord>> {
    checkId('departmentId', departmentId);
    return this.accessIndex('proj-access-by-grantee', idPrefix(departmentId), page);
  }

  /** Accesses about one subject: the citizen's per-subject commitment (DESIGN.md section 5). */
  async accessBySubject(subjectCommitment: Uint8Array, page: PageRequest = {}): Promise<Page<AccessRecord>> {
    checkCommitment('subjectCommitment', subjectCommitment);
    return this.accessIndex('proj-access-by-subject', subjectCommitment, page);
  }

  async accessByGrant(grantId: string, page: PageRequest = {}): Promise<Page<AccessRecord>> {
    checkId('grantId', grantId);
    return this.accessIndex('proj-access-by-grant', idPrefix(grantId), page);
  }

  private accessIndex(table: ProjectionTable, prefix: Uint8Array, page: PageRequest): Promise<Page<AccessRecord>> {
    return this.scan(this.projections.tables[table], prefix, page, (es) => this.primaries('proj-access', es, decodeAccessRecord));
  }

  // -------------------------------------------------------------------------------------------
  // Rejected attempts (included events whose code is not OK)

  async rejected(page: PageRequest = {}): Promise<Page<RejectedAttempt>> {
    return this.scan(this.projections.tables['proj-rejected'], new Uint8Array(0), page, async (es) => es.map(([, v]) => decodeRejectedAttempt(v)));
  }

  async rejectedByDepartment(departmentId: string, page: PageRequest = {}): Promise<Page<RejectedAttempt>> {
    checkId('departmentId', departmentId);
    return this.scan(this.projections.tables['proj-rejected-by-dept'], idPrefix(departmentId), page, (es) => this.primaries('proj-rejected', es, decodeRejectedAttempt));
  }

  /** Rejected attempts with one result code (a number of ledger/result-codes.ts other than OK). */
  async rejectedByCode(code: number, page: PageRequest = {}): Promise<Page<RejectedAttempt>> {
    if (!Number.isInteger(code) || code === RESULT.OK || resultName(code) === undefined) {
      throw new LedgerError('BAD_ARGUMENT', `${String(code)} is not a rejection result code`, { code: String(code) });
    }
    return this.scan(this.projections.tables['proj-rejected-by-code'], codeKey(code), page, (es) => this.primaries('proj-rejected', es, decodeRejectedAttempt));
  }
}

function departmentView(record: DepartmentRecord): DepartmentView {
  return {
    record,
    keys: record.keys.map((k: DepartmentKey) => ({
      version: k.version,
      publicKey: k.publicKey,
      activatedAt: k.activatedAt,
      retiredAt: k.retiredAt === 0n ? null : k.retiredAt,
      compromisedFrom: k.compromisedFrom === undefined ? null : k.compromisedFrom.logPosition,
    })),
  };
}
