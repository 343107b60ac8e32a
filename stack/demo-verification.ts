/**
 * @module stack/demo-verification
 * The demo's online verification (用证留痕, issue 24): a second bank, before it lends, checks the
 * mortgaged property through the API (`POST /v1/certificates/{id}/verifications`,
 * api/routes-verifications.ts) with its own signed CertificateVerified event, so that the holder
 * can see who checked the property with `ledger trail --certificate`. The bank signs only through
 * the API (it has no Kafka outbox in the demo), so its sequence number is the chain's: a resumed
 * demo finds the check recorded (the bank's next sequence is past 1) and records nothing again.
 */
import { LedgerError } from '../errors/ledger-error.js';
import { buildSignedEvent } from '../ledger/event.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import type { SigningKey } from '../ledger/key-file.js';
import { encode } from '../proto/codec.js';
import { signedFetch, type RequestSigner } from '../producers/signed-fetch.js';
import { DEMO_VERIFICATION } from './demo-scenario.js';

export interface DemoVerificationResult {
  certificateId: string;
  verifierDepartmentId: string;
  purpose: string;
  /** Recorded by this run (false: an earlier run recorded it). */
  recordedNow: boolean;
  /** The committed event's id, when recorded by this run. */
  eventId?: string;
}

async function json(r: Response, what: string): Promise<Record<string, unknown>> {
  const text = await r.text();
  if (!r.ok) throw new LedgerError('UNAVAILABLE', `${what}: HTTP ${r.status} ${text.slice(0, 300)}`, {});
  return JSON.parse(text) as Record<string, unknown>;
}

/** Records the demo's online verification unless the chain already has it; the API answers signed or open requests alike. */
export async function recordDemoVerification(apiUrl: string, genesis: LoadedGenesis, key: SigningKey): Promise<DemoVerificationResult> {
  const v = DEMO_VERIFICATION;
  const signer: RequestSigner = { keyid: `department/${v.verifierDepartmentId}/1`, sign: (m) => key.sign(m) };
  const result = { certificateId: v.certificateId, verifierDepartmentId: v.verifierDepartmentId, purpose: v.purpose };
  const seq = await json(await signedFetch(signer, `${apiUrl}/v1/departments/${encodeURIComponent(v.verifierDepartmentId)}/next-sequence`), `the next sequence number of ${v.verifierDepartmentId}`);
  if (BigInt(seq.committedNextSequence as string) > 1n) return { ...result, recordedNow: false };
  const event = buildSignedEvent(
    { channel: genesis.genesis.channel, departmentId: v.verifierDepartmentId, keyVersion: 1, sequence: 1n, clientTimeMs: BigInt(Date.now()), certificateVerified: { certificateId: v.certificateId, purpose: v.purpose } },
    key,
    genesis.limits,
  ).signed;
  const url = `${apiUrl}/v1/certificates/${encodeURIComponent(v.certificateId)}/verifications?timeoutMs=60000`;
  const answer = await json(await signedFetch(signer, url, { method: 'POST', body: encode('SignedEvent', event), headers: { 'content-type': 'application/octet-stream' } }), `the online verification of ${v.certificateId}`);
  const receipt = answer.verification as { eventId: string; resultName: string };
  if (receipt.resultName !== 'OK') throw new LedgerError('CHECK_FAILED', `the demo's verification of ${v.certificateId} was rejected: ${receipt.resultName}`, {});
  return { ...result, recordedNow: true, eventId: receipt.eventId };
}
