/**
 * @module exchange/trail-scan
 * `ledger trail`: the citizen's trail and a certificate's verifications (verifier/trail.ts) scanned over a node's committed blocks
 * (`GET /v1/blocks/{h}/raw`, decoded strictly under the genesis limits), each read with its RFC
 * 9162 inclusion proof (`GET /v1/events/{id}`) checked here against the log root it names. Every
 * block is fetched, not only those holding the subject's reads, so the node cannot tell whose
 * trail is listed from the block requests; fetching the proofs does tell it which events are
 * looked at (use --no-proofs to avoid that).
 */
import { ApiClient, HttpChainSource } from '../api/client.js';
import { fromHex } from '../ledger/bytes.js';
import { loadGenesis } from '../ledger/genesis.js';
import { leafHash } from '../ledger/merkle.js';
import { verifyInclusion } from '../ledger/merkle-verify.js';
import { LedgerError } from '../errors/ledger-error.js';
import { decode } from '../proto/codec.js';
import type { DecodeLimits } from '../proto/limits.js';
import type { Block } from '../proto/schema.generated.js';
import { trailInBlock, verificationsInBlock, type TrailEntry, type VerificationEntry } from '../verifier/trail.js';

export interface InclusionCheck {
  leafIndex: string;
  logSize: string;
  logRoot: string;
  height: string;
  hashes: string[];
  verified: boolean;
}

export interface ProvenTrailEntry extends TrailEntry {
  inclusion?: InclusionCheck;
}

export interface ProvenVerificationEntry extends VerificationEntry {
  inclusion?: InclusionCheck;
}

/** Scans heights 1..head of the node at `url`, keeping what `pick` finds in each block, then checks each one's inclusion proof. */
async function scanBlocks<T extends { eventId: string; logPosition: string; inclusion?: InclusionCheck }>(
  url: string,
  pick: (block: Block, limits: DecodeLimits) => T[],
  options: { proofs?: boolean },
): Promise<T[]> {
  const source = new HttpChainSource(url);
  const genesis = loadGenesis(await source.genesisBytes());
  const head = await source.headHeight();
  const out: T[] = [];
  for (let h = 1n; h <= head; h++) {
    const raw = await source.block(h);
    if (raw === undefined) throw new LedgerError('NOT_FOUND', `${source.base} has no committed block ${h} below its head ${head}`, {});
    out.push(...pick(decode('Block', raw.block, genesis.limits), genesis.limits));
  }
  if (options.proofs === false) return out;
  const api = new ApiClient(url);
  for (const e of out) {
    const j = await api.json<{ inclusionProof?: Omit<InclusionCheck, 'verified'> }>(`/v1/events/${e.eventId}`);
    const p = j.inclusionProof;
    if (p === undefined) throw new LedgerError('MALFORMED', `${url}/v1/events/${e.eventId} has no inclusion proof`, {});
    const check = verifyInclusion(leafHash(fromHex(e.eventId)), BigInt(p.leafIndex), BigInt(p.logSize), p.hashes.map((x) => fromHex(x)), fromHex(p.logRoot));
    e.inclusion = { ...p, verified: check.ok === true && p.leafIndex === e.logPosition };
  }
  return out;
}

/** Scans heights 1..head of the node at `url` for the secret holder's reads. */
export function scanTrail(url: string, secret: Uint8Array, options: { proofs?: boolean } = {}): Promise<ProvenTrailEntry[]> {
  return scanBlocks<ProvenTrailEntry>(url, (block, limits) => trailInBlock(block, secret, limits), options);
}

/**
 * Scans heights 1..head of the node at `url` for the verifications of a certificate (用证留痕,
 * issue 24). As for the subject trail, every block is fetched, so the block requests do not tell
 * the node which certificate is looked at.
 */
export function scanVerifications(url: string, certificateId: string, options: { proofs?: boolean } = {}): Promise<ProvenVerificationEntry[]> {
  return scanBlocks<ProvenVerificationEntry>(url, (block, limits) => verificationsInBlock(block, certificateId, limits), options);
}
