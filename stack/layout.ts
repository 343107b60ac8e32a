/**
 * @module stack/layout
 * The data folder of a local stack (DESIGN.md section 11): `<data>/kafka/`, `<data>/genesis.bin`,
 * `<data>/keys/`, `<data>/nodes/<n>/` (its `node.json`, LevelDB `db/`, `node.log`,
 * `status.json`). `ledger up` creates it on first run: keys for one authority and three nodes, the
 * genesis, the node configurations on free ports; later runs resume it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LedgerError } from '../errors/ledger-error.js';
import { createGenesis, loadGenesis, type LoadedGenesis } from '../ledger/genesis.js';
import { KEY_FILE_EXTENSION, loadKeyFile, writeNewKeyFile } from '../ledger/key-file.js';
import { freePorts } from '../kafka/provision.js';

export interface StackLayout {
  root: string;
  kafkaDir: string;
  genesis: string;
  keysDir: string;
  authorityKey: string;
  nodeKey(n: number): string;
  nodeDir(n: number): string;
  nodeConfig(n: number): string;
}

export function stackLayout(dataDir: string): StackLayout {
  const root = resolve(dataDir);
  return {
    root,
    kafkaDir: join(root, 'kafka'),
    genesis: join(root, 'genesis.bin'),
    keysDir: join(root, 'keys'),
    authorityKey: join(root, 'keys', `authority${KEY_FILE_EXTENSION}`),
    nodeKey: (n) => join(root, 'keys', `node-${n}${KEY_FILE_EXTENSION}`),
    nodeDir: (n) => join(root, 'nodes', String(n)),
    nodeConfig: (n) => join(root, 'nodes', String(n), 'node.json'),
  };
}

export interface StackInit {
  channel: string;
  nodes: number;
  quorum: number;
  authorityId: string;
  authorityName: string;
  batchTimeoutMs?: bigint;
  heartbeatIntervalMs?: bigint;
  maxBlockEvents?: number;
  /** Outside witnesses for the genesis (issue 23) and how many a reader requires. */
  witnesses?: Array<{ name: string; publicKey: Uint8Array; url: string }>;
  witnessQuorum?: number;
}

/**
 * Creates the keys, genesis and node configurations of a new stack, or loads an existing one.
 * Returns the genesis and whether it was created now.
 */
export async function ensureStack(dataDir: string, init: StackInit): Promise<{ layout: StackLayout; genesis: LoadedGenesis; created: boolean }> {
  const layout = stackLayout(dataDir);
  if (existsSync(layout.genesis)) {
    const genesis = loadGenesis(new Uint8Array(readFileSync(layout.genesis)));
    for (let n = 1; n <= genesis.genesis.nodes.length; n++) {
      if (!existsSync(layout.nodeConfig(n))) throw new LedgerError('STORE_FORMAT', `${layout.nodeConfig(n)} is missing: the stack in ${layout.root} is incomplete`, {});
    }
    return { layout, genesis, created: false };
  }
  if (existsSync(join(layout.root, 'nodes'))) {
    throw new LedgerError('STORE_FORMAT', `${layout.root} has node folders but no genesis.bin: refusing to create a new chain over them`, {});
  }
  mkdirSync(layout.keysDir, { recursive: true, mode: 0o700 });
  const authority = existsSync(layout.authorityKey) ? loadKeyFile(layout.authorityKey) : writeNewKeyFile(layout.authorityKey);
  const nodeKeys = Array.from({ length: init.nodes }, (_, i) => {
    const path = layout.nodeKey(i + 1);
    return existsSync(path) ? loadKeyFile(path) : writeNewKeyFile(path);
  });
  const genesis = createGenesis({
    channel: init.channel,
    authorities: [{ departmentId: init.authorityId, name: init.authorityName, publicKey: authority.publicKey }],
    nodes: nodeKeys.map((k) => k.publicKey),
    quorum: init.quorum,
    ...(init.batchTimeoutMs !== undefined ? { batchTimeoutMs: init.batchTimeoutMs } : {}),
    ...(init.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: init.heartbeatIntervalMs } : {}),
    ...(init.maxBlockEvents !== undefined ? { limits: { maxBlockEvents: init.maxBlockEvents } } : {}),
    ...(init.witnesses !== undefined ? { witnesses: init.witnesses } : {}),
    ...(init.witnessQuorum !== undefined ? { witnessQuorum: init.witnessQuorum } : {}),
  });
  const ports = await freePorts(init.nodes);
  for (let n = 1; n <= init.nodes; n++) {
    mkdirSync(layout.nodeDir(n), { recursive: true });
    const peers = Object.fromEntries(ports.map((p, i) => [String(i + 1), `ws://127.0.0.1:${p}/peer`]).filter(([k]) => k !== String(n)));
    // on loopback and plain until a start says otherwise (stack/local-cluster.ts writes the TLS files in)
    const config = { genesis: '../../genesis.bin', key: `../../keys/node-${n}${KEY_FILE_EXTENSION}`, data: '.', node: n, listen: `127.0.0.1:${ports[n - 1]}`, peers, tls: 'plain-loopback' };
    writeFileSync(layout.nodeConfig(n), `${JSON.stringify(config, null, 2)}\n`);
  }
  // the genesis last: its presence marks a complete stack
  writeFileSync(layout.genesis, genesis.bytes);
  return { layout, genesis, created: true };
}

/** A node's API URL from its config: https unless it says `"tls": "plain-loopback"` (or predates TLS). */
export function nodeUrl(layout: StackLayout, n: number): string {
  const c = JSON.parse(readFileSync(layout.nodeConfig(n), 'utf8')) as { listen: string; tls?: unknown };
  return `${c.tls === undefined || c.tls === 'plain-loopback' ? 'http' : 'https'}://${c.listen}`;
}

