/**
 * @module producers/department-client
 * A department's client: builds EventBodies with the next sequence number, signs them, writes each
 * to the durable outbox *before* sending, and sends through one kafkajs idempotent producer
 * (acks all, one request in flight, awaited sends, its own batching of up to `batchSize` events or
 * `lingerMs` milliseconds), recording each event's offset when acknowledged (DESIGN.md section 11).
 *
 * kafkajs's idempotent producer is experimental and misorders records under concurrent sends
 * (kafkajs issues 598, 1005), so exactly one send is in flight at a time, from one loop. After a
 * failed send the producer is recreated (a broker restart can leave it with a non-retriable
 * producer-id or sequence error) and every unacknowledged entry is re-sent in order,
 * byte-identical; copies in the topic are harmless, consensus drops them by event id.
 */
import type { Kafka, Producer } from 'kafkajs';
import { LedgerError } from '../ledger/errors.js';
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
  /** Events per send (default 500). */
  batchSize?: number;
  /** How long the first queued event waits for others before a send (default 5 ms). */
  lingerMs?: number;
  limits?: DecodeLimits;
  /** The producer's clock for the informative client time; never used by any rule. */
  now?: () => bigint;
  /** Called with each send failure (the client keeps retrying with backoff until closed). */
  onSendError?: (error: Error) => void;
}

/** A receipt that will come: one per queued entry, shared by everyone who waits for it. */
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

export function topicOf(channel: string): string {
  return `ledger.${channel}`;
}

export class DepartmentClient {
  private producer: Producer | undefined;
  private readonly queue: OutboxEntry[] = [];
  private readonly receipts = new Map<bigint, PendingReceipt>();
  private wake: (() => void) | undefined;
  private closing = false;
  private loop: Promise<void> | undefined;
  private consecutiveFailures = 0;
  /** The last send error, while the client is failing. */
  lastError: Error | undefined;

  private constructor(
    private readonly opts: Required<Omit<DepartmentClientOptions, 'initialSequence' | 'onSendError'>> & Pick<DepartmentClientOptions, 'onSendError'>,
    readonly outbox: Outbox,
  ) {}

  /** Opens the outbox and starts the send loop, which first re-sends whatever was not acknowledged. */
  static async open(options: DepartmentClientOptions): Promise<DepartmentClient> {
    const outbox = await Outbox.open(options.stateDir, options.channel, options.departmentId, options.initialSequence ?? 1n);
    const client = new DepartmentClient(
      {
        batchSize: 500,
        lingerMs: 5,
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
    return topicOf(this.opts.channel);
  }

  /**
   * Builds, signs, stores and sends one event; resolves with its receipt once Kafka acknowledged
   * it. Bad input throws before anything is stored (no sequence number is used).
   */
  async publish(payload: Payload): Promise<Receipt> {
    const entry = await this.enqueue(payload);
    return this.receiptOf(entry);
  }

  /** Stores and queues several events at once (in this order); resolves with their receipts. */
  async publishMany(payloads: Payload[]): Promise<Receipt[]> {
    const entries: OutboxEntry[] = [];
    for (const p of payloads) entries.push(await this.enqueue(p));
    return Promise.all(entries.map((e) => this.receiptOf(e)));
  }

  /** Stores and queues one event without waiting for Kafka; returns its outbox entry. */
  async enqueue(payload: Payload): Promise<OutboxEntry> {
    if (this.closing) throw new LedgerError('CONFLICT', 'the department client is closed', {});
    const entry = await this.outbox.append((sequence) =>
      buildSignedEvent(
        {
          ...payload,
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
    this.track(entry);
    return entry;
  }

  private track(entry: OutboxEntry): void {
    this.receipts.set(entry.sequence, new PendingReceipt());
    this.queue.push(entry);
    this.wake?.();
  }

  /** Resolves when everything queued so far is acknowledged. */
  async flush(timeoutMs = 60_000): Promise<void> {
    const last = this.queue[this.queue.length - 1];
    if (last === undefined) return;
    await withTimeout(this.receiptOf(last), timeoutMs, () => this.unavailable());
  }

  /** Stops sending; what is not acknowledged stays in the outbox for the next run. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.loop;
    for (const r of this.receipts.values()) {
      r.reject(new LedgerError('UNAVAILABLE', 'the client closed before Kafka acknowledged the event; it stays in the outbox and is sent on the next run', {}));
    }
    this.receipts.clear();
    await this.producer?.disconnect().catch(() => undefined);
    await this.outbox.close();
  }

  /** The receipt of an entry: resolved once Kafka acknowledged it (at once if it already was). */
  async receiptOf(entry: OutboxEntry): Promise<Receipt> {
    const r = this.receipts.get(entry.sequence);
    if (r !== undefined) return r.promise;
    const stored = await this.outbox.entry(entry.sequence);
    if (stored?.state === 'acknowledged' && stored.offset !== undefined && stored.partition !== undefined) {
      return { eventId: stored.eventId, sequence: stored.sequence, partition: stored.partition, offset: stored.offset };
    }
    throw new LedgerError('NOT_FOUND', `event ${entry.sequence} is neither queued in this client nor acknowledged`, { sequence: entry.sequence.toString() });
  }

  private unavailable(): LedgerError {
    return new LedgerError(
      'UNAVAILABLE',
      `Kafka did not acknowledge the events in time${this.lastError ? ` (${this.lastError.message})` : ''}; they stay in the outbox and are sent when the broker is back`,
      { pending: this.queue.length },
    );
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.opts.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async sendLoop(): Promise<void> {
    // close() stops the loop after the send in flight; call flush() first to wait for the rest.
    while (!this.closing) {
      if (this.queue.length === 0) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      if (this.queue.length < this.opts.batchSize && !this.closing) {
        await sleep(this.opts.lingerMs);
      }
      const batch = this.queue.slice(0, this.opts.batchSize);
      try {
        const producer = await this.connectedProducer();
        const result = await producer.send({
          topic: this.topic,
          acks: -1,
          messages: batch.map((e) => ({ value: Buffer.from(e.recordValue.buffer, e.recordValue.byteOffset, e.recordValue.byteLength) })),
        });
        const meta = result[0];
        if (meta === undefined || meta.baseOffset === undefined) throw new Error('Kafka returned no offset for the batch');
        const base = BigInt(meta.baseOffset);
        const acks = batch.map((entry, i) => ({ entry, partition: meta.partition, offset: base + BigInt(i) }));
        await this.outbox.acknowledge(acks);
        this.queue.splice(0, batch.length);
        this.consecutiveFailures = 0;
        this.lastError = undefined;
        for (const a of acks) {
          const r = this.receipts.get(a.entry.sequence);
          this.receipts.delete(a.entry.sequence);
          r?.resolve({ eventId: a.entry.eventId, sequence: a.entry.sequence, partition: a.partition, offset: a.offset });
        }
      } catch (e) {
        // Recreate the producer and re-send everything unacknowledged, in order (module comment).
        this.lastError = e as Error;
        this.consecutiveFailures++;
        this.opts.onSendError?.(e as Error);
        const old = this.producer;
        this.producer = undefined;
        await old?.disconnect().catch(() => undefined);
        if (this.closing) break;
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(this.consecutiveFailures, 7)));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
