/**
 * @module witness/add-checkpoint-body
 * The body of a C2SP tlog-witness `add-checkpoint` request: `old <size>\n`, zero to 63 base64
 * consistency-proof lines, an empty line, then the signed checkpoint note. Both our submitter
 * (formats) and our witness (parses) use this one module.
 */
import { LedgerError } from '../errors/ledger-error.js';

/** "The client MUST NOT send more than 63 consistency proof lines" (tlog-witness, add-checkpoint). */
export const MAX_PROOF_LINES = 63;
/** A checkpoint note with many signatures is still a few kilobytes; bound what a witness reads. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface AddCheckpointRequest {
  oldSize: bigint;
  proof: Uint8Array[];
  /** the signed note, text and signature lines */
  note: string;
}

export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  const proof = req.proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('');
  return `old ${req.oldSize.toString()}\n${proof}\n${req.note}`;
}

/** @throws LedgerError MALFORMED naming the line that is wrong */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const bad = (why: string): LedgerError => new LedgerError('MALFORMED', `add-checkpoint body: ${why}`, {});
  const first = body.indexOf('\n');
  if (first < 0) throw bad('no old size line');
  const m = /^old (0|[1-9]\d{0,19})$/.exec(body.slice(0, first));
  if (!m) throw bad('the first line is not `old <decimal size>`');
  const oldSize = BigInt(m[1]!);
  const proof: Uint8Array[] = [];
  let at = first + 1;
  for (;;) {
    const end = body.indexOf('\n', at);
    if (end < 0) throw bad('no empty line before the checkpoint');
    const line = body.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    const hash = Buffer.from(line, 'base64');
    if (hash.length !== 32 || hash.toString('base64') !== line) throw bad(`consistency proof line ${proof.length + 1} is not base64 of a 32-byte hash`);
    proof.push(new Uint8Array(hash));
  }
  return { oldSize, proof, note: body.slice(at) };
}
