/**
 * @module exchange/chain-view
 * What an exchange point reads from the committed chain, through a node's API (DESIGN.md section
 * 11): the departments' keys (to authenticate requests), a grant as it stands, and the committed
 * result of the events it published. On a node in the open local mode, results come from the
 * committed blocks themselves (`GET /v1/head`, `GET /v1/blocks/{h}/raw`, decoded strictly): one
 * poll of the head serves every waiting read, however many. On a node in the signed mode (issue 22)
 * the exchange point signs every request as its department (it holds that key to sign the reads),
 * which may not read whole blocks: once the node refuses a block, each waiting read is looked up
 * as the department's own event (`GET /v1/events/{id}`) when the head moves. The node's stream (`ws /v1/stream`, headers
 * only, which are public) wakes that poll as soon as a block commits, instead of the read waiting
 * out the poll interval; without the stream (refused, or the node restarting) the poll interval
 * alone paces it.
 */
import WebSocket from 'ws';
import { ApiClient, HttpChainSource } from '../api/client.js';
import { bytesKey, fromHex, toHex } from '../ledger/bytes.js';
import type { RequestSigner } from '../producers/signed-fetch.js';
import { eventId } from '../ledger/hash.js';
import { resultName } from '../ledger/result-codes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { decode } from '../proto/codec.js';
import type { DecodeLimits } from '../proto/limits.js';
import { GrantStatus } from '../proto/schema.generated.js';
import { registeredFromApi, type RegisteredDepartment } from './request-auth.js';
import { trustedAuthorities } from '../tls/client-trust.js';

/** A grant as the exchange point's pre-check needs it. */
export interface GrantTerms {
  requesterDepartmentId: string;
  resourceId: string;
  status: GrantStatus;
  grantedFields: string[];
  validFromMs: bigint;
  validUntilMs: bigint;
  maxUses: bigint;
  uses: bigint;
  /** The grant's data subject commitment, or undefined when it names none. */
  subjectCommitment: Uint8Array | undefined;
}

export interface CommittedFate {
  height: bigint;
  code: number;
  name: string;
}

const STATUS: Record<string, GrantStatus> = {
  GRANT_REQUESTED: GrantStatus.GRANT_REQUESTED,
  GRANT_GRANTED: GrantStatus.GRANT_GRANTED,
  GRANT_DENIED: GrantStatus.GRANT_DENIED,
  GRANT_REVOKED: GrantStatus.GRANT_REVOKED,
};

/** Parses a node's `GET /v1/grants/{id}` answer. @throws LedgerError MALFORMED */
export function grantTermsFromApi(json: unknown): GrantTerms {
  const r = (json as { grant?: { record?: Record<string, unknown> } })?.grant?.record;
  if (typeof r !== 'object' || r === null) throw new LedgerError('MALFORMED', 'a grant answer without a record', {});
  const big = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : 0n);
  const status = typeof r.status === 'number' ? (r.status as GrantStatus) : (STATUS[String(r.status)] ?? GrantStatus.GRANT_STATUS_UNSPECIFIED);
  const subject = (r.subject as { subjectCommitment?: unknown } | undefined)?.subjectCommitment;
  return {
    requesterDepartmentId: String(r.requesterDepartmentId ?? ''),
    resourceId: String(r.resourceId ?? ''),
    status,
    grantedFields: Array.isArray(r.grantedFields) ? r.grantedFields.map(String) : [],
    validFromMs: big(r.validFromMs),
    validUntilMs: big(r.validUntilMs),
    maxUses: big(r.maxUses),
    uses: big(r.uses),
    subjectCommitment: typeof subject === 'string' ? fromHex(subject, 'subjectCommitment') : undefined,
  };
}

export interface ChainView {
  department(id: string): Promise<RegisteredDepartment | undefined>;
  grant(id: string): Promise<GrantTerms | undefined>;
  /** The committed fate of an event, waiting for it up to `timeoutMs`. @throws LedgerError TIMEOUT */
  result(id: Uint8Array, timeoutMs: number): Promise<CommittedFate>;
  close(): void;
}

