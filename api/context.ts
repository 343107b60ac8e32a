/**
 * @module api/context
 * What the API reads and drives: one node's committed stores (the block store, the Merkle log,
 * the state and the projections, all in the node's LevelDB), its genesis, and, when it runs in a
 * node process, the node's one Kafka producer and its status. Tests give a single-node core over
 * memory-level and a `produce` that feeds that core.
 */
import type { BlockStore } from '../consensus/block-store.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import type { MerkleLog } from '../ledger/merkle-log.js';
import type { Projections } from '../ledger/projections.js';
import { Queries } from '../ledger/queries.js';
import type { StateStore } from '../ledger/state-store.js';
import type { StoredWitnessed } from '../witness/node-witnessing.js';

export interface ApiNode {
  genesis: LoadedGenesis;
  blocks: BlockStore;
  merkle: MerkleLog;
  state: StateStore;
  projections: Projections;
  /** Produces topic records (encoded TopicRecords) in one send; absent: the API is read-only. */
  produce?: (values: Uint8Array[]) => Promise<{ partition: number; baseOffset: bigint }>;
  /** The node's status (phase, height, lag, alarms). */
  status?: () => unknown;
  /** The checkpoints the outside witnesses cosigned (issue 23); absent: the genesis names none. */
  witnessed?: () => StoredWitnessed;
}

export interface ApiContext extends ApiNode {
  queries: Queries;
}

export function contextOf(node: ApiNode): ApiContext {
  return { ...node, queries: new Queries(node.state, node.projections) };
}
