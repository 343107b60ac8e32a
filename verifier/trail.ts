/**
 * @module verifier/trail
 * The citizen's own trail (谁查询了我的数据, issue 21) and a certificate's recorded verifications
 * (用证留痕, issue 24), found through a node's public trail index (api/routes-trail.ts): the index
 * lists, per committed block, each ExchangeRead's salt and trail tag and each CertificateVerified's
 * certificate key, and nothing else. Where the secret is (the citizen's CLI or browser), each read's
 * tag is recomputed from its salt (ledger/subject.ts); a match is opened by showing the node that
 * read's opening (the tag's preimage, which says nothing of the secret), and the node serves the
 * signed event with its RFC 9162 inclusion proof, both checked here. A certificate's verifications
 * are opened by naming the certificate, as its proof bundle is. The index pages do not tell the node
 * whose trail is listed; the openings tell it which reads are one subject's (README, "The citizen's
 * trail"). Pure: runs in the browser (the reader page) and in the CLI.
 */
import { bytesEqual, fromHex, toHex, utf8 } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { eventId, TAG, taggedHash } from '../ledger/hash.js';
import { leafHash } from '../ledger/merkle-hash.js';
import { verifyInclusion } from '../ledger/merkle-verify.js';
import { trailOpening, trailTagOfOpening } from '../ledger/subject.js';
import { decode } from '../proto/codec.js';
import type { DecodeLimits } from '../proto/limits.js';
import type { Block, EventBody } from '../proto/schema.generated.js';

/** One read about the subject, as the chain recorded it. */
export interface TrailEntry {
  eventId: string;
  height: string;
  logPosition: string;
  /** The record time (ms since the epoch, DESIGN.md section 6): when the chain took the read. */
  recordTimeMs: string;
  /** The department that served (or refused) it: the signer of the read event. */
  sourceDepartmentId: string;
  /** The department that asked. */
  granteeDepartmentId: string;
  resourceId: string;
  grantId: string;
  consentId: string;
  fields: string[];
  purpose: string;
  /** OK: served; anything else: refused (with this code), nothing served. */
  resultName: string;
  /** SHA-256 of the bytes served (empty when refused before reading). */
  dataSha256: string;
  refusal: string;
}

/** One verification of a certificate (用证留痕, issue 24), as the chain recorded it. */
export interface VerificationEntry {
  eventId: string;
  height: string;
  logPosition: string;
  /** The record time (ms since the epoch, DESIGN.md section 6): when the chain took the check. */
  recordTimeMs: string;
  /** Who checked: the department that signed the CertificateVerified event (e.g. a bank). */
  verifierDepartmentId: string;
  certificateId: string;
  purpose: string;
  /** OK, or why the record was rejected (e.g. CERT_NOT_FOUND). */
  resultName: string;
}

/** An RFC 9162 inclusion proof as the node served it, and whether it verified here. */
export interface InclusionCheck {
  leafIndex: string;
  logSize: string;
  logRoot: string;
  height: string;
  hashes: string[];
  verified: boolean;
}

export type ProvenTrailEntry = TrailEntry & { inclusion: InclusionCheck };
export type ProvenVerificationEntry = VerificationEntry & { inclusion: InclusionCheck };

/** One entry of the public trail index: where a read or a verification sits, and what finds it. */
export interface TrailIndexEntry {
  eventId: string;
  height: string;
  logPosition: string;
  kind: 'read' | 'verification';
  /** read: the published salt and the trail tag (hex). */
  salt?: string;
  tag?: string;
  /** verification: certificateTrailKey of the certificate it names (hex). */
  certificateKey?: string;
}

/** A page of the index (GET /v1/trail/index). */
export interface TrailIndexPage {
  head: string;
  from: string;
  to: string;
  entries: TrailIndexEntry[];
}

