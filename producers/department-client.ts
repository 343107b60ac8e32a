/**
 * @module producers/department-client
 * A department's client: builds EventBodies with the next sequence number, signs them, writes them
 * to the durable outbox *before* sending, and sends through one kafkajs idempotent producer (acks
 * all, one request in flight, awaited sends, its own batching of up to `batchSize` events,
 * `maxBatchBytes` bytes or `lingerMs` milliseconds), recording each event's offset when
 * acknowledged (DESIGN.md section 11).
 *
 * Two loops, one of each per client:
 *  - the store loop takes every event published since its last turn, signs them with consecutive
 *    numbers and stores them in one synced outbox batch (group commit), then queues them;
 *  - the send loop sends the queue in order, one kafkajs `send` at a time (kafkajs's idempotent
 *    producer is experimental and misorders records under concurrent sends, kafkajs issues 598,
 *    1005), each send one record batch to partition 0, whose consecutive offsets from the returned
 *    `baseOffset` are the events' offsets.
 * After a failed send the producer is recreated (a broker restart can leave kafkajs with a
 * non-retriable producer-id or sequence error) and everything unacknowledged is re-sent in order,
 * byte-identical, after a capped exponential backoff; copies in the topic are harmless, consensus
 * drops them by event id (DESIGN.md section 5). The client never gives up on its own: callers bound
 * their wait with `flush(timeoutMs)`; what is not acknowledged stays in the outbox for the next run.
 */
import type { Kafka, Producer } from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { createProducer } from '../kafka/client.js';
import { channelTopic } from '../kafka/topics.js';
import { buildSignedEvent, type Signer } from '../ledger/event.js';
import { DEFAULT_LIMITS, type DecodeLimits } from '../proto/limits.js';
import type { EventBody } from '../proto/schema.generated.js';
import { Outbox, type OutboxEntry } from './outbox.js';


/** The payload part of an EventBody: exactly one family, e.g. `{ certificateRevoked: {...} }`. */
export type Payload = Omit<EventBody, 'channel' | 'departmentId' | 'keyVersion' | 'sequence' | 'clientTimeMs'>;

export interface Receipt {
  eventId: Uint8Array;
  sequence: bigint;
  partition: number;
  offset: bigint;
}

/** A stored event and the receipt that comes when Kafka acknowledges it. */
export interface Queued {
  entry: OutboxEntry;
  receipt: Promise<Receipt>;
}

export interface DepartmentClientOptions {
  kafka: Kafka;
  channel: string;
  departmentId: string;
  keyVersion: number;
  key: Signer;
  /** Folder of the outbox (LevelDB). */
  stateDir: string;
  /** The department's next sequence number, used only when the state folder is new. */
  initialSequence?: bigint;
  /** Events per send (default 1000). */
  batchSize?: number;
  /**
   * Record-value bytes per send (default 512 KiB), below the broker's default `message.max.bytes`
   * of 1 MiB: a record batch over it would be refused whatever the retries.
   */
  maxBatchBytes?: number;
  /** How long a small queue waits for more events before a send (default 2 ms). */
  lingerMs?: number;
  /** Backoff after a failed send: the first wait, doubled per failure up to `maxBackoffMs` (default 200 ms, 5 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  limits?: DecodeLimits;
  /** fsync each outbox batch (default true). */
  syncOutbox?: boolean;
  /** The producer's clock for the informative client time; never used by any rule. */
  now?: () => bigint;
  /** Called with each send failure (the client keeps retrying with backoff until closed). */
  onSendError?: (error: Error) => void;
}

type Settings = Required<Omit<DepartmentClientOptions, 'initialSequence' | 'onSendError' | 'syncOutbox'>> & Pick<DepartmentClientOptions, 'onSendError'>;

/** A receipt that will come, for a queued entry. */
class PendingReceipt {
  readonly promise: Promise<Receipt>;
  resolve!: (r: Receipt) => void;
  reject!: (e: Error) => void;
  constructor() {
    this.promise = new Promise<Receipt>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Nobody may be waiting (events re-sent from an earlier run): never an unhandled rejection.
    this.promise.catch(() => undefined);
  }
}

interface ToStore {
  payload: Payload;
  resolve: (q: Queued) => void;
  reject: (e: unknown) => void;
}

