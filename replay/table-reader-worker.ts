/**
 * @module replay/table-reader-worker
 * A worker thread that reads one side of the rebuild's comparison (replay/compare-tables.ts,
 * issue 20: use both cores). classic-level makes a Buffer of every key and value it returns, on the
 * thread that reads (about 2 µs per entry, most of the comparison's CPU): here that work runs on
 * another core, and the entries go back packed in one transferred ArrayBuffer per batch, which the
 * main thread compares in place.
 *
 * The database is opened by its location with classic-level's `multithreading` option, which
 * shares the LevelDB the main thread opened (also with that option; otherwise the open fails on
 * LevelDB's lock and the caller compares on its own thread). Read-only: nothing is written.
 *
 * Messages in: `open` {location}; `read` {gte, lt, cut} starts a range (keys are sent without their
 * first `cut` bytes, the sublevel's prefix); `more` asks for the next batch of that range; `close`.
 * Messages out: `opened`, `batch` {data, count} (count 0: the range ended), `closed`, `error`
 * {message}. Batch layout: for each entry, u32 key length, key, u32 value length, value (lengths
 * big-endian).
 */
import { parentPort } from 'node:worker_threads';
import { Level } from 'level';

type Entry = [Uint8Array, Uint8Array];
interface Iter {
  nextv(n: number): Promise<Entry[]>;
  close(): Promise<void>;
}
export type ReaderRequest =
  | { type: 'open'; location: string }
  | { type: 'read'; gte: Uint8Array; lt: Uint8Array; cut: number }
  | { type: 'more' }
  | { type: 'close' };
export type ReaderReply = { type: 'opened' } | { type: 'batch'; data: ArrayBuffer; count: number } | { type: 'closed' } | { type: 'error'; message: string };

/** Entries per read, and bytes (classic-level's own default stops a read at 16 KiB). */
export const READ_BATCH = 8_192;
export const READ_BATCH_BYTES = 4 << 20;

let db: Level<Uint8Array, Uint8Array> | undefined;
let it: Iter | undefined;
let cut = 0;

/** One batch of entries in the layout above. */
function pack(entries: Entry[]): ArrayBuffer {
  let size = 0;
  for (const [k, v] of entries) size += 8 + k.length - cut + v.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const [k, v] of entries) {
    const kl = k.length - cut;
    out[at] = kl >>> 24;
    out[at + 1] = kl >>> 16;
    out[at + 2] = kl >>> 8;
    out[at + 3] = kl;
    out.set(cut === 0 ? k : k.subarray(cut), at + 4);
    at += 4 + kl;
    const vl = v.length;
    out[at] = vl >>> 24;
    out[at + 1] = vl >>> 16;
    out[at + 2] = vl >>> 8;
    out[at + 3] = vl;
    out.set(v, at + 4);
    at += 4 + vl;
  }
  return out.buffer;
}

async function handle(m: ReaderRequest): Promise<ReaderReply> {
  switch (m.type) {
    case 'open':
      db = new Level<Uint8Array, Uint8Array>(m.location, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false, multithreading: true } as never);
      await db.open();
      return { type: 'opened' };
    case 'read':
      await it?.close();
      cut = m.cut;
      it = db!.iterator({ gte: m.gte, lt: m.lt, keyEncoding: 'view', valueEncoding: 'view', highWaterMarkBytes: READ_BATCH_BYTES } as never) as unknown as Iter;
      return { type: 'batch', ...(await next()) };
    case 'more':
      return { type: 'batch', ...(await next()) };
    case 'close':
      await it?.close();
      it = undefined;
      await db?.close();
      db = undefined;
      return { type: 'closed' };
  }
}

async function next(): Promise<{ data: ArrayBuffer; count: number }> {
  const entries = await it!.nextv(READ_BATCH);
  return { data: pack(entries), count: entries.length };
}

// Requests are handled one at a time, in order (a range's batches must not overtake each other).
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (m: ReaderRequest) => {
  queue = queue.then(async () => {
    let reply: ReaderReply;
    try {
      reply = await handle(m);
    } catch (e) {
      reply = { type: 'error', message: (e as { cause?: Error }).cause?.message ?? (e as Error).message };
    }
    if (reply.type === 'batch') parentPort!.postMessage(reply, [reply.data]);
    else parentPort!.postMessage(reply);
  });
});
