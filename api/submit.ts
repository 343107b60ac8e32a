/**
 * @module api/submit
 * Submitting signed events through a node (`POST /v1/events`). An event is accepted only if its
 * sequence number is its department's next one, counting the events this node has queued and not
 * yet seen committed (else CONFLICT, 409, with the expected number); a byte-identical resend of an
 * event already queued or committed gets that event's receipt again. Accepted events are checked
 * as consensus would check them before they cost a Kafka record (strict decoding and limits,
 * channel, a known and active key, the Ed25519 rule), then produced through the node's one
 * producer (DESIGN.md section 11: one send in flight, awaited; events submitted meanwhile go
 * together in the next send).
 *
 * A queued event stops counting once the chain has covered its Kafka offset without including it
 * (consensus dropped it, e.g. a key retired meanwhile), so a department is never stuck behind a
 * number the chain did not take; an event still waiting in Kafka (consensus lagging, no quorum)
 * keeps its number however long that takes. When a send to Kafka fails, every event queued behind
 * it fails too: their numbers follow the failed ones, so sending them would only make gaps.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { eventId } from '../ledger/hash.js';
import { resultName } from '../ledger/result-codes.js';
import { verifyEd25519 } from '../ledger/signature.js';
import { genesisDepartments, keyActivityAt, LATEST_POSITION } from '../ledger/state-records.js';
import type { DepartmentRecord } from '../proto/schema.generated.js';
import { decode, encode } from '../proto/codec.js';
import type { Block, EventBody, SignedEvent } from '../proto/schema.generated.js';
import type { ApiContext } from './context.js';
import type { Json } from './json.js';
import { inclusionView } from './views.js';

/** At most this many events wait in one node's queue (beyond it: UNAVAILABLE, 503, retriable). */
export const MAX_QUEUED_EVENTS = 50_000;

export interface QueuedReceipt {
  status: 'queued';
  eventId: string;
  departmentId: string;
  sequence: string;
  partition: number;
  offset: string;
}

export interface CommittedReceipt {
  status: 'committed';
  eventId: string;
  departmentId: string;
  sequence: string;
  height: string;
  index: number;
  logPosition: string;
  offset: string;
  resultCode: number;
  resultName: string | null;
  inclusionProof: Json;
}

interface Queued {
  departmentId: string;
  sequence: bigint;
  eventBytes: Uint8Array;
  receipt: Promise<QueuedReceipt>;
  /** The Kafka offset, once the send is acknowledged. */
  offset?: bigint;
}

interface ToSend {
  value: Uint8Array;
  resolve: (r: { partition: number; offset: bigint }) => void;
  reject: (e: unknown) => void;
}

export class Submitter {
  private readonly queued = new Map<string, Queued>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private checks: Promise<unknown> = Promise.resolve();
  private readonly sendQueue: ToSend[] = [];
  private sending = false;

  constructor(private readonly ctx: ApiContext) {}

  /** A department's committed record; before block 1, the genesis authorities (they enter the state with it). */
  private async department(departmentId: string): Promise<DepartmentRecord | undefined> {
    const d = (await this.ctx.state.getRecords([`dept/${departmentId}`]))[0] as DepartmentRecord | undefined;
    if (d !== undefined || this.ctx.state.height > 0n) return d;
    return genesisDepartments(this.ctx.genesis.genesis).find((g) => g.departmentId === departmentId);
  }

  /** The department's next sequence number as this node sees it: committed, then queued here. */
  async expectedSequence(departmentId: string): Promise<{ committed: bigint; expected: bigint; queued: number } | undefined> {
    const d = await this.department(departmentId);
    if (d === undefined) return undefined;
    let expected = d.nextSequence;
    let queued = 0;
    // queued numbers are consecutive from the committed next (each was `expected` when accepted)
    const mine = [...this.queued.values()].filter((q) => q.departmentId === departmentId && q.sequence >= d.nextSequence);
    const seqs = new Set(mine.map((q) => q.sequence));
    while (seqs.has(expected)) {
      expected++;
      queued++;
    }
    return { committed: d.nextSequence, expected, queued };
  }

