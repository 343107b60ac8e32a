/**
 * @module witness/witness
 * A C2SP tlog-witness (tlog-witness.md, add-checkpoint) for any C2SP log, ours included: for each
 * configured log origin it keeps the latest cosigned size and root in LevelDB, and answers an
 * add-checkpoint with the spec's status codes:
 * 400 malformed or old size > size; 404 unknown origin; 403 no signature by a trusted log key;
 * 409 (body `<latest size>\n`, text/x.tlog.size) old size is not the latest cosigned size, or the
 * same size with another root (a fork); 422 the consistency proof does not verify; 200 the
 * cosignature line. Check-then-persist runs one request at a time, so no interleaving can roll
 * the stored size back (the race the spec describes).
 */
import { Level } from 'level';
import { bytesEqual, concatBytes } from '../ledger/bytes.js';
import { formatSignedNote, parseCheckpointText, parseSignedNote } from '../ledger/checkpoint.js';
import { isLedgerError } from '../errors/ledger-error.js';
import { describeMerkleCheck, verifyConsistency } from '../ledger/merkle-verify.js';
import { makeCosignature, verifyLogSignature, type VerifierKey } from '../ledger/witness-cosignature.js';
import { parseAddCheckpoint } from './add-checkpoint-body.js';

export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
}

export interface WitnessIdentity {
  name: string;
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

interface LogState {
  size: bigint;
  root: Uint8Array;
}

const TEXT = 'text/plain; charset=utf-8';

export class Witness {
  readonly #db: Level<string, Uint8Array>;
  readonly #logs: Map<string, VerifierKey[]>;
  readonly #identity: WitnessIdentity;
  readonly #now: () => bigint;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(db: Level<string, Uint8Array>, identity: WitnessIdentity, logs: Map<string, VerifierKey[]>, now: () => bigint) {
    this.#db = db;
    this.#identity = identity;
    this.#logs = logs;
    this.#now = now;
  }

  /** Opens (or creates) the witness state in `dataDir`. `logs`: origin -> the log's note keys. */
  static async open(dataDir: string, identity: WitnessIdentity, logs: Map<string, VerifierKey[]>, now: () => bigint = () => BigInt(Math.floor(Date.now() / 1000))): Promise<Witness> {
    const db = new Level<string, Uint8Array>(dataDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    return new Witness(db, identity, logs, now);
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.#db.close();
  }

  /** The latest cosigned size and root of `origin`, if any. */
  async latest(origin: string): Promise<LogState | undefined> {
    const v = await this.#db.get(`log:${origin}`);
    if (v === undefined) return undefined;
    return { size: new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0), root: new Uint8Array(v.subarray(8)) };
  }

  /** Handles one add-checkpoint body; requests are serialized (check and persist are atomic). */
  addCheckpoint(body: string): Promise<WitnessAnswer> {
    const run = this.#queue.then(() => this.#handle(body));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #handle(body: string): Promise<WitnessAnswer> {
    const text = (status: WitnessAnswer['status'], message: string): WitnessAnswer => ({ status, contentType: TEXT, body: `${message}\n` });
    let req;
    try {
      req = parseAddCheckpoint(body);
    } catch (e) {
      if (isLedgerError(e)) return text(400, e.message);
      throw e;
    }
    const note = parseSignedNote(req.note);
    if (note === undefined) return text(400, 'the checkpoint is not a signed note');
    const checkpoint = parseCheckpointText(note.text);
    if (checkpoint === undefined) return text(400, 'the note text is not a C2SP checkpoint');
    const keys = this.#logs.get(checkpoint.origin);
    if (keys === undefined) return text(404, `unknown log origin ${checkpoint.origin}`);
    // Unknown keys' signatures are ignored; one valid signature by a trusted key is required.
    const signed = note.signatures.some((s) => keys.some((k) => verifyLogSignature(k, note.text, s)));
    if (!signed) return text(403, 'no signature verifies under a key this witness trusts for the origin');
    if (req.oldSize > checkpoint.size) return text(400, `old size ${req.oldSize} is above the checkpoint size ${checkpoint.size}`);
    const latest = await this.latest(checkpoint.origin);
    const latestSize = latest?.size ?? 0n;
    if (req.oldSize !== latestSize) return { status: 409, contentType: 'text/x.tlog.size', body: `${latestSize}\n` };
    if (latest !== undefined && latest.size === checkpoint.size) {
      if (!bytesEqual(latest.root, checkpoint.root)) return { status: 409, contentType: 'text/x.tlog.size', body: `${latestSize}\n` };
      if (req.proof.length > 0) return text(422, 'the consistency proof must be empty for the same size');
    } else if (latest === undefined || latestSize === 0n) {
      if (req.proof.length > 0) return text(422, 'the consistency proof must be empty from size 0');
    } else {
      const check = verifyConsistency(latest.size, checkpoint.size, latest.root, checkpoint.root, req.proof);
      if (!check.ok) return text(422, `the consistency proof from ${latest.size} to ${checkpoint.size} does not verify (${describeMerkleCheck(check)})`);
    }
    const size = new Uint8Array(8);
    new DataView(size.buffer).setBigUint64(0, checkpoint.size);
    await this.#db.put(`log:${checkpoint.origin}`, concatBytes(size, checkpoint.root), { sync: true });
    const cosig = makeCosignature(this.#identity.name, this.#identity.publicKey, (m) => this.#identity.sign(m), note.text, this.#now());
    // The answer is the signature lines alone: the formatted note minus its text and blank line.
    return { status: 200, contentType: TEXT, body: formatSignedNote(note.text, [cosig]).slice(note.text.length + 1) };
  }
}
