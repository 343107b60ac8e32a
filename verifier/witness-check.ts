/**
 * @module verifier/witness-check
 * The reader's witness policy (issue 23): a checkpoint counts as witnessed when at least `quorum`
 * distinct witnesses of the policy carry a valid C2SP `cosignature/v1` line over exactly the
 * checkpoint that covers the bundle's header (same origin; the header's log size and root, or a
 * later size the header's log is proven consistent with). Runs after the quorum check
 * (DESIGN.md section 10, docs/proof-format.md section 9); without a policy the check is reported
 * as not done. Reason codes: WITNESS_QUORUM_MISSING (fewer than `quorum` witnesses cosigned),
 * WITNESS_SIGNATURE_INVALID (a line keyed as a policy witness does not verify, or the cosigned
 * checkpoint is not one that covers the header).
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { checkpointOrigin, checkpointText, parseCheckpointText, parseSignedNote, type NoteSignature } from '../ledger/checkpoint.js';
import { verifyConsistency } from '../ledger/merkle-verify.js';
import { COSIGNER_KEY_TYPE, cosignerKeyId, verifyCosignature } from '../ledger/witness-cosignature.js';
import type { BlockHeader, BundleWitnessed, Genesis } from '../proto/schema.generated.js';
import type { Reason, WitnessPolicy } from './bundle-types.js';

export type { WitnessPolicy };

export type WitnessCheck =
  | { state: 'not-checked' }
  | { state: 'passed'; witnesses: string[] }
  | { state: 'failed'; reason: Reason; witnesses: string[] };

/** The witness policy the trust anchor fixes (its witnesses and witness quorum); undefined when it names none. */
export function anchorWitnessPolicy(genesis: Genesis): WitnessPolicy | undefined {
  if (genesis.witnesses.length === 0) return undefined;
  return {
    witnesses: genesis.witnesses.map((w) => ({ name: w.name, keyType: COSIGNER_KEY_TYPE, keyId: cosignerKeyId(w.name, w.publicKey), publicKey: w.publicKey })),
    quorum: genesis.witnessQuorum,
  };
}

function badQuorum(policy: WitnessPolicy): WitnessCheck | undefined {
  if (Array.isArray(policy.witnesses) && Number.isInteger(policy.quorum) && policy.quorum >= 1 && policy.quorum <= policy.witnesses.length) return undefined;
  return { state: 'failed', reason: { code: 'BAD_OPTIONS', message: `the witness quorum must be 1..${policy.witnesses?.length ?? 0}` }, witnesses: [] };
}

const missing = (message: string, witnesses: string[] = []): WitnessCheck => ({ state: 'failed', reason: { code: 'WITNESS_QUORUM_MISSING', message }, witnesses });
const invalid = (message: string, witnesses: string[] = []): WitnessCheck => ({ state: 'failed', reason: { code: 'WITNESS_SIGNATURE_INVALID', message }, witnesses });

/**
 * Counts the policy witnesses whose line in `signatures` verifies over `checkpointBody`. A line is
 * a policy witness's when its key id is (and, if `byName`, its key name too); other lines are
 * ignored (tlog-witness: clients ignore unknown keys).
 */
function countCosigners(checkpointBody: string, signatures: NoteSignature[], policy: WitnessPolicy, byName: boolean): WitnessCheck {
  const cosigned = new Map<string, string>();
  for (const sig of signatures) {
    const key = policy.witnesses.find((k) => toHex(k.keyId) === toHex(sig.keyId) && (!byName || k.name === sig.keyName));
    if (key === undefined) continue;
    if (verifyCosignature(key, checkpointBody, { ...sig, keyName: key.name }) === undefined) {
      return invalid(`the cosignature of witness ${key.name} does not verify`, [...cosigned.values()]);
    }
    cosigned.set(`${key.name}+${toHex(key.keyId)}`, key.name);
  }
  const names = [...cosigned.values()];
  if (names.length < policy.quorum) return missing(`${names.length} of the policy's witnesses cosigned this checkpoint; ${policy.quorum} required`, names);
  return { state: 'passed', witnesses: names };
}

/**
 * Checks a witnessed checkpoint `note` (a signed note with the nodes' and witnesses' lines, as
 * `/checkpoint` serves it) against `policy` and the checkpoint the header implies. Never throws.
 */
export function checkWitnesses(
  note: string | undefined,
  policy: WitnessPolicy | undefined,
  expected: { origin: string; logSize: bigint; logRoot: Uint8Array },
): WitnessCheck {
  if (policy === undefined) return { state: 'not-checked' };
  const bad = badQuorum(policy);
  if (bad !== undefined) return bad;
  if (note === undefined) return missing(`no witnessed checkpoint; the policy needs ${policy.quorum} witness cosignature(s)`);
  const parsed = parseSignedNote(note);
  const checkpoint = parsed && parseCheckpointText(parsed.text);
  if (parsed === undefined || checkpoint === undefined) return invalid('the witnessed checkpoint is not a C2SP signed checkpoint');
  if (checkpoint.origin !== expected.origin || checkpoint.size !== expected.logSize || !bytesEqual(checkpoint.root, expected.logRoot)) {
    return invalid(`the witnessed checkpoint (${checkpoint.origin}, size ${checkpoint.size}) is not the one of the bundle's header (size ${expected.logSize})`);
  }
  return countCosigners(parsed.text, parsed.signatures, policy, true);
}

/**
 * The witness check of a proof bundle (docs/proof-format.md section 9): `witnessed` must cosign
 * the header's checkpoint, or a later one with a consistency proof from the header's log size.
 * The field's shape was checked when the bundle was decoded. Never throws.
 */
export function checkBundleWitnesses(
  witnessed: BundleWitnessed | undefined,
  policy: WitnessPolicy | undefined,
  anchor: { channel: string; hash: Uint8Array },
  header: Pick<BlockHeader, 'logSize' | 'logRoot'>,
): WitnessCheck {
  if (policy === undefined) return { state: 'not-checked' };
  const bad = badQuorum(policy);
  if (bad !== undefined) return bad;
  if (witnessed === undefined) return missing(`the bundle carries no witness cosignatures; the policy needs ${policy.quorum}`);
  if (witnessed.logSize === header.logSize) {
    if (!bytesEqual(witnessed.logRoot, header.logRoot)) return invalid("the cosigned checkpoint has the header's log size and another root");
  } else if (header.logSize > 0n) {
    // (every log extends the empty one: from size 0 there is nothing to prove)
    const path: Uint8Array[] = [];
    for (let i = 0; i < witnessed.consistencyPath.length; i += 32) path.push(witnessed.consistencyPath.subarray(i, i + 32));
    const c = verifyConsistency(header.logSize, witnessed.logSize, header.logRoot, witnessed.logRoot, path);
    if (!c.ok) return invalid(`the cosigned checkpoint (size ${witnessed.logSize}) does not extend the header's log (size ${header.logSize}): ${c.code}`);
  }
  const body = checkpointText(checkpointOrigin(anchor.channel, anchor.hash), witnessed.logSize, witnessed.logRoot);
  const lines: NoteSignature[] = witnessed.cosignatures.map((c) => {
    const payload = new Uint8Array(8 + c.signature.length);
    new DataView(payload.buffer).setBigUint64(0, c.timestamp);
    payload.set(c.signature, 8);
    return { keyName: '', keyId: c.keyId, signature: payload };
  });
  return countCosigners(body, lines, policy, false);
}
