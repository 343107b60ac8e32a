/**
 * @module producers/outbox
 * A department's durable outbox (LevelDB): every signed event is written here, with its sequence
 * number, *before* it is sent, in the same batch that advances the next sequence number, so that a
 * crash at any moment neither reuses nor skips a number (DESIGN.md sections 5 and 11). Entries stay,
 * marked acknowledged with their Kafka offset, until they are seen committed; what was not
 * acknowledged is re-sent in order, byte-identical, after a restart or a producer failure.
 */
import { Level } from 'level';
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../ledger/errors.js';

export const OUTBOX_FORMAT = 1;

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

interface Meta {
  format: number;
  channel: string;
  departmentId: string;
  nextSequence: string;
}

interface StoredEntry {
  id: string;
  v: string;
  st: 'p' | 'a';
  p?: number;
  o?: string;
}

const META_KEY = 'meta';
const ENTRY_PREFIX = 'e:';
const PENDING_PREFIX = 'p:';
/** Sequence numbers as fixed-width decimal so that keys sort in sequence order. */
const seqKey = (prefix: string, s: bigint): string => prefix + s.toString().padStart(20, '0');

function decodeEntry(sequence: bigint, raw: string): OutboxEntry {
  const s = JSON.parse(raw) as StoredEntry;
  return {
    sequence,
    eventId: new Uint8Array(Buffer.from(s.id, 'hex')),
    recordValue: new Uint8Array(Buffer.from(s.v, 'base64')),
    state: s.st === 'a' ? 'acknowledged' : 'pending',
    ...(s.p !== undefined ? { partition: s.p } : {}),
    ...(s.o !== undefined ? { offset: BigInt(s.o) } : {}),
  };
}

function encodeEntry(e: OutboxEntry): string {
  const s: StoredEntry = { id: toHex(e.eventId), v: Buffer.from(e.recordValue).toString('base64'), st: e.state === 'acknowledged' ? 'a' : 'p' };
  if (e.partition !== undefined) s.p = e.partition;
  if (e.offset !== undefined) s.o = e.offset.toString();
  return JSON.stringify(s);
}

export class Outbox {
  private nextSeq: bigint;
  /** Serialises appends: sequence numbers are handed out one at a time. */
  private appendChain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Level<string, string>,
    readonly channel: string,
    readonly departmentId: string,
    nextSequence: bigint,
  ) {
    this.nextSeq = nextSequence;
  }

  /**
   * Opens the outbox in `dir`, creating it for (channel, department) if new. A folder that belongs
   * to another channel or department is refused.
   * @param initialSequence the department's next sequence number when the folder is new (1 for a new department)
   */
  static async open(dir: string, channel: string, departmentId: string, initialSequence = 1n): Promise<Outbox> {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (e) {
      throw new LedgerError('FILE_UNREADABLE', `cannot open the outbox in ${dir}: ${(e as Error).message} (is another process using it?)`, { dir }, { cause: e });
    }
    const raw = await db.get(META_KEY);
    let meta: Meta;
    if (raw === undefined) {
      if (initialSequence < 1n) throw new LedgerError('BAD_ARGUMENT', 'sequence numbers start at 1', { initialSequence: initialSequence.toString() });
      meta = { format: OUTBOX_FORMAT, channel, departmentId, nextSequence: initialSequence.toString() };
      await db.put(META_KEY, JSON.stringify(meta));
    } else {
      meta = JSON.parse(raw) as Meta;
      if (meta.format !== OUTBOX_FORMAT) {
        await db.close();
        throw new LedgerError('STORE_FORMAT', `outbox ${dir} has format ${meta.format}; this build reads ${OUTBOX_FORMAT}`, { dir });
      }
      if (meta.channel !== channel || meta.departmentId !== departmentId) {
        await db.close();
        throw new LedgerError('CONFLICT', `outbox ${dir} belongs to department ${meta.departmentId} on channel ${meta.channel}, not ${departmentId} on ${channel}`, {
          dir,
          channel: meta.channel,
          departmentId: meta.departmentId,
        });
      }
    }
    return new Outbox(db, channel, departmentId, BigInt(meta.nextSequence));
  }

  /** The sequence number the next appended event will get. */
  get nextSequence(): bigint {
    return this.nextSeq;
  }

  /**
   * Assigns the next sequence number to the event `build` makes, and stores the event and the
   * advanced counter in one atomic batch. If `build` throws (bad input), nothing is stored and the
   * number is not used.
   */
  append(build: (sequence: bigint) => { id: Uint8Array; recordValue: Uint8Array }): Promise<OutboxEntry> {
    const run = async (): Promise<OutboxEntry> => {
      const sequence = this.nextSeq;
      const built = build(sequence);
      const entry: OutboxEntry = { sequence, eventId: built.id, recordValue: built.recordValue, state: 'pending' };
      const meta: Meta = { format: OUTBOX_FORMAT, channel: this.channel, departmentId: this.departmentId, nextSequence: (sequence + 1n).toString() };
      await this.db.batch([
        { type: 'put', key: seqKey(ENTRY_PREFIX, sequence), value: encodeEntry(entry) },
        { type: 'put', key: seqKey(PENDING_PREFIX, sequence), value: '' },
        { type: 'put', key: META_KEY, value: JSON.stringify(meta) },
      ]);
      this.nextSeq = sequence + 1n;
      return entry;
    };
    const p = this.appendChain.then(run, run);
    this.appendChain = p.catch(() => undefined);
    return p;
  }

  /** Entries not yet acknowledged by Kafka, in sequence order. */
  async pending(limit = Infinity): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for await (const key of this.db.keys({ gte: PENDING_PREFIX, lt: 'p;' })) {
      if (out.length >= limit) break;
      const sequence = BigInt(key.slice(PENDING_PREFIX.length));
      const raw = await this.db.get(seqKey(ENTRY_PREFIX, sequence));
      if (raw === undefined) throw new LedgerError('STORE_FORMAT', `outbox entry ${sequence} is missing`, { sequence: sequence.toString() });
      out.push(decodeEntry(sequence, raw));
    }
    return out;
  }

  /** Marks entries acknowledged with their Kafka partition and offset, in one batch. */
  async acknowledge(acks: Array<{ entry: OutboxEntry; partition: number; offset: bigint }>): Promise<void> {
    if (acks.length === 0) return;
    const ops = acks.flatMap(({ entry, partition, offset }) => [
      { type: 'put' as const, key: seqKey(ENTRY_PREFIX, entry.sequence), value: encodeEntry({ ...entry, state: 'acknowledged', partition, offset }) },
      { type: 'del' as const, key: seqKey(PENDING_PREFIX, entry.sequence) },
    ]);
    await this.db.batch(ops);
  }

  /** One entry by sequence number. */
  async entry(sequence: bigint): Promise<OutboxEntry | undefined> {
    const raw = await this.db.get(seqKey(ENTRY_PREFIX, sequence));
    return raw === undefined ? undefined : decodeEntry(sequence, raw);
  }

  /** All entries in sequence order (for inspection and tests). */
  async *entries(): AsyncGenerator<OutboxEntry> {
    for await (const [key, value] of this.db.iterator({ gte: ENTRY_PREFIX, lt: 'e;' })) {
      yield decodeEntry(BigInt(key.slice(ENTRY_PREFIX.length)), value);
    }
  }

  async close(): Promise<void> {
    await this.appendChain;
    await this.db.close();
  }
}
