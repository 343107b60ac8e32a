/**
 * @module consensus/node-store
 * A node's data folder (DESIGN.md section 11): where its LevelDB and genesis are, opening the
 * database (one process per folder: a running node's lock is refused clearly), and the stores the
 * node keeps in it (blocks, the Merkle log, the state). The node process, the offline tools
 * (rebuild, audit, proof) and the benches all open a node's stores here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Level } from 'level';
import { LedgerError } from '../errors/ledger-error.js';
import { bytesEqual } from '../ledger/bytes.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { MerkleLog } from '../ledger/merkle-log.js';
import { StateStore, type AnyDb } from '../ledger/state-store.js';
import { BlockStore } from './block-store.js';

/** The node folder and the genesis file the options name (DESIGN.md section 11, data folder). */
export function resolveNodePaths(opts: { data?: string; node: number; nodeDir?: string; genesis?: string }): { nodeDir: string; genesisFile: string } {
  if ((opts.data === undefined) === (opts.nodeDir === undefined)) throw new LedgerError('USAGE', 'give --data DIR (with --node N) or --node-dir DIR', {});
  // a folder that is not there is named as such, before any file in it is looked for (issue 17)
  for (const [flag, dir] of [['--data', opts.data], ['--node-dir', opts.nodeDir]] as const) {
    if (dir !== undefined && !existsSync(dir)) throw new LedgerError('FILE_UNREADABLE', `${flag} ${dir}: the folder does not exist`, { path: dir });
  }
  const nodeDir = resolve(opts.nodeDir ?? join(opts.data!, 'nodes', String(opts.node)));
  const candidates = opts.genesis !== undefined ? [opts.genesis] : opts.data !== undefined ? [join(opts.data, 'genesis.bin')] : [join(nodeDir, 'genesis.bin'), join(nodeDir, '..', '..', 'genesis.bin'), join(nodeDir, '..', '..', '..', 'genesis.bin')];
  const genesisFile = candidates.find((f) => existsSync(f));
  if (genesisFile === undefined) throw new LedgerError('FILE_UNREADABLE', `no genesis found (looked for ${candidates.join(', ')}); give --genesis FILE`, { candidates });
  // A node process keeps its LevelDB in `<node folder>/db` (consensus/node-process.ts).
  const dbDir = existsSync(join(nodeDir, 'CURRENT')) ? nodeDir : join(nodeDir, 'db');
  if (!existsSync(join(dbDir, 'CURRENT'))) throw new LedgerError('FILE_UNREADABLE', `${nodeDir} holds no node database`, { path: nodeDir });
  return { nodeDir: dbDir, genesisFile };
}

/**
 * Opens a node's LevelDB, refusing clearly when a running node holds its lock. `multithreading`
 * (classic-level's option) lets worker threads of this process open it too: the rebuild's and the
 * auditor's comparison readers (replay/compare-tables.ts); another process is still refused.
 */
export async function openNodeDb(dir: string, opts: { createIfMissing?: boolean; multithreading?: boolean } = {}): Promise<AnyDb> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: opts.createIfMissing ?? false, multithreading: opts.multithreading ?? false } as never);
  try {
    await db.open();
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new LedgerError('STORE_LOCKED', `${dir} is in use by another process (a running node?): stop it first, or use the API`, { path: dir });
    }
    throw new LedgerError('FILE_UNREADABLE', `cannot open the node database ${dir}: ${cause?.message ?? (e as Error).message}`, { path: dir });
  }
  return db as unknown as AnyDb;
}

/** The stores a node keeps in its database. */
export interface NodeStores {
  blocks: BlockStore;
  merkle: MerkleLog;
  state: StateStore;
}

/** Opens (the database if needed, then) a node's block store, Merkle log and state store. */
export async function openNodeStores(db: AnyDb, genesis: LoadedGenesis): Promise<NodeStores> {
  if (db.status !== 'open') await db.open();
  const blocks = await BlockStore.open(db, genesis.hash, genesis.limits);
  const merkle = await MerkleLog.open(db.sublevel<Uint8Array, Uint8Array>('merkle', { keyEncoding: 'view', valueEncoding: 'view' }) as never);
  const state = await StateStore.open(db);
  return { blocks, merkle, state };
}

/**
 * Checks the last committed header against the stored log size, log root and state root
 * (DESIGN.md section 8): a node never starts on stores that disagree.
 * @throws LedgerError STORE_FORMAT when they disagree
 */
export async function checkStoredHead(stores: NodeStores): Promise<void> {
  const head = stores.blocks.head;
  const problems: string[] = [];
  if (head.height === 0n) {
    if (stores.merkle.size !== 0) problems.push(`log size ${stores.merkle.size} with no block`);
    if (stores.state.height !== 0n) problems.push(`state at height ${stores.state.height} with no block`);
  } else {
    const h = (await stores.blocks.header(head.height))!;
    if (BigInt(stores.merkle.size) !== h.logSize) problems.push(`log size ${stores.merkle.size}, header says ${h.logSize}`);
    if (!bytesEqual(stores.merkle.root(), h.logRoot)) problems.push('log root differs from the header');
    if (stores.state.height !== head.height) problems.push(`state at height ${stores.state.height}, chain at ${head.height}`);
    if (!bytesEqual(stores.state.stateRoot, h.stateRoot)) problems.push('state root differs from the header');
  }
  if (problems.length > 0) {
    throw new LedgerError('STORE_FORMAT', `the stored chain head ${head.height} does not match the stored log and state: ${problems.join('; ')}`, { height: head.height.toString(), problems });
  }
}
