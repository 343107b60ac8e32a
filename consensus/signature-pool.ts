/**
 * @module consensus/signature-pool
 * Signature checks on every core (DESIGN.md section 6: only the curve arithmetic may run on
 * worker threads, with results joined back in offset order). The node prepares, for a chunk of
 * records, the (public key, event id, signature) triples the fold will most likely ask about —
 * the signer's key of the event's version as the state stands before the chunk — verifies them on
 * worker threads, and hands the fold a synchronous check that answers from those results. A triple
 * the fold asks about that was not prepared (a key changed within the chunk) is verified in the
 * fold itself, so the answer never depends on the guess.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bytesEqual, bytesKey } from '../ledger/bytes.js';
import { eventId } from '../ledger/hash.js';
import { verifyEd25519 } from '../ledger/signature.js';
import type { BlockState, SignatureCheck } from '../ledger/state-machine.js';
import { findKey, recordKey } from '../ledger/state-records.js';
import { decode } from '../proto/codec.js';
import type { DepartmentRecord, SignedEvent } from '../proto/schema.generated.js';
import { ITEM_BYTES } from './signature-worker.js';

interface Job {
  resolve(r: Uint8Array): void;
  reject(e: Error): void;
}

export class SignaturePool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private turn = 0;

  /** @param size worker threads (default: the machine's cores) */
  constructor(size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(new URL('./signature-worker.js', import.meta.url));
      w.on('message', (m: { id: number; results: Uint8Array }) => {
        const job = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        job?.resolve(m.results);
      });
      w.on('error', (e) => {
        for (const j of this.jobs.values()) j.reject(e);
        this.jobs.clear();
      });
      w.unref();
      this.workers.push(w);
    }
  }

  private run(items: Uint8Array): Promise<Uint8Array> {
    const id = this.nextId++;
    const w = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      w.postMessage({ id, items }, [items.buffer as ArrayBuffer]);
    });
  }

  /** Verifies triples across the workers; results in input order. */
  async verifyMany(items: Array<{ publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }>): Promise<boolean[]> {
    if (items.length === 0) return [];
    const parts = Math.min(this.workers.length, Math.ceil(items.length / 16));
    const per = Math.ceil(items.length / parts);
    const runs: Array<Promise<Uint8Array>> = [];
    for (let p = 0; p < parts; p++) {
      const slice = items.slice(p * per, (p + 1) * per);
      const packed = new Uint8Array(slice.length * ITEM_BYTES);
      slice.forEach((it, i) => {
        const o = i * ITEM_BYTES;
        // wrong lengths cannot verify: pack zeros, the rule rejects them
        if (it.publicKey.length === 32) packed.set(it.publicKey, o);
        if (it.message.length === 32) packed.set(it.message, o + 32);
        if (it.signature.length === 64) packed.set(it.signature, o + 64);
      });
      runs.push(this.run(packed));
    }
    const out: boolean[] = [];
    for (const r of await Promise.all(runs)) for (let i = 0; i < r.length; i++) out.push(r[i] === 1);
    return out;
  }

  /**
   * The SignaturePreparer for NodeCore: verifies what the fold will likely ask, on the workers.
   */
  prepare = async (events: SignedEvent[], state: BlockState): Promise<SignatureCheck> => {
    const parsed: Array<{ id: Uint8Array; departmentId: string; keyVersion: number; signature: Uint8Array }> = [];
    for (const ev of events) {
      // the fold's own decode (prefetch ran first), else decoded here
      const done = state.decodedEvent(ev);
      if (done !== undefined) {
        parsed.push({ id: done.id, departmentId: done.body.departmentId, keyVersion: done.body.keyVersion, signature: ev.signature });
        continue;
      }
      try {
        const body = decode('EventBody', ev.body);
        parsed.push({ id: eventId(ev.body), departmentId: body.departmentId, keyVersion: body.keyVersion, signature: ev.signature });
      } catch {
        /* malformed: the fold drops it without asking */
      }
    }
    const deptIds = [...new Set(parsed.map((p) => p.departmentId))];
    const records = await state.getRecords(deptIds.map((d) => recordKey('dept', d)));
    const depts = new Map<string, DepartmentRecord>();
    deptIds.forEach((d, i) => {
      const r = records[i];
      if (r !== undefined) depts.set(d, r as DepartmentRecord);
    });
    const items: Array<{ publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }> = [];
    for (const p of parsed) {
      const dept = depts.get(p.departmentId);
      const key = dept ? findKey(dept, p.keyVersion) : undefined;
      if (key !== undefined) items.push({ publicKey: key.publicKey, message: p.id, signature: p.signature });
    }
    const results = await this.verifyMany(items);
    // Joined by the event id, then the exact public key and signature bytes compared: one short
    // key per event rather than a string of the whole triple built twice (issue 19).
    const known = new Map<string, Array<{ publicKey: Uint8Array; signature: Uint8Array; valid: boolean }>>();
    items.forEach((it, i) => {
      if (it.publicKey.length !== 32 || it.message.length !== 32) return;
      const k = bytesKey(it.message);
      const entry = { publicKey: it.publicKey, signature: it.signature, valid: results[i]! };
      const list = known.get(k);
      if (list === undefined) known.set(k, [entry]);
      else list.push(entry);
    });
    return (publicKey, id, signature) => {
      const list = publicKey.length === 32 && id.length === 32 ? known.get(bytesKey(id)) : undefined;
      const hit = list?.find((e) => bytesEqual(e.publicKey, publicKey) && bytesEqual(e.signature, signature));
      return hit !== undefined ? hit.valid : verifyEd25519(publicKey, id, signature);
    };
  };

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
