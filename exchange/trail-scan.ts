/**
 * @module exchange/trail-scan
 * `ledger trail`: the citizen's trail and a certificate's verifications (verifier/trail.ts) found
 * through a node's public trail index (api/routes-trail.ts), each event checked against its id and
 * its RFC 9162 inclusion proof against the log root it names. The index pages do not tell the node
 * whose trail is listed; opening a read tells it which reads are one subject's, and naming a
 * certificate which certificate is looked at (as fetching its bundle does).
 */
import { ApiClient, HttpChainSource } from '../api/client.js';
import { loadGenesis } from '../ledger/genesis.js';
import { findTrail, findVerifications, type FetchJson, type ProvenTrailEntry, type ProvenVerificationEntry } from '../verifier/trail.js';

export type { InclusionCheck, ProvenTrailEntry, ProvenVerificationEntry } from '../verifier/trail.js';

async function node(url: string): Promise<{ fetchJson: FetchJson; limits: ReturnType<typeof loadGenesis>['limits'] }> {
  const genesis = loadGenesis(await new HttpChainSource(url).genesisBytes());
  const api = new ApiClient(url);
  return { fetchJson: (path) => api.json(path), limits: genesis.limits };
}

/** The reads about the secret's holder recorded on the chain of the node at `url`. */
export async function scanTrail(url: string, secret: Uint8Array): Promise<ProvenTrailEntry[]> {
  const { fetchJson, limits } = await node(url);
  return findTrail(fetchJson, secret, limits);
}

/** The recorded verifications of a certificate (用证留痕, issue 24) on the chain of the node at `url`. */
export async function scanVerifications(url: string, certificateId: string): Promise<ProvenVerificationEntry[]> {
  const { fetchJson, limits } = await node(url);
  return findVerifications(fetchJson, certificateId, limits);
}