/** A ChainView over one node's API. */
export class ApiChainView implements ChainView {
  private readonly api: ApiClient;
  private readonly blocks: HttpChainSource;
  private readonly departments = new Map<string, { at: number; value: RegisteredDepartment | undefined }>();
  private readonly departmentLookups = new Map<string, Promise<RegisteredDepartment | undefined>>();
  private readonly waiters = new Map<string, Array<(f: CommittedFate) => void>>();
  private readonly seen = new Map<string, CommittedFate>();
  private height: bigint | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  private stream: WebSocket | undefined;
  /** Wakes the poll's wait (a block committed). */
  private wake: (() => void) | undefined;
  /** A block committed since the poll last read the head. */
  private woken = false;
  /** Where results are read: whole blocks until the node refuses them (its signed mode), then each read's own event. */
  private resultsFrom: 'blocks' | 'events' = 'blocks';
  /** Reading events: waiters not yet looked up. */
  private readonly unlooked = new Set<string>();

  /**
   * @param limits the genesis limits (blocks are decoded under them)
   * @param departmentCacheMs how long a department's keys are reused (a key compromised meanwhile
   *   is refused by the chain anyway: the read event is signed by the source, not the caller)
   * @param signer the exchange point's department, signing every request (a node in the signed
   *   API mode); undefined: unsigned, results read from whole blocks (the open local mode)
   */
  constructor(
    url: string,
    private readonly limits: DecodeLimits,
    private readonly departmentCacheMs = 2_000,
    private readonly pollMs = 50,
    private readonly signer?: RequestSigner,
  ) {
    this.api = new ApiClient(url, undefined, signer);
    this.blocks = new HttpChainSource(url, signer);
    this.streamUrl = `${url.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/stream`;
  }

  private readonly streamUrl: string;

  /** Follows the node's committed headers (reconnecting after a drop) to wake the poll at once. */
  private follow(): void {
    if (this.closed || this.stream !== undefined) return;
    const ws = new WebSocket(this.streamUrl, { ca: trustedAuthorities() });
    this.stream = ws;
    ws.on('message', () => {
      this.woken = true;
      this.wake?.();
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.stream = undefined;
      if (!this.closed) setTimeout(() => this.follow(), 1_000).unref();
    });
  }

  /** Reads the head: results are looked for in the blocks above it. Call before publishing. */
  async start(): Promise<void> {
    this.height = await this.blocks.headHeight();
    this.follow();
  }

  /**
   * A department's keys, reused for `departmentCacheMs`. Concurrent requests of one department
   * share one lookup: without that, every request in flight when the entry expired asked the node
   * again (issue 21: under load that stampede was a tenth of the exchange point's and of its
   * node's CPU per read).
   */
  department(id: string): Promise<RegisteredDepartment | undefined> {
    const hit = this.departments.get(id);
    if (hit !== undefined && Date.now() - hit.at < this.departmentCacheMs) return Promise.resolve(hit.value);
    const pending = this.departmentLookups.get(id);
    if (pending !== undefined) return pending;
    const asked = Date.now();
    const p = this.api
      .bytes(`/v1/departments/${encodeURIComponent(id)}`, 1 << 20, true)
      .then((b) => {
        const value = b === undefined ? undefined : registeredFromApi(JSON.parse(new TextDecoder().decode(b)));
        this.departments.set(id, { at: asked, value });
        return value;
      })
      .finally(() => this.departmentLookups.delete(id));
    this.departmentLookups.set(id, p);
    return p;
  }

  async grant(id: string): Promise<GrantTerms | undefined> {
    const b = await this.api.bytes(`/v1/grants/${encodeURIComponent(id)}?limit=1`, 1 << 20, true);
    return b === undefined ? undefined : grantTermsFromApi(JSON.parse(new TextDecoder().decode(b)));
  }

