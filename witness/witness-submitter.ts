/**
 * @module witness/witness-submitter
 * The log side of C2SP tlog-witness: sends a signed checkpoint to a witness with a consistency
 * proof from the size the witness last cosigned, learning that size from the spec's 409 answer
 * (`text/x.tlog.size`), and checks the returned cosignature under the witness's vkey. Runs off
 * the commit path: a witness that is down only leaves the checkpoint unwitnessed.
 */
import { LedgerError } from '../errors/ledger-error.js';
import { parseCheckpointText, parseSignedNote, type NoteSignature } from '../ledger/checkpoint.js';
import { formatAddCheckpoint } from './add-checkpoint-body.js';
import { verifyCosignature, type VerifierKey } from '../ledger/witness-cosignature.js';

/** A witness that does not answer in this time counts as down for this round (it only adds lag). */
const ANSWER_TIMEOUT_MS = 15_000;

export interface WitnessEndpoint {
  name: string;
  /** the submission prefix, e.g. http://127.0.0.1:7380 */
  url: string;
  key: VerifierKey;
}

export type SubmitResult =
  | { outcome: 'cosigned'; cosignature: NoteSignature; timestamp: bigint }
  /** the witness holds this checkpoint's size with another root (409 although we sent its size): a split view */
  | { outcome: 'conflict'; witnessSize: bigint; detail: string }
  /** the witness holds a later size (409 with a size above the checkpoint's): a rollback, or a node behind the others */
  | { outcome: 'behind'; witnessSize: bigint; detail: string }
  | { outcome: 'refused'; status: number; detail: string };

/** Fetches the RFC 9162 consistency proof between two sizes of the log being witnessed. */
export type ConsistencyProofSource = (oldSize: bigint, newSize: bigint) => Promise<Uint8Array[]>;

export class WitnessSubmitter {
  readonly #endpoint: WitnessEndpoint;
  readonly #proof: ConsistencyProofSource;
  /** the size we believe the witness last cosigned (0 until it tells us otherwise) */
  #knownSize = 0n;

  constructor(endpoint: WitnessEndpoint, proof: ConsistencyProofSource) {
    this.#endpoint = endpoint;
    this.#proof = proof;
  }

  get witnessSize(): bigint {
    return this.#knownSize;
  }

  /**
   * Submits `note`; retries once after a 409 that reports a size at or below the checkpoint's (we
   * did not know the witness's state). @throws LedgerError UNAVAILABLE when the witness cannot be reached.
   */
  async submit(note: string): Promise<SubmitResult> {
    const parsed = parseSignedNote(note);
    const checkpoint = parsed && parseCheckpointText(parsed.text);
    if (parsed === undefined || checkpoint === undefined) throw new LedgerError('MALFORMED', 'not a signed C2SP checkpoint', {});
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.#knownSize > checkpoint.size) return { outcome: 'behind', witnessSize: this.#knownSize, detail: `witness ${this.#endpoint.name} holds size ${this.#knownSize}, after this checkpoint's ${checkpoint.size}` };
      const old = this.#knownSize;
      const proof = old > 0n && old < checkpoint.size ? await this.#proof(old, checkpoint.size) : [];
      let res: Response;
      try {
        res = await fetch(`${this.#endpoint.url.replace(/\/$/, '')}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint({ oldSize: old, proof, note }), signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
      } catch (e) {
        throw new LedgerError('UNAVAILABLE', `witness ${this.#endpoint.name} at ${this.#endpoint.url} cannot be reached: ${(e as Error).message}`, { witness: this.#endpoint.name }, { cause: e });
      }
      const body = await res.text();
      if (res.status === 409) {
        const m = /^(0|[1-9]\d*)\n$/.exec(body);
        if (!m) return { outcome: 'refused', status: 409, detail: `409 with a body that is not a size: ${body.slice(0, 80)}` };
        const witnessSize = BigInt(m[1]!);
        if (witnessSize === old) {
          // We sent the size the witness holds and it still refused: it holds that size with
          // another root. That is a split view; never retried.
          return { outcome: 'conflict', witnessSize, detail: `witness ${this.#endpoint.name} holds size ${witnessSize} with another root than ours` };
        }
        if (witnessSize > checkpoint.size) {
          // The witness saw a later checkpoint (from another node, or before a rollback): this one
          // cannot be cosigned; a later one of ours is sent with a proof from that size.
          this.#knownSize = witnessSize;
          return { outcome: 'behind', witnessSize, detail: `witness ${this.#endpoint.name} holds size ${witnessSize}, after this checkpoint's ${checkpoint.size}` };
        }
        this.#knownSize = witnessSize;
        continue;
      }
      if (res.status === 422 && old === checkpoint.size) {
        // The same size with an empty proof refused: another root at our size. The spec says 409;
        // litewitness v0.6.1 answers 422 ("bad consistency proof"). Either way a split view.
        return { outcome: 'conflict', witnessSize: old, detail: `witness ${this.#endpoint.name} holds size ${old} with another root than ours (422: ${body.trim().slice(0, 80)})` };
      }
      if (res.status !== 200) return { outcome: 'refused', status: res.status, detail: body.trim().slice(0, 200) };
      const lines = parseSignedNote(`${parsed.text}\n${body}`);
      for (const s of lines?.signatures ?? []) {
        const timestamp = verifyCosignature(this.#endpoint.key, parsed.text, s);
        if (timestamp !== undefined) {
          this.#knownSize = checkpoint.size;
          return { outcome: 'cosigned', cosignature: s, timestamp };
        }
      }
      return { outcome: 'refused', status: 200, detail: 'no cosignature in the answer verifies under the witness key' };
    }
    return { outcome: 'refused', status: 409, detail: 'the witness size changed between attempts' };
  }
}