interface InQueue {
  entry: OutboxEntry;
  receipt: PendingReceipt;
}

/** An interruptible pause: `wake()` ends it early. */
class Pause {
  private timer: NodeJS.Timeout | undefined;
  private done: (() => void) | undefined;
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.done = resolve;
      this.timer = ms === Infinity ? undefined : setTimeout(() => this.wake(), ms);
    });
  }
  wake(): void {
    clearTimeout(this.timer);
    const d = this.done;
    this.done = undefined;
    d?.();
  }
}

export class DepartmentClient {
  private producer: Producer | undefined;
  private readonly toStore: ToStore[] = [];
  private storing: Promise<void> | undefined;
  private readonly queue: InQueue[] = [];
  private queuedBytes = 0;
  /** Ends the send loop's idle or linger wait (events queued, or closing). */
  private readonly pause = new Pause();
  /** Ends the send loop's backoff after a failure (closing only: new events do not cut it short). */
  private readonly backoff = new Pause();
  private closing = false;
  private loop: Promise<void> | undefined;
  private consecutiveFailures = 0;
  /** The last send error, while the client is failing. */
  lastError: Error | undefined;
  /** Sends attempted and failed since the client opened. */
  failedSends = 0;

  private constructor(
    private readonly opts: Settings,
    readonly outbox: Outbox,
  ) {}

  /** Opens the outbox and starts the send loop, which first re-sends whatever was not acknowledged. */
  static async open(options: DepartmentClientOptions): Promise<DepartmentClient> {
    const outbox = await Outbox.open(options.stateDir, options.channel, options.departmentId, options.initialSequence ?? 1n, { sync: options.syncOutbox ?? true });
    const client = new DepartmentClient(
      {
        batchSize: 1000,
        maxBatchBytes: 512 * 1024,
        lingerMs: 2,
        initialBackoffMs: 200,
        maxBackoffMs: 5_000,
        limits: DEFAULT_LIMITS,
        now: () => BigInt(Date.now()),
        ...options,
      },
      outbox,
    );
    for (const entry of await outbox.pending()) client.track(entry);
    client.loop = client.sendLoop();
    return client;
  }

  get topic(): string {
    return channelTopic(this.opts.channel);
  }

  /** Events stored and not yet acknowledged by Kafka. */
  get unacknowledged(): number {
    return this.queue.length;
  }

  /**
   * Builds, signs, stores and sends one event; resolves with its receipt once Kafka acknowledged
   * it. Bad input is refused before anything is stored (no sequence number is used).
   */
  async publish(payload: Payload): Promise<Receipt> {
    return (await this.enqueue(payload)).receipt;
  }

  /** Stores several events (in this order, consecutive numbers) and resolves with their receipts. */
  async publishMany(payloads: readonly Payload[]): Promise<Receipt[]> {
    const queued = await Promise.all(payloads.map((p) => this.enqueue(p)));
    return Promise.all(queued.map((q) => q.receipt));
  }

  /**
   * Stores one event without waiting for Kafka: resolves once it is durably in the outbox, with its
   * entry and the promise of its receipt. Calls made together are stored in one batch, in call order.
   * @throws LedgerError from building the event (BAD_ARGUMENT, LIMIT_EXCEEDED, ...): no number used
   */
  enqueue(payload: Payload): Promise<Queued> {
    if (this.closing) return Promise.reject(new LedgerError('CONFLICT', 'the department client is closed', {}));
    return new Promise<Queued>((resolve, reject) => {
      this.toStore.push({ payload, resolve, reject });
      // started after the caller's synchronous code, so that events published together share a batch
      this.storing ??= Promise.resolve().then(() => this.storeLoop());
    });
  }

