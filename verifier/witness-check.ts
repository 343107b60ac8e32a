/**
 * @module verifier/witness-check
 * The reader's witness policy (issue 23): a checkpoint note counts as witnessed when at least
 * `quorum` distinct witnesses of the policy carry a valid C2SP `cosignature/v1` line over exactly
 * the checkpoint that covers the bundle's header (same origin, log size and root). Runs after the
 * quorum check (DESIGN.md section 10); without a policy the check is reported as not done.
 * Reason codes: WITNESS_QUORUM_MISSING (fewer than `quorum` witnesses cosigned),
 * WITNESS_SIGNATURE_INVALID (a line named and keyed as a policy witness does not verify, or the
 * note is not the checkpoint of the header).
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { parseCheckpointText, parseSignedNote } from '../ledger/checkpoint.js';
import { verifyCosignature, type VerifierKey } from '../ledger/witness-cosignature.js';
import type { Reason } from './bundle-types.js';

export interface WitnessPolicy {
  /** cosigner keys (vkey type 0x04) the reader trusts */
  witnesses: VerifierKey[];
  /** how many distinct witnesses must have cosigned; 1..witnesses.length */
  quorum: number;
}

export type WitnessCheck =
  | { state: 'not-checked' }
  | { state: 'passed'; witnesses: string[] }
  | { state: 'failed'; reason: Reason; witnesses: string[] };

/**
 * Checks the witnessed checkpoint `note` against `policy` and the checkpoint the bundle's header
 * implies (`origin`, `logSize`, `logRoot`). Never throws.
 */
export function checkWitnesses(
  note: string | undefined,
  policy: WitnessPolicy | undefined,
  expected: { origin: string; logSize: bigint; logRoot: Uint8Array },
): WitnessCheck {
  if (policy === undefined) return { state: 'not-checked' };
  if (!Number.isInteger(policy.quorum) || policy.quorum < 1 || policy.quorum > policy.witnesses.length) {
    return { state: 'failed', reason: { code: 'BAD_OPTIONS', message: `the witness quorum must be 1..${policy.witnesses.length}` }, witnesses: [] };
  }
  const missing = (message: string, witnesses: string[] = []): WitnessCheck => ({ state: 'failed', reason: { code: 'WITNESS_QUORUM_MISSING', message }, witnesses });
  if (note === undefined) return missing(`the bundle carries no witnessed checkpoint; the policy needs ${policy.quorum} witness cosignature(s)`);
  const parsed = parseSignedNote(note);
  const checkpoint = parsed && parseCheckpointText(parsed.text);
  if (parsed === undefined || checkpoint === undefined) {
    return { state: 'failed', reason: { code: 'WITNESS_SIGNATURE_INVALID', message: 'the witnessed checkpoint is not a C2SP signed checkpoint' }, witnesses: [] };
  }
  if (checkpoint.origin !== expected.origin || checkpoint.size !== expected.logSize || !bytesEqual(checkpoint.root, expected.logRoot)) {
    return { state: 'failed', reason: { code: 'WITNESS_SIGNATURE_INVALID', message: `the witnessed checkpoint (${checkpoint.origin}, size ${checkpoint.size}) is not the one of the bundle's header (size ${expected.logSize})` }, witnesses: [] };
  }
  const cosigned = new Set<string>();
  for (const sig of parsed.signatures) {
    // Lines by keys outside the policy are ignored (tlog-witness: clients ignore unknown keys).
    const key = policy.witnesses.find((k) => k.name === sig.keyName && toHex(k.keyId) === toHex(sig.keyId));
    if (key === undefined) continue;
    if (verifyCosignature(key, parsed.text, sig) === undefined) {
      return { state: 'failed', reason: { code: 'WITNESS_SIGNATURE_INVALID', message: `the cosignature of witness ${key.name} does not verify` }, witnesses: [...cosigned] };
    }
    cosigned.add(`${key.name}+${toHex(key.keyId)}`);
  }
  const names = [...cosigned].map((n) => n.slice(0, n.lastIndexOf('+')));
  if (cosigned.size < policy.quorum) return missing(`${cosigned.size} of the policy's witnesses cosigned this checkpoint; ${policy.quorum} required`, names);
  return { state: 'passed', witnesses: names };
}
