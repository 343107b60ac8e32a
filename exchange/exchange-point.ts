/**
 * @module exchange/exchange-point
 * The exchange point (共享交换) a source department runs in front of its data (issue 21). For each
 * read request, in this order:
 *  1. authenticate it: signed by an active key of a registered department (exchange/request-auth.ts);
 *     an unauthenticated request is answered 401 and not recorded (it is nobody's read);
 *  2. validate the body (what is wrong is named) and refuse a request id seen before (a replay);
 *  3. check the grant on the committed chain (exists, this grantee and resource, granted, in its
 *     window by this server's clock, the fields, the subject, uses left) and read the rows about
 *     the subject from the department's data (exchange/data-source.ts);
 *  4. publish the read, served or refused, as an ExchangeRead signed by this department through
 *     its outbox (ledger/rules/exchange.ts), committing to the SHA-256 of the exact bytes it will
 *     return and to the request's digest; the subject appears only as commitments
 *     (ledger/subject.ts);
 *     The event id is known once the event is in the outbox; the read waits for its committed
 *     result from then on, not for Kafka's acknowledgement first (a read that never reaches the
 *     chain times out with no data returned). Concurrent reads share outbox batches, Kafka sends
 *     and blocks (producers/department-client.ts group commit), and one follower of the committed
 *     blocks answers every waiting read (exchange/chain-view.ts);
 *  5. wait for the committed result: only when the chain says OK are the bytes returned, with the
 *     receipt (the event id and height). Otherwise the answer is READ_REFUSED (403) with the
 *     chain's result code: blocking happens before the data leaves (阻断非法操作), and every read,
 *     served or refused, is on chain signed by the source. The chain's fold, not step 3, is what
 *     decides (uses are counted in the chain's total order, so two concurrent last uses cannot both
 *     pass); step 3 only keeps a read that will fail from carrying a data digest.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { bytesEqual, fromHex, toHex, utf8 } from '../ledger/bytes.js';
import { sha256 } from '../ledger/hash.js';
import { isActiveAt } from '../ledger/grant-window.js';
import { RESULT, resultName } from '../ledger/result-codes.js';
import { consentSubjectCommitment, grantSubjectCommitment, trailTag } from '../ledger/subject.js';
import { LedgerError } from '../errors/ledger-error.js';
import { isIdentifier } from '../proto/limits.js';
import { GrantStatus, type ExchangeRead } from '../proto/schema.generated.js';
import type { ChainView, GrantTerms } from './chain-view.js';
import type { DataSource } from './data-source.js';
import { GrantCache } from './grant-cache.js';
import { ReplayWindow } from './replay-window.js';
import { authenticateRequest, DEFAULT_MAX_SKEW_MS } from './request-auth.js';

/** The path reads are asked on. */
export const READ_PATH = '/v1/exchange/reads';

