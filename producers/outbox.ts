/**
 * @module producers/outbox
 * A department's durable outbox (LevelDB): every signed event is written here, with its sequence
 * number, *before* it is sent, in the same synced batch that advances the next sequence number, so
 * that a crash at any moment (the process or the machine) neither reuses nor skips a number
 * (DESIGN.md sections 5 and 11). Entries stay, marked acknowledged with their Kafka offset, until
 * they are seen committed (`pruneCommitted`, fed by committed receipts from the API or its stream);
 * what was not acknowledged is re-sent in order, byte-identical, after a restart or a producer failure.
 *
 * Acknowledgements come in sequence order (one send in flight, sent in sequence order), so the
 * acknowledged entries are a prefix: the outbox keeps an "acknowledged through" number and one
 * small record per acknowledged Kafka batch (first sequence, count, partition, base offset) rather
 * than rewriting every entry. An acknowledgement is not synced: losing one to a machine crash only
 * causes a re-send, and byte-identical copies in the topic are harmless (consensus drops them).
 *
 * Keys: `meta` (format, channel, department, first sequence), `next` (the next sequence number),
 * `acked` (acknowledged through), `pruned` (entries removed once seen committed), `e:<seq>` (event
 * id || record value), `a:<first seq>` (a batch's acknowledgement). Sequence numbers are 20-digit decimal in keys, so keys sort in sequence order.
 */
import { Level } from 'level';
import { LedgerError } from '../errors/ledger-error.js';

export const OUTBOX_FORMAT = 2;

export type OutboxState = 'pending' | 'acknowledged';

export interface OutboxEntry {
  sequence: bigint;
  eventId: Uint8Array;
  /** The exact Kafka record value (an encoded TopicRecord). */
  recordValue: Uint8Array;
  state: OutboxState;
  partition?: number;
  offset?: bigint;
}

export interface OutboxCounts {
  channel: string;
  departmentId: string;
  /** The sequence number the next event gets. */
  nextSequence: bigint;
  /** Entries stored and not yet acknowledged by Kafka. */
  pending: number;
  /** Entries acknowledged (kept until seen committed). */
  acknowledged: number;
}

interface Meta {
  format: number;
  channel: string;
  departmentId: string;
  firstSequence: string;
}

interface AckRecord {
  count: number;
  partition: number;
  offset: string;
}

const META_KEY = 'meta';
const NEXT_KEY = 'next';
const ACKED_KEY = 'acked';
const PRUNED_KEY = 'pruned';
const ENTRY_PREFIX = 'e:';
const ACK_PREFIX = 'a:';
const EVENT_ID_LENGTH = 32;

const seqKey = (prefix: string, s: bigint): string => prefix + s.toString().padStart(20, '0');
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const str = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

function entryValue(eventId: Uint8Array, recordValue: Uint8Array): Uint8Array {
  const v = new Uint8Array(EVENT_ID_LENGTH + recordValue.length);
  v.set(eventId, 0);
  v.set(recordValue, EVENT_ID_LENGTH);
  return v;
}

/** What one `appendMany` item becomes: a stored entry, or the error its build threw (no number used). */
export type AppendResult = { ok: true; entry: OutboxEntry } | { ok: false; error: unknown };

export class Outbox {
  private nextSeq: bigint;
  /** The next number to hand out: ahead of nextSeq while batches are being written. */
  private reserved: bigint;
  /** Bumped by a failed write: batches reserved before it are refused. */
  private epoch = 0;
  private ackedThrough: bigint;
  /** Serialises appends: sequence numbers are handed out one batch at a time. */
  private appendChain: Promise<unknown> = Promise.resolve();
  private ackChain: Promise<unknown> = Promise.resolve();
  /** Acknowledged entries removed because they were seen committed. */
  private prunedCount = 0;

  private constructor(
    private readonly db: Level<string, Uint8Array>,
    readonly channel: string,
    readonly departmentId: string,
    readonly firstSequence: bigint,
    nextSequence: bigint,
    ackedThrough: bigint,
    private readonly syncWrites: boolean,
  ) {
    this.nextSeq = nextSequence;
    this.reserved = nextSequence;
    this.ackedThrough = ackedThrough;
  }

