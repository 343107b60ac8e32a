/**
 * @module exchange/trail-scan
 * `ledger trail`: the citizen's trail (verifier/trail.ts) scanned over a node's committed blocks
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
import { trailInBlock, type TrailEntry } from '../verifier/trail.js';

export interface ProvenTrailEntry extends TrailEntry {
  inclusion?: { leafIndex: string; logSize: string; logRoot: string; height: string; hashes: string[]; verified: boolean };
}

/** Scans heights 1..head of the node at `url` for the secret holder's reads. */
export async function scanTrail(url: string, secret: Uint8Array, options: { proofs?: boolean } = {}): Promise<ProvenTrailEntry[]> {
  const source = new HttpChainSource(url);
  const genesis = loadGenesis(await source.genesisBytes());
  const head = await source.headHeight();
  const out: ProvenTrailEntry[] = [];
  for (let h = 1n; h <= head; h++) {
    const raw = await source.block(h);
    if (raw === undefined) throw new LedgerError('NOT_FOUND', `${source.base} has no committed block ${h} below its head ${head}`, {});
    out.push(...trailInBlock(decode('Block', raw.block, genesis.limits), secret, genesis.limits));
  }
  if (options.proofs === false) return out;
  const api = new ApiClient(url);
  for (const e of out as ProvenTrailEntry[]) {
    const j = await api.json<{ inclusionProof?: { leafIndex: string; logSize: string; logRoot: string; height: string; hashes: string[] } }>(`/v1/events/${e.eventId}`);
    const p = j.inclusionProof;
    if (p === undefined) throw new LedgerError('MALFORMED', `${url}/v1/events/${e.eventId} has no inclusion proof`, {});
    const check = verifyInclusion(leafHash(fromHex(e.eventId)), BigInt(p.leafIndex), BigInt(p.logSize), p.hashes.map((x) => fromHex(x)), fromHex(p.logRoot));
    e.inclusion = { ...p, verified: check.ok === true && p.leafIndex === e.logPosition };
  }
  return out;
}
