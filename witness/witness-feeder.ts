/**
 * @module witness/witness-feeder
 * Feeds the log's checkpoints to every configured witness, off the commit path (issue 23): each
 * round takes the latest signed checkpoint, submits it to each witness independently (one slow or
 * down witness delays no other and never the nodes), keeps the cosignatures of the latest
 * checkpoint, and reports per witness the last cosigned size, the lag behind the log and any
 * conflict (a witness that saw another branch or a larger size: a split view or a rollback, an
 * alarm for the operators).
 */
import { isLedgerError } from '../errors/ledger-error.js';
import { parseCheckpointText, parseSignedNote, type NoteSignature } from '../ledger/checkpoint.js';
import { WitnessSubmitter, type ConsistencyProofSource, type WitnessEndpoint } from './witness-submitter.js';

export interface WitnessStatus {
  name: string;
  url: string;
  /** the largest log size this witness cosigned for us */
  cosignedSize: bigint;
  /** log size minus cosignedSize */
  lag: bigint;
  /** the last failure, if the last round failed */
  lastError?: string;
  /** set when the witness holds a checkpoint ours does not extend: never cleared by itself */
  conflict?: string;
}

export interface WitnessedCheckpoint {
  note: string;
  size: bigint;
  cosignatures: NoteSignature[];
}

export class WitnessFeeder {
  readonly #submitters: { endpoint: WitnessEndpoint; submitter: WitnessSubmitter; status: WitnessStatus }[];
  readonly #onAlarm: (status: WitnessStatus) => void;
  #latest: WitnessedCheckpoint | undefined;

  constructor(witnesses: WitnessEndpoint[], proof: ConsistencyProofSource, onAlarm: (status: WitnessStatus) => void) {
    this.#submitters = witnesses.map((endpoint) => ({
      endpoint,
      submitter: new WitnessSubmitter(endpoint, proof),
      status: { name: endpoint.name, url: endpoint.url, cosignedSize: 0n, lag: 0n },
    }));
    this.#onAlarm = onAlarm;
  }

  status(): WitnessStatus[] {
    return this.#submitters.map((s) => ({ ...s.status }));
  }

  /** The latest checkpoint with the cosignatures collected for it so far. */
  latest(): WitnessedCheckpoint | undefined {
    return this.#latest;
  }

  /** One round for `note` (the latest signed checkpoint); resolves when every witness answered or failed. */
  async feed(note: string): Promise<void> {
    const parsed = parseSignedNote(note);
    const checkpoint = parsed && parseCheckpointText(parsed.text);
    if (parsed === undefined || checkpoint === undefined) return;
    if (this.#latest === undefined || this.#latest.note !== note) this.#latest = { note, size: checkpoint.size, cosignatures: [] };
    const current = this.#latest;
    await Promise.all(this.#submitters.map(async (s) => {
      try {
        const r = await s.submitter.submit(note);
        if (r.outcome === 'cosigned') {
          s.status.cosignedSize = checkpoint.size;
          delete s.status.lastError;
          // one line per witness: a checkpoint fed again (an empty block keeps its text) is cosigned again
          current.cosignatures = [...current.cosignatures.filter((c) => c.keyName !== r.cosignature.keyName), r.cosignature];
        } else if (r.outcome === 'behind') {
          // a later checkpoint reached the witness first (another node's): no alarm; the next
          // round of ours past that size goes with a consistency proof from it
          s.status.lastError = r.detail;
        } else if (r.outcome === 'conflict') {
          s.status.conflict = r.detail;
          s.status.lastError = r.detail;
          this.#onAlarm({ ...s.status });
        } else {
          s.status.lastError = `${r.status}: ${r.detail}`;
          if (r.status === 422) {
            s.status.conflict = `the witness refused our consistency proof: ${r.detail}`;
            this.#onAlarm({ ...s.status });
          }
        }
      } catch (e) {
        if (!isLedgerError(e)) throw e;
        s.status.lastError = e.message;
      }
      s.status.lag = checkpoint.size - s.status.cosignedSize;
    }));
  }
}