  /**
   * Checks and queues one signed event (its protobuf bytes); resolves with its receipt once Kafka
   * has it, or with its committed receipt if it is already in the chain.
   * @throws LedgerError MALFORMED / NON_CANONICAL / LIMIT_EXCEEDED / BAD_ID / BAD_LENGTH (400),
   *   CHECK_FAILED or BAD_SIGNATURE (422), CONFLICT (409, details.expected), UNAVAILABLE (503)
   */
  submit(signedEventBytes: Uint8Array): Promise<QueuedReceipt | CommittedReceipt> {
    // The checks run one at a time so that two submissions cannot both take the same number.
    // (The check resolves with the receipt's promise boxed, so the next check need not wait for Kafka.)
    const run = () => this.check(signedEventBytes);
    const p = this.checks.then(run, run);
    this.checks = p.catch(() => undefined);
    return p.then((boxed) => boxed.receipt);
  }

  private async check(bytes: Uint8Array): Promise<{ receipt: Promise<QueuedReceipt | CommittedReceipt> }> {
    const limits = this.ctx.genesis.limits;
    const event: SignedEvent = decode('SignedEvent', bytes, limits);
    const body: EventBody = decode('EventBody', event.body, limits);
    const value = encode('TopicRecord', { event });
    if (value.length > limits.maxRecordBytes) {
      throw new LedgerError('PAYLOAD_TOO_LARGE', `the event's record is ${value.length} bytes; the genesis limit is ${limits.maxRecordBytes}`, { bytes: value.length, limit: limits.maxRecordBytes });
    }
    if (body.channel !== this.ctx.genesis.genesis.channel) {
      throw new LedgerError('CHECK_FAILED', `the event is for channel ${body.channel}; this node serves ${this.ctx.genesis.genesis.channel}`, { channel: body.channel });
    }
    const id = eventId(event.body);
    const idHex = toHex(id);
    // a resend: committed (the chain answers), else queued here
    const committed = await this.committedReceipt(id);
    if (committed !== undefined) {
      if (!bytesEqual(committed.eventBytes, bytes)) throw new LedgerError('CONFLICT', 'this event is in the chain with another signature', { eventId: idHex });
      return { receipt: Promise.resolve(committed.receipt) };
    }
    const queued = this.queued.get(idHex);
    if (queued !== undefined) {
      if (!bytesEqual(queued.eventBytes, bytes)) throw new LedgerError('CONFLICT', 'this event is queued with another signature', { eventId: idHex });
      return { receipt: queued.receipt };
    }
    // who signs: a known department, a key version that signs now, a signature under the Ed25519 rule
    const dept = await this.department(body.departmentId);
    if (dept === undefined) throw new LedgerError('CHECK_FAILED', `department ${body.departmentId} is not registered (consensus would drop the event)`, { departmentId: body.departmentId });
    const { activity, key } = keyActivityAt(dept, body.keyVersion, LATEST_POSITION);
    if (activity !== 'active' || key === undefined) {
      throw new LedgerError('CHECK_FAILED', `key version ${body.keyVersion} of ${body.departmentId} does not sign (unknown, retired or compromised): consensus would drop the event`, { departmentId: body.departmentId, keyVersion: body.keyVersion });
    }
    if (!verifyEd25519(key.publicKey, id, event.signature)) {
      throw new LedgerError('BAD_SIGNATURE', `the signature does not verify under ${body.departmentId}'s key version ${body.keyVersion}`, { departmentId: body.departmentId });
    }
    const seq = (await this.expectedSequence(body.departmentId))!;
    if (body.sequence < seq.expected) {
      // it may have committed while this check read the chain: then the resend gets its receipt
      const late = await this.committedReceipt(id);
      if (late !== undefined && bytesEqual(late.eventBytes, bytes)) return { receipt: Promise.resolve(late.receipt) };
    }
    if (body.sequence !== seq.expected) {
      throw new LedgerError('CONFLICT', `sequence ${body.sequence} is not ${body.departmentId}'s next: expected ${seq.expected}`, {
        departmentId: body.departmentId,
        sequence: body.sequence.toString(),
        expected: seq.expected.toString(),
      });
    }
    if (this.queued.size >= MAX_QUEUED_EVENTS) {
      throw new LedgerError('UNAVAILABLE', `this node has ${this.queued.size} events waiting to commit: try again shortly`, { queued: this.queued.size });
    }
    const receipt = this.send(value).then(
      (r): QueuedReceipt => ({ status: 'queued', eventId: idHex, departmentId: body.departmentId, sequence: body.sequence.toString(), partition: r.partition, offset: r.offset.toString() }),
    );
    const entry: Queued = { departmentId: body.departmentId, sequence: body.sequence, eventBytes: new Uint8Array(bytes), receipt };
    this.queued.set(idHex, entry);
    receipt.then(
      (r) => (entry.offset = BigInt(r.offset)),
      () => {
        if (this.queued.get(idHex) === entry) this.queued.delete(idHex);
      },
    );
    return { receipt };
  }