/** Blocks per index page: each is read and decoded whole at the node. */
export const TRAIL_INDEX_MAX_BLOCKS = 256;
/** A page ends after the block that brings it to this many entries (~330 bytes of JSON each). */
export const TRAIL_INDEX_MAX_ENTRIES = 4096;

/** What the index shows of a certificate id: its hash, so that the index does not list the certificates checked. */
export function certificateTrailKey(certificateId: string): string {
  return toHex(taggedHash(TAG.trailCertificate, utf8(certificateId)));
}

/** The index entries of one committed block (the node's side). */
export function trailIndexOfBlock(block: Block, limits: DecodeLimits): TrailIndexEntry[] {
  const out: TrailIndexEntry[] = [];
  const header = block.header!;
  const first = header.logSize - BigInt(block.events.length);
  block.events.forEach((e, i) => {
    const body = decode('EventBody', e.event!.body, limits);
    const at = { eventId: toHex(eventId(e.event!.body)), height: header.height.toString(), logPosition: (first + BigInt(i)).toString() };
    const r = body.exchangeRead;
    if (r !== undefined && r.salt.length === 32 && r.subjectCommitment.length === 32) out.push({ ...at, kind: 'read', salt: toHex(r.salt), tag: toHex(r.subjectCommitment) });
    const v = body.certificateVerified;
    if (v !== undefined) out.push({ ...at, kind: 'verification', certificateKey: certificateTrailKey(v.certificateId) });
  });
  return out;
}

/** An opened event as GET /v1/trail/reads/{eventId} and /v1/trail/verifications/{eventId} serve it (the event view of GET /v1/events/{id}). */
export interface OpenedEvent {
  eventId: string;
  height: string;
  logPosition: string;
  recordTimeMs: string;
  resultName: string | null;
  resultCode: number;
  signedEvent: { body: string };
  inclusionProof: { leafIndex: string; logSize: string; logRoot: string; height: string; hashes: string[] };
}

/** Reads a JSON answer of the node: the CLI's ApiClient or the page's fetch. */
export type FetchJson = <T>(path: string) => Promise<T>;

/** The opened event's body, checked against the index entry it answers, and its inclusion proof checked. */
function checkOpened(opened: OpenedEvent, entry: TrailIndexEntry, limits: DecodeLimits): { body: EventBody; inclusion: InclusionCheck } {
  const bytes = fromHex(opened.signedEvent?.body ?? '', 'signedEvent.body');
  if (toHex(eventId(bytes)) !== entry.eventId || opened.eventId !== entry.eventId) {
    throw new LedgerError('CHECK_FAILED', `the node served another event's body for event ${entry.eventId}`, { eventId: entry.eventId });
  }
  if (opened.logPosition !== entry.logPosition || opened.height !== entry.height) {
    throw new LedgerError('CHECK_FAILED', `the node placed event ${entry.eventId} at two log positions`, { eventId: entry.eventId });
  }
  const p = opened.inclusionProof;
  if (p === undefined) throw new LedgerError('MALFORMED', `the node served event ${entry.eventId} without its inclusion proof`, {});
  const check = verifyInclusion(leafHash(fromHex(entry.eventId)), BigInt(p.leafIndex), BigInt(p.logSize), p.hashes.map((x) => fromHex(x)), fromHex(p.logRoot));
  return { body: decode('EventBody', bytes, limits), inclusion: { ...p, verified: check.ok === true && p.leafIndex === entry.logPosition } };
}

/** Pages through the index of heights 1..head, calling `pick` on each entry; `progress` after each page. */
async function walkIndex(fetchJson: FetchJson, pick: (e: TrailIndexEntry) => void, progress?: (height: bigint, head: bigint) => void): Promise<void> {
  let from = 1n;
  for (;;) {
    const page = await fetchJson<TrailIndexPage>(`/v1/trail/index?from=${from}`);
    const head = BigInt(page.head);
    if (head === 0n) return;
    for (const e of page.entries) pick(e);
    const to = BigInt(page.to);
    progress?.(to, head);
    if (to >= head) return;
    if (to < from) throw new LedgerError('MALFORMED', `the trail index answered heights ${page.from}..${page.to} for from=${from}`, {});
    from = to + 1n;
  }
}