const id = z.string().refine((s) => isIdentifier(s), 'an identifier ([A-Za-z0-9._:-], at most 64 bytes)');
/** The body of a read request (JSON). */
export const ReadRequestSchema = z
  .object({
    /** Unique per requesting department: a repeated id is a replay. */
    requestId: id,
    resourceId: id,
    grantId: z.union([id, z.literal('')]),
    consentId: z.union([id, z.literal('')]),
    fields: z.array(z.string().min(1).max(256)).min(1).max(64),
    purpose: z.string().max(256),
    subject: z.object({ id: z.string().min(1).max(256), secret: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits') }).strict(),
  })
  .strict();
export type ReadRequest = z.infer<typeof ReadRequestSchema>;

/** What a served read returns: the exact bytes whose SHA-256 the committed read event holds. */
export interface ReadAnswer {
  receipt: { eventId: string; height: string; resultName: 'OK' };
  dataSha256: string;
  /** The served rows as JSON text; SHA-256(UTF-8 of it) = dataSha256. */
  dataText: string;
}

export interface ExchangePointOptions {
  departmentId: string;
  chain: ChainView;
  data: DataSource;
  /**
   * Publishes a payload signed by this department through its outbox; resolves with the event id
   * once the event is durably in the outbox (sending to Kafka goes on; the commit wait covers it).
   */
  publish: (payload: { exchangeRead: ExchangeRead }) => Promise<Uint8Array>;
  /** How long to wait for the committed result (default 30 s). */
  resultTimeoutMs?: number;
  /** How long a granted grant is reused without asking the chain again (default 30 s; exchange/grant-cache.ts says why this is safe). */
  grantCacheMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/** Why the pre-check (step 3) refuses, as the result code the chain will give, or undefined. */
export function precheck(g: GrantTerms | undefined, r: ReadRequest, grantee: string, resourceId: string, grantSubject: Uint8Array | undefined, nowMs: bigint): string | undefined {
  if (r.grantId === '') return 'GRANT_REQUIRED';
  if (g === undefined) return 'GRANT_NOT_FOUND';
  if (g.resourceId !== resourceId) return 'GRANT_MISMATCH';
  if (g.requesterDepartmentId !== grantee) return 'NOT_GRANTEE';
  if (g.status === GrantStatus.GRANT_REVOKED) return 'GRANT_REVOKED';
  if (g.status !== GrantStatus.GRANT_GRANTED || !isActiveAt(g.validFromMs, g.validUntilMs, nowMs)) return 'GRANT_INACTIVE';
  if (!r.fields.every((f) => g.grantedFields.includes(f))) return 'FIELDS_NOT_COVERED';
  if (g.subjectCommitment === undefined || grantSubject === undefined || !bytesEqual(g.subjectCommitment, grantSubject)) return 'SUBJECT_NOT_COVERED';
  if (r.consentId === '') return 'CONSENT_MISSING';
  if (g.maxUses !== 0n && g.uses >= g.maxUses) return 'GRANT_EXHAUSTED';
  return undefined;
}

export class ExchangePoint {
  private readonly seenRequests: ReplayWindow;
  private readonly now: () => number;
  private readonly resultTimeoutMs: number;
  private readonly grants: GrantCache;

  constructor(private readonly o: ExchangePointOptions) {
    this.now = o.now ?? Date.now;
    this.seenRequests = new ReplayWindow(DEFAULT_MAX_SKEW_MS, this.now);
    this.resultTimeoutMs = o.resultTimeoutMs ?? 30_000;
    this.grants = new GrantCache((g) => o.chain.grant(g), o.grantCacheMs ?? 30_000, this.now);
  }

  /**
   * Serves one read request (steps 1-5 of the module comment).
   * @throws LedgerError UNAUTHENTICATED (401), BAD_ARGUMENT (400), CONFLICT (a replayed request id),
   *   READ_REFUSED (403, the refusal is on chain: details.eventId, details.resultName), TIMEOUT
   */
  async read(headers: Readonly<Record<string, string | string[] | undefined>>, body: Uint8Array): Promise<ReadAnswer> {
    const auth = await authenticateRequest(headers, 'POST', READ_PATH, body, (d) => this.o.chain.department(d), this.now());
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      throw new LedgerError('BAD_ARGUMENT', 'the read request body is not UTF-8 JSON', {});
    }
    const check = ReadRequestSchema.safeParse(parsed);
    if (!check.success) {
      const i = check.error.issues[0]!;
      throw new LedgerError('BAD_ARGUMENT', `read request: ${i.path.join('.') || '(body)'}: ${i.message}`, { field: i.path.join('.') });
    }
    const r = check.data;
    const replayKey = `${auth.departmentId}\u0000${r.requestId}`;
    if (!this.seenRequests.add(replayKey)) throw new LedgerError('CONFLICT', `request id ${r.requestId} of ${auth.departmentId} was already served or refused (a replay)`, { requestId: r.requestId });

    const secret = fromHex(r.subject.secret, 'subject.secret');
    const grantSubject = r.grantId === '' ? undefined : grantSubjectCommitment(r.subject.id, secret, r.grantId);
    const grant = r.grantId === '' ? undefined : await this.grants.get(r.grantId);
    let refusal = precheck(grant, r, auth.departmentId, r.resourceId, grantSubject, BigInt(this.now()));
    let dataText: string | undefined;
    let rowCount = 0;
    if (refusal === undefined) {
      const rows = await this.o.data.read(r.resourceId, r.subject.id, r.fields);
      if (rows === undefined) refusal = 'no record of this subject in the source';
      else {
        dataText = JSON.stringify(rows);
        rowCount = rows.length;
      }
    }
    const salt = new Uint8Array(randomBytes(32));
    const dataSha256 = dataText === undefined ? new Uint8Array(0) : sha256(utf8(dataText));
    const read: ExchangeRead = {
      granteeDepartmentId: auth.departmentId,
      resourceId: r.resourceId,
      grantId: r.grantId,
      consentId: r.consentId,
      fields: r.fields,
      purpose: r.purpose,
      subjectCommitment: trailTag(secret, salt),
      salt,
      grantSubjectCommitment: grantSubject ?? new Uint8Array(0),
      consentSubjectCommitment: r.consentId === '' ? new Uint8Array(0) : consentSubjectCommitment(r.subject.id, secret, r.consentId),
      requestDigest: auth.digest,
      dataSha256,
      recordCount: BigInt(rowCount),
      refusal: refusal ?? '',
    };
    const eventId = await this.o.publish({ exchangeRead: read });
    const fate = await this.o.chain.result(eventId, this.resultTimeoutMs);
    if (r.grantId !== '') {
      if (fate.code === RESULT.OK) this.grants.used(r.grantId);
      else this.grants.forget(r.grantId);
    }
    this.o.log?.(`exchange: ${auth.departmentId} ${r.resourceId} grant ${r.grantId || '-'}: ${fate.name} (event ${toHex(eventId)}, block ${fate.height})`);
    if (fate.code !== RESULT.OK || dataText === undefined) {
      throw new LedgerError('READ_REFUSED', `the read is refused: ${fate.name}${refusal !== undefined && refusal !== fate.name ? ` (${refusal})` : ''}; the refusal is on chain in block ${fate.height}`, {
        eventId: toHex(eventId),
        height: fate.height.toString(),
        resultName: resultName(fate.code) ?? fate.name,
        resultCode: fate.code,
      });
    }
    return { receipt: { eventId: toHex(eventId), height: fate.height.toString(), resultName: 'OK' }, dataSha256: toHex(dataSha256), dataText };
  }
}