  /**
   * Signs and stores what was published, in order: a batch is signed while the previous one is
   * being written (two batches in the pipeline at most), and whatever arrives meanwhile forms the
   * next batch (group commit: one fsync for many events).
   */
  private async storeLoop(): Promise<void> {
    const inFlight: Array<Promise<void>> = [];
    try {
      while (this.toStore.length > 0 || inFlight.length > 0) {
        if (this.toStore.length === 0 || inFlight.length >= 2) {
          await inFlight.shift();
          continue;
        }
        const items = this.toStore.splice(0, 5000);
        const stored = this.outbox.appendMany(items, (item, sequence) =>
          buildSignedEvent(
            {
              ...item.payload,
              channel: this.opts.channel,
              departmentId: this.opts.departmentId,
              keyVersion: this.opts.keyVersion,
              sequence,
              clientTimeMs: this.opts.now(),
            },
            this.opts.key,
            this.opts.limits,
          ),
        );
        // resolved in write order, which is sequence order: the send queue stays in order
        inFlight.push(
          stored.then(
            (results) => {
              for (let i = 0; i < items.length; i++) {
                const r = results[i]!;
                if (r.ok) items[i]!.resolve({ entry: r.entry, receipt: this.track(r.entry) });
                else items[i]!.reject(r.error);
              }
            },
            (e: unknown) => {
              const error = e instanceof LedgerError ? e : new LedgerError('FILE_UNREADABLE', `cannot write the outbox: ${(e as Error).message}`, {}, { cause: e });
              for (const item of items) item.reject(error);
            },
          ),
        );
      }
    } finally {
      this.storing = undefined;
    }
  }

  private track(entry: OutboxEntry): Promise<Receipt> {
    const receipt = new PendingReceipt();
    if (this.closing) {
      receipt.reject(new LedgerError('UNAVAILABLE', 'the client closed before Kafka acknowledged the event; it stays in the outbox and is sent on the next run', {}));
      return receipt.promise;
    }
    this.queue.push({ entry, receipt });
    this.queuedBytes += entry.recordValue.length;
    if (this.queue.length === 1 || this.queue.length >= this.opts.batchSize || this.queuedBytes >= this.opts.maxBatchBytes) this.pause.wake();
    return receipt.promise;
  }