  /**
   * Opens the outbox in `dir`, creating it for (channel, department) if new. A folder that belongs
   * to another channel or department is refused.
   * @param initialSequence the department's next sequence number when the folder is new (1 for a new department)
   * @param options.sync fsync each append batch (default true; tests of logic alone may turn it off)
   * @throws LedgerError FILE_UNREADABLE (cannot open, e.g. another process holds it), STORE_FORMAT, CONFLICT
   */
  static async open(dir: string, channel: string, departmentId: string, initialSequence = 1n, options: { sync?: boolean } = {}): Promise<Outbox> {
    if (initialSequence < 1n) throw new LedgerError('BAD_ARGUMENT', 'sequence numbers start at 1', { initialSequence: initialSequence.toString() });
    const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new LedgerError('FILE_UNREADABLE', `cannot open the outbox in ${dir}: ${cause} (is another process using it?)`, { dir }, { cause: e });
    }
    try {
      const [rawMeta, rawNext, rawAcked] = await db.getMany([META_KEY, NEXT_KEY, ACKED_KEY]);
      if (rawMeta === undefined) {
        const meta: Meta = { format: OUTBOX_FORMAT, channel, departmentId, firstSequence: initialSequence.toString() };
        await db.batch(
          [
            { type: 'put', key: META_KEY, value: text(JSON.stringify(meta)) },
            { type: 'put', key: NEXT_KEY, value: text(initialSequence.toString()) },
            { type: 'put', key: ACKED_KEY, value: text((initialSequence - 1n).toString()) },
          ],
          { sync: true },
        );
        return new Outbox(db, channel, departmentId, initialSequence, initialSequence, initialSequence - 1n, options.sync ?? true);
      }
      const meta = JSON.parse(str(rawMeta)) as Meta;
      if (meta.format !== OUTBOX_FORMAT) {
        throw new LedgerError('STORE_FORMAT', `outbox ${dir} has format ${meta.format}; this build reads ${OUTBOX_FORMAT}`, { dir });
      }
      if (meta.channel !== channel || meta.departmentId !== departmentId) {
        throw new LedgerError('CONFLICT', `outbox ${dir} belongs to department ${meta.departmentId} on channel ${meta.channel}, not ${departmentId} on ${channel}`, {
          dir,
          channel: meta.channel,
          departmentId: meta.departmentId,
        });
      }
      if (rawNext === undefined || rawAcked === undefined) throw new LedgerError('STORE_FORMAT', `outbox ${dir} lacks its counters`, { dir });
      const outbox = new Outbox(db, channel, departmentId, BigInt(meta.firstSequence), BigInt(str(rawNext)), BigInt(str(rawAcked)), options.sync ?? true);
      const rawPruned = await db.get(PRUNED_KEY);
      outbox.prunedCount = rawPruned === undefined ? 0 : Number(str(rawPruned));
      return outbox;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** The sequence number the next appended event will get. */
  get nextSequence(): bigint {
    return this.nextSeq;
  }

  /** The highest sequence number acknowledged by Kafka (first sequence - 1 when none). */
  get acknowledgedThrough(): bigint {
    return this.ackedThrough;
  }

  counts(): OutboxCounts {
    return {
      channel: this.channel,
      departmentId: this.departmentId,
      nextSequence: this.nextSeq,
      pending: Number(this.nextSeq - 1n - this.ackedThrough),
      acknowledged: Number(this.ackedThrough - this.firstSequence + 1n) - this.prunedCount,
    };
  }

  /**
   * Assigns consecutive sequence numbers to the events `build` makes from `items`, in order, and
   * stores them with the advanced counter in one atomic, synced batch. An item whose build throws
   * (bad input) gets no number: the next item takes it.
   *
   * The events are built (signed) at once, while earlier batches may still be writing: numbers are
   * reserved ahead of the durable counter so that signing overlaps the fsync. Writes happen in call
   * order. If a write fails, its numbers are not used, and every batch reserved after it fails too
   * (its numbers would skip the failed ones): callers see the error and may publish again.
   */
  appendMany<T>(items: readonly T[], build: (item: T, sequence: bigint) => { id: Uint8Array; recordValue: Uint8Array }): Promise<AppendResult[]> {
    let sequence = this.reserved;
    const results: AppendResult[] = [];
    const ops: Array<{ type: 'put'; key: string; value: Uint8Array }> = [];
    for (const item of items) {
      let built;
      try {
        built = build(item, sequence);
      } catch (error) {
        results.push({ ok: false, error });
        continue;
      }
      ops.push({ type: 'put', key: seqKey(ENTRY_PREFIX, sequence), value: entryValue(built.id, built.recordValue) });
      results.push({ ok: true, entry: { sequence, eventId: built.id, recordValue: built.recordValue, state: 'pending' } });
      sequence++;
    }
    this.reserved = sequence;
    const epoch = this.epoch;
    const write = async (): Promise<AppendResult[]> => {
      if (ops.length === 0) return results;
      if (epoch !== this.epoch) throw new LedgerError('UNAVAILABLE', 'an earlier outbox write failed; these events were not stored', {});
      ops.push({ type: 'put', key: NEXT_KEY, value: text(sequence.toString()) });
      try {
        // Synced: an event sent to Kafka must survive a machine crash in the outbox, else its
        // number could be reused for another event after the restart (an equivocation).
        await this.db.batch(ops, { sync: this.syncWrites });
      } catch (e) {
        this.epoch++;
        this.reserved = this.nextSeq;
        throw e;
      }
      this.nextSeq = sequence;
      return results;
    };
    const p = this.appendChain.then(write, write);
    this.appendChain = p.catch(() => undefined);
    return p;
  }

  /**
   * Assigns the next sequence number to the event `build` makes and stores it (see appendMany).
   * @throws whatever `build` throws (then no number is used)
   */
  async append(build: (sequence: bigint) => { id: Uint8Array; recordValue: Uint8Array }): Promise<OutboxEntry> {
    const [r] = await this.appendMany([0], (_i, s) => build(s));
    if (!r!.ok) throw r!.error;
    return r!.entry;
  }

  /** Entries not yet acknowledged by Kafka, in sequence order. */
  async pending(limit = Infinity): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    if (limit <= 0) return out;
    const gte = seqKey(ENTRY_PREFIX, this.ackedThrough + 1n);
    for await (const [key, value] of this.db.iterator({ gte, lt: 'e;' })) {
      out.push(this.decodeEntry(BigInt(key.slice(ENTRY_PREFIX.length)), value, undefined));
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Marks `count` entries from `first` acknowledged: Kafka wrote them at consecutive offsets from
   * `baseOffset` in `partition` (one record batch).
   * @throws LedgerError INTERNAL when `first` is not the first unacknowledged entry (out of order)
   */
  acknowledge(first: bigint, count: number, partition: number, baseOffset: bigint): Promise<void> {
    const run = async (): Promise<void> => {
      if (count <= 0) return;
      if (first !== this.ackedThrough + 1n || first + BigInt(count) > this.nextSeq) {
        throw new LedgerError('INTERNAL', `acknowledgement of ${first}..${first + BigInt(count) - 1n} out of order (acknowledged through ${this.ackedThrough}, next ${this.nextSeq})`, {});
      }
      const last = first + BigInt(count) - 1n;
      const record: AckRecord = { count, partition, offset: baseOffset.toString() };
      await this.db.batch([
        { type: 'put', key: seqKey(ACK_PREFIX, first), value: text(JSON.stringify(record)) },
        { type: 'put', key: ACKED_KEY, value: text(last.toString()) },
      ]);
      this.ackedThrough = last;
    };
    const p = this.ackChain.then(run, run);
    this.ackChain = p.catch(() => undefined);
    return p;
  }

  /**
   * Removes acknowledged entries that are seen committed: each given (sequence, event id) whose
   * stored entry has that id and is acknowledged is deleted (an id that differs, or an entry not
   * yet acknowledged, is left alone: a receipt never removes what may still need sending), and
   * acknowledgement records no remaining entry needs go too. Returns how many entries went.
   */
  pruneCommitted(committed: ReadonlyArray<{ sequence: bigint; eventId: Uint8Array }>): Promise<number> {
    const run = async (): Promise<number> => {
      const candidates = committed.filter((c) => c.sequence >= this.firstSequence && c.sequence <= this.ackedThrough);
      if (candidates.length === 0) return 0;
      const keys = candidates.map((c) => seqKey(ENTRY_PREFIX, c.sequence));
      const stored = await this.db.getMany(keys);
      const ops: Array<{ type: 'del'; key: string } | { type: 'put'; key: string; value: Uint8Array }> = [];
      const seen = new Set<string>();
      candidates.forEach((c, i) => {
        const v = stored[i];
        if (v === undefined || seen.has(keys[i]!) || c.eventId.length !== EVENT_ID_LENGTH) return;
        for (let j = 0; j < EVENT_ID_LENGTH; j++) if (v[j] !== c.eventId[j]) return;
        seen.add(keys[i]!);
        ops.push({ type: 'del', key: keys[i]! });
      });
      if (ops.length === 0) return 0;
      // acknowledgement records below the lowest entry that stays are no longer needed
      const deleted = new Set(ops.map((o) => o.key));
      let lowest: bigint | undefined;
      for await (const key of this.db.keys({ gte: ENTRY_PREFIX, lt: 'e;' })) {
        if (!deleted.has(key)) {
          lowest = BigInt(key.slice(ENTRY_PREFIX.length));
          break;
        }
      }
      for await (const [key, value] of this.db.iterator({ gte: ACK_PREFIX, lt: 'a;' })) {
        const first = BigInt(key.slice(ACK_PREFIX.length));
        const last = first + BigInt((JSON.parse(str(value)) as AckRecord).count) - 1n;
        if (lowest !== undefined && last >= lowest) break;
        if (last <= this.ackedThrough) ops.push({ type: 'del', key });
      }
      const pruned = this.prunedCount + deleted.size;
      ops.push({ type: 'put', key: PRUNED_KEY, value: text(String(pruned)) });
      await this.db.batch(ops);
      this.prunedCount = pruned;
      return deleted.size;
    };
    // after any acknowledgement in progress (they write the same records)
    const p = this.ackChain.then(run, run);
    this.ackChain = p.catch(() => undefined);
    return p;
  }

  /** One entry by sequence number, with its partition and offset when acknowledged. */
  async entry(sequence: bigint): Promise<OutboxEntry | undefined> {
    const raw = await this.db.get(seqKey(ENTRY_PREFIX, sequence));
    if (raw === undefined) return undefined;
    let ack: { first: bigint; record: AckRecord } | undefined;
    if (sequence <= this.ackedThrough) {
      for await (const [key, value] of this.db.iterator({ gte: ACK_PREFIX, lte: seqKey(ACK_PREFIX, sequence), reverse: true, limit: 1 })) {
        ack = { first: BigInt(key.slice(ACK_PREFIX.length)), record: JSON.parse(str(value)) as AckRecord };
      }
    }
    return this.decodeEntry(sequence, raw, ack);
  }

  /** All entries in sequence order, with their acknowledgements (for inspection and tests). */
  async *entries(): AsyncGenerator<OutboxEntry> {
    const acks: Array<{ first: bigint; record: AckRecord }> = [];
    for await (const [key, value] of this.db.iterator({ gte: ACK_PREFIX, lt: 'a;' })) {
      acks.push({ first: BigInt(key.slice(ACK_PREFIX.length)), record: JSON.parse(str(value)) as AckRecord });
    }
    let i = 0;
    for await (const [key, value] of this.db.iterator({ gte: ENTRY_PREFIX, lt: 'e;' })) {
      const sequence = BigInt(key.slice(ENTRY_PREFIX.length));
      while (i < acks.length && acks[i]!.first + BigInt(acks[i]!.record.count) <= sequence) i++;
      const ack = i < acks.length && acks[i]!.first <= sequence && sequence <= this.ackedThrough ? acks[i] : undefined;
      yield this.decodeEntry(sequence, value, ack);
    }
  }

  private decodeEntry(sequence: bigint, raw: Uint8Array, ack: { first: bigint; record: AckRecord } | undefined): OutboxEntry {
    const entry: OutboxEntry = {
      sequence,
      // copies into plain Uint8Arrays (LevelDB may hand back a Buffer over a shared allocation)
      eventId: new Uint8Array(raw.subarray(0, EVENT_ID_LENGTH)),
      recordValue: new Uint8Array(raw.subarray(EVENT_ID_LENGTH)),
      state: sequence <= this.ackedThrough ? 'acknowledged' : 'pending',
    };
    if (ack !== undefined) {
      entry.partition = ack.record.partition;
      entry.offset = BigInt(ack.record.offset) + (sequence - ack.first);
    }
    return entry;
  }

  async close(): Promise<void> {
    await this.appendChain;
    await this.ackChain;
    await this.db.close();
  }
}