/** Every read about the holder of `secret`, each opened and its proof checked. */
export async function findTrail(fetchJson: FetchJson, secret: Uint8Array, limits: DecodeLimits, progress?: (height: bigint, head: bigint) => void): Promise<ProvenTrailEntry[]> {
  const mine: Array<{ entry: TrailIndexEntry; opening: Uint8Array }> = [];
  await walkIndex(
    fetchJson,
    (e) => {
      if (e.kind !== 'read' || e.salt === undefined || e.tag === undefined || !/^[0-9a-f]{64}$/.test(e.salt)) return;
      const opening = trailOpening(secret, fromHex(e.salt));
      if (toHex(trailTagOfOpening(opening)) === e.tag) mine.push({ entry: e, opening });
    },
    progress,
  );
  const out: ProvenTrailEntry[] = [];
  for (const { entry, opening } of mine) {
    const opened = await fetchJson<OpenedEvent>(`/v1/trail/reads/${entry.eventId}?opening=${toHex(opening)}`);
    const { body, inclusion } = checkOpened(opened, entry, limits);
    const r = body.exchangeRead;
    if (r === undefined || !bytesEqual(r.salt, fromHex(entry.salt!)) || !bytesEqual(r.subjectCommitment, trailTagOfOpening(opening))) {
      throw new LedgerError('CHECK_FAILED', `event ${entry.eventId} is not a read about this subject, though the index said so`, { eventId: entry.eventId });
    }
    out.push({
      eventId: entry.eventId,
      height: entry.height,
      logPosition: entry.logPosition,
      recordTimeMs: opened.recordTimeMs,
      sourceDepartmentId: body.departmentId,
      granteeDepartmentId: r.granteeDepartmentId,
      resourceId: r.resourceId,
      grantId: r.grantId,
      consentId: r.consentId,
      fields: r.fields,
      purpose: r.purpose,
      resultName: opened.resultName ?? `code ${opened.resultCode}`,
      dataSha256: toHex(r.dataSha256),
      refusal: r.refusal,
      inclusion,
    });
  }
  return out;
}

/**
 * Every recorded verification of `certificateId` (用证留痕), each opened by naming the certificate
 * and its proof checked. The certificate id is public (printed on the certificate); the index shows
 * only its hash, so that a reader of the index does not learn which certificates were checked.
 */
export async function findVerifications(fetchJson: FetchJson, certificateId: string, limits: DecodeLimits, progress?: (height: bigint, head: bigint) => void): Promise<ProvenVerificationEntry[]> {
  const key = certificateTrailKey(certificateId);
  const mine: TrailIndexEntry[] = [];
  await walkIndex(fetchJson, (e) => e.kind === 'verification' && e.certificateKey === key && void mine.push(e), progress);
  const out: ProvenVerificationEntry[] = [];
  for (const entry of mine) {
    const opened = await fetchJson<OpenedEvent>(`/v1/trail/verifications/${entry.eventId}?certificateId=${encodeURIComponent(certificateId)}`);
    const { body, inclusion } = checkOpened(opened, entry, limits);
    const v = body.certificateVerified;
    if (v === undefined || v.certificateId !== certificateId) {
      throw new LedgerError('CHECK_FAILED', `event ${entry.eventId} is not a verification of ${certificateId}, though the index said so`, { eventId: entry.eventId });
    }
    out.push({
      eventId: entry.eventId,
      height: entry.height,
      logPosition: entry.logPosition,
      recordTimeMs: opened.recordTimeMs,
      verifierDepartmentId: body.departmentId,
      certificateId: v.certificateId,
      purpose: v.purpose,
      resultName: opened.resultName ?? `code ${opened.resultCode}`,
      inclusion,
    });
  }
  return out;
}