  /**
   * Resolves when everything published so far is acknowledged.
   * @throws LedgerError UNAVAILABLE after `timeoutMs` (the events stay in the outbox)
   */
  async flush(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.storing) await this.storing;
    const last = this.queue[this.queue.length - 1];
    if (last === undefined) return;
    await withTimeout(last.receipt.promise, Math.max(0, deadline - Date.now()), () => this.unavailable(timeoutMs));
  }

  /**
   * Prunes the outbox from committed receipts (the API's `POST /v1/events?wait=commit` answers, its
   * `GET /v1/events/{id}`, or the stream's `event` messages of this department): entries seen
   * committed are no longer kept for re-sending. Receipts of other departments, or not committed,
   * are ignored. Returns how many entries went.
   */
  async pruneCommitted(receipts: ReadonlyArray<{ status?: string; departmentId?: string; sequence: bigint | string; eventId: Uint8Array | string; height?: string | bigint }>): Promise<number> {
    const committed: Array<{ sequence: bigint; eventId: Uint8Array }> = [];
    for (const r of receipts) {
      if (r.departmentId !== undefined && r.departmentId !== this.opts.departmentId) continue;
      if (r.status !== undefined ? r.status !== 'committed' : r.height === undefined) continue;
      const id = typeof r.eventId === 'string' ? (/^[0-9a-f]{64}$/.test(r.eventId) ? Uint8Array.from(Buffer.from(r.eventId, 'hex')) : undefined) : r.eventId;
      const seq = typeof r.sequence === 'string' ? (/^\d{1,20}$/.test(r.sequence) ? BigInt(r.sequence) : undefined) : r.sequence;
      if (id !== undefined && seq !== undefined) committed.push({ sequence: seq, eventId: id });
    }
    return this.outbox.pruneCommitted(committed);
  }

  /** Stops sending; what is not acknowledged stays in the outbox for the next run. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.storing) await this.storing;
    this.pause.wake();
    this.backoff.wake();
    await this.loop;
    for (const q of this.queue.splice(0)) {
      q.receipt.reject(new LedgerError('UNAVAILABLE', 'the client closed before Kafka acknowledged the event; it stays in the outbox and is sent on the next run', {}));
    }
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    await this.outbox.close();
  }

  private unavailable(timeoutMs: number): LedgerError {
    return new LedgerError(
      'UNAVAILABLE',
      `Kafka did not acknowledge ${this.queue.length} event(s) on ${this.topic} within ${(timeoutMs / 1000).toFixed(1)} s` +
        `${this.lastError ? ` (${this.failedSends} failed send(s); last error: ${describeKafkaError(this.lastError, this.opts.channel)})` : ''}; ` +
        'they stay in the outbox and are sent on the next run or flush',
      { pending: this.queue.length, topic: this.topic, lastError: this.lastError?.message ?? null },
    );
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = createProducer(this.opts.kafka, { idempotent: true });
      try {
        await producer.connect();
      } catch (e) {
        await producer.disconnect().catch(() => undefined);
        throw e;
      }
      this.producer = producer;
    }
    return this.producer;
  }

  /** The next batch: the queue's head, up to batchSize events and maxBatchBytes (at least one). */
  private nextBatch(): InQueue[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.opts.batchSize) {
      const size = this.queue[n]!.entry.recordValue.length;
      if (n > 0 && bytes + size > this.opts.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    return this.queue.slice(0, n);
  }

  private async sendLoop(): Promise<void> {
    // close() stops the loop after the send in flight; call flush() first to wait for the rest.
    while (!this.closing) {
      if (this.queue.length === 0) {
        await this.pause.wait(Infinity);
        continue;
      }
      if (this.queue.length < this.opts.batchSize && this.queuedBytes < this.opts.maxBatchBytes && this.consecutiveFailures === 0) {
        await this.pause.wait(this.opts.lingerMs);
        if (this.closing) break;
      }
      const batch = this.nextBatch();
      try {
        const producer = await this.connectedProducer();
        const result = await producer.send({
          topic: this.topic,
          acks: -1,
          // Partition 0 named explicitly: a channel topic has exactly one (DESIGN.md section 3).
          messages: batch.map((q) => ({ partition: 0, value: Buffer.from(q.entry.recordValue.buffer, q.entry.recordValue.byteOffset, q.entry.recordValue.byteLength) })),
        });
        // One topic-partition, so one record batch: its records have consecutive offsets.
        const meta = result.length === 1 ? result[0] : undefined;
        if (meta === undefined || meta.baseOffset === undefined || !/^\d+$/.test(meta.baseOffset)) {
          throw new LedgerError('INTERNAL', `Kafka answered the send with ${JSON.stringify(result)}, not one base offset`, {});
        }
        const base = BigInt(meta.baseOffset);
        await this.outbox.acknowledge(batch[0]!.entry.sequence, batch.length, meta.partition, base);
        this.queue.splice(0, batch.length);
        for (const q of batch) this.queuedBytes -= q.entry.recordValue.length;
        this.consecutiveFailures = 0;
        this.lastError = undefined;
        batch.forEach((q, i) => q.receipt.resolve({ eventId: q.entry.eventId, sequence: q.entry.sequence, partition: meta.partition, offset: base + BigInt(i) }));
      } catch (e) {
        // Recreate the producer and re-send everything unacknowledged, in order (module comment).
        this.lastError = e as Error;
        this.consecutiveFailures++;
        this.failedSends++;
        this.opts.onSendError?.(e as Error);
        const old = this.producer;
        this.producer = undefined;
        await old?.disconnect().catch(() => undefined);
        if (this.closing) break;
        const backoff = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** (this.consecutiveFailures - 1));
        // up to 20% jitter, so that many departments do not come back in lockstep
        await this.backoff.wait(backoff * (0.8 + 0.2 * Math.random()));
      }
    }
  }
}

/** The kafkajs protocol error types along an error's cause chain (KafkaJSNumberOfRetriesExceeded wraps the last one). */
function kafkaErrorTypes(e: unknown): string[] {
  const types: string[] = [];
  for (let x = e as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined, depth = 0; x && depth < 5; depth++) {
    if (typeof x.type === 'string') types.push(x.type);
    x = (x.cause ?? x.originalError) as typeof x;
  }
  return types;
}

/** A kafkajs error as one line, with what to do when the cause is known. */
export function describeKafkaError(e: Error, channel: string): string {
  if (kafkaErrorTypes(e).includes('UNKNOWN_TOPIC_OR_PARTITION')) {
    return `${e.message} (does the topic exist? create it with \`ledger kafka create-channel ${channel}\`)`;
  }
  return e.message;
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