  async result(id: Uint8Array, timeoutMs: number): Promise<CommittedFate> {
    const key = bytesKey(id);
    const done = this.seen.get(key);
    if (done !== undefined) return done;
    if (this.height === undefined) throw new LedgerError('INTERNAL', 'ApiChainView.result before start', {});
    return new Promise<CommittedFate>((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(key)?.filter((f) => f !== settle) ?? [];
        if (list.length === 0) this.waiters.delete(key);
        else this.waiters.set(key, list);
        reject(new LedgerError('TIMEOUT', `the read event is not committed after ${timeoutMs} ms (the nodes may be behind or stopped); no data was returned`, {}));
      }, timeoutMs);
      const settle = (f: CommittedFate) => {
        clearTimeout(timer);
        resolve(f);
      };
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), settle]);
      this.unlooked.add(key);
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    });
  }

  /** Follows the head while anyone waits, reading each new committed block once. */
  private async poll(): Promise<void> {
    while (!this.closed && this.waiters.size > 0) {
      this.woken = false;
      try {
        const head = await this.blocks.headHeight();
        if (this.resultsFrom === 'events') {
          // every waiter when a block committed; otherwise those that came since the last look
          // (their read may have committed before they waited)
          const keys = head !== this.height ? [...this.waiters.keys()] : [...this.unlooked];
          this.unlooked.clear();
          this.height = head;
          await this.lookUp(keys);
        } else {
          for (let h = (this.height ?? head) + 1n; h <= head; h++) {
            let raw: Awaited<ReturnType<HttpChainSource['block']>>;
            try {
              raw = await this.blocks.block(h);
            } catch (e) {
              // a node in the signed mode serves whole blocks to auditors only: look the reads up instead
              if (e instanceof LedgerError && (e.code === 'FORBIDDEN' || e.code === 'UNAUTHENTICATED')) {
                this.resultsFrom = 'events';
                for (const k of this.waiters.keys()) this.unlooked.add(k);
                break;
              }
              throw e;
            }
            if (raw === undefined) break;
            const block = decode('Block', raw.block, this.limits);
            for (const e of block.events) {
              const f: CommittedFate = { height: h, code: e.resultCode, name: resultName(e.resultCode) ?? `code ${e.resultCode}` };
              const k = bytesKey(eventId(e.event!.body));
              const ws = this.waiters.get(k);
              if (ws !== undefined) {
                this.waiters.delete(k);
                for (const w of ws) w(f);
              } else {
                // published, but its waiter not yet registered: kept a while (the oldest goes first)
                this.seen.set(k, f);
                if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value!);
              }
            }
            this.height = h;
          }
        }
      } catch {
        /* the node may be restarting: keep polling until the waiters time out */
      }
      // a block committing wakes this at once; the interval is the fallback without the stream
      if (this.woken) continue;
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          this.wake = undefined;
          r();
        }, this.stream?.readyState === WebSocket.OPEN ? this.pollMs * 10 : this.pollMs);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          r();
        };
      });
    }
  }

  /** The signed mode: waiting reads looked up as the department's own events (absent: not committed yet). */
  private async lookUp(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map(async (k) => {
        const b = await this.api.bytes(`/v1/events/${toHex(Uint8Array.from(k, (c) => c.charCodeAt(0)))}`, 1 << 20, true);
        if (b === undefined) return;
        const j = JSON.parse(new TextDecoder().decode(b)) as { height?: unknown; resultCode?: unknown };
        if (typeof j.height !== 'string' || !/^\d{1,20}$/.test(j.height) || typeof j.resultCode !== 'number') throw new LedgerError('MALFORMED', `${this.api.base}/v1/events/...: no height or result code`, {});
        const f: CommittedFate = { height: BigInt(j.height), code: j.resultCode, name: resultName(j.resultCode) ?? `code ${j.resultCode}` };
        const ws = this.waiters.get(k);
        this.waiters.delete(k);
        for (const w of ws ?? []) w(f);
      }),
    );
  }

  close(): void {
    this.closed = true;
    this.stream?.terminate();
    this.wake?.();
  }
}