  /** Batches the records of submissions made while a send is in flight into the next send. */
  private send(value: Uint8Array): Promise<{ partition: number; offset: bigint }> {
    const produce = this.ctx.produce;
    if (produce === undefined) return Promise.reject(new LedgerError('UNAVAILABLE', 'this API serves a chain without Kafka: it takes no events', {}));
    const p = new Promise<{ partition: number; offset: bigint }>((resolve, reject) => this.sendQueue.push({ value, resolve, reject }));
    if (!this.sending) void this.sendLoop(produce);
    return p;
  }

  private async sendLoop(produce: NonNullable<ApiContext['produce']>): Promise<void> {
    this.sending = true;
    try {
      while (this.sendQueue.length > 0) {
        const batch = this.sendQueue.splice(0, 500);
        try {
          const r = await produce(batch.map((b) => b.value));
          batch.forEach((b, i) => b.resolve({ partition: r.partition, offset: r.baseOffset + BigInt(i) }));
        } catch (e) {
          // what waits behind a failed send follows its sequence numbers: it fails with it
          for (const b of [...batch, ...this.sendQueue.splice(0)]) b.reject(e);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The committed receipt of an event in the chain, with the bytes it was committed as. */
  async committedReceipt(id: Uint8Array): Promise<{ receipt: CommittedReceipt; eventBytes: Uint8Array } | undefined> {
    const loc = await this.ctx.state.eventLocation(id);
    if (loc === undefined || loc.height > this.ctx.blocks.head.height) return undefined;
    const block = await this.ctx.blocks.block(loc.height);
    const e = block?.events[loc.index];
    if (e === undefined || e.event === undefined) return undefined;
    const body = decode('EventBody', e.event.body, this.ctx.genesis.limits);
    return {
      eventBytes: encode('SignedEvent', e.event),
      receipt: {
        status: 'committed',
        eventId: toHex(id),
        departmentId: body.departmentId,
        sequence: body.sequence.toString(),
        height: loc.height.toString(),
        index: loc.index,
        logPosition: loc.logPosition.toString(),
        offset: e.offset.toString(),
        resultCode: e.resultCode,
        resultName: resultName(e.resultCode) ?? null,
        inclusionProof: await inclusionView(this.ctx, loc.logPosition),
      },
    };
  }

  /**
   * Waits until event `idHex` commits (or `timeoutMs` passes: TIMEOUT, 504) and returns its
   * committed receipt.
   */
  async waitCommitted(id: Uint8Array, timeoutMs: number): Promise<CommittedReceipt> {
    const idHex = toHex(id);
    let timer: NodeJS.Timeout | undefined;
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    const list = this.waiters.get(idHex) ?? [];
    list.push(wake);
    this.waiters.set(idHex, list);
    try {
      const already = await this.committedReceipt(id);
      if (already !== undefined) return already.receipt;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
      if ((await Promise.race([woken, timedOut])) === 'timeout') {
        throw new LedgerError('TIMEOUT', `event ${idHex} did not commit within ${timeoutMs} ms (it is queued; ask GET /v1/events/${idHex} later)`, { eventId: idHex });
      }
      const r = await this.committedReceipt(id);
      if (r === undefined) throw new LedgerError('INTERNAL', 'a committed event is not in the index', { eventId: idHex });
      return r.receipt;
    } finally {
      clearTimeout(timer);
      const l = this.waiters.get(idHex);
      if (l !== undefined) {
        const rest = l.filter((w) => w !== wake);
        if (rest.length === 0) this.waiters.delete(idHex);
        else this.waiters.set(idHex, rest);
      }
    }
  }

  /**
   * Whether a committed block concerns this submitter (an event queued here or a waiter): when
   * not, the API skips reading and decoding every committed block (issue 19, a node's CPU per
   * event). A waiter registers before it looks in the store, so none misses its commit.
   */
  get watchesCommits(): boolean {
    return this.queued.size > 0 || this.waiters.size > 0;
  }

  /** A committed block: its events leave the queue and their waiters wake. */
  onBlock(block: Block): void {
    for (const e of block.events) {
      if (e.event === undefined) continue;
      const idHex = toHex(eventId(e.event.body));
      this.queued.delete(idHex);
      for (const w of this.waiters.get(idHex) ?? []) w();
    }
    // covered by the chain and not included: consensus dropped it; its number is free again
    const covered = this.ctx.blocks.head.nextOffset;
    for (const [k, q] of this.queued) if (q.offset !== undefined && q.offset < covered) this.queued.delete(k);
  }
}
