/**
 * @module stack/stack-target
 * What `ledger event --data DIR` publishes through (issue 17): the running local stack in DIR
 * (`ledger up --data DIR`, `npm start`) says where it serves. Its genesis gives the channel and the
 * authority; `DIR/kafka/` is its broker; each `DIR/nodes/<n>/node.json` names the address the node
 * serves its API on, and the first node answering `/v1/genesis` with this genesis's hash is where
 * the committed results are read; with a SASL broker (issue 22) the department's Kafka
 * credentials are `DIR/kafka/credentials/<department>.json`; a demo department publishes through the demo's own outbox and
 * key (`DIR/demo/outbox/<department>`, `DIR/demo/keys/`), the authority with `DIR/keys/`, so
 * its sequence numbers continue the demo's instead of colliding with them; a department new to
 * the stack gets `DIR/departments/<department>/<channel>`, starting at the chain's next sequence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { loadGenesis, type LoadedGenesis } from '../ledger/genesis.js';
import { demoLayout } from './demo.js';
import { chainNextSequence } from './chain-sequence.js';
import { localTlsFiles } from '../tls/local-authority.js';
import { readCaFile, trustCertificateAuthorities } from '../tls/client-trust.js';
import { nodeUrl, stackLayout } from './layout.js';
import { adminCredentialsPath, userCredentialsPath } from '../kafka/sasl-broker.js';

export interface StackTarget {
  root: string;
  genesis: LoadedGenesis;
  channel: string;
  kafkaDir: string;
  /** The stack's broker runs with SASL/SCRAM and ACLs (issue 22: it has an admin credentials file). */
  kafkaSasl: boolean;
  /** The department's Kafka credentials file (`<data>/kafka/credentials/<department>.json`), when the stack made one. */
  kafkaCredentials?: string;
  /** A node's API that answered with this stack's genesis (undefined: none answered, and none was required). */
  api?: string;
  /** The department's outbox folder in this stack. */
  stateDir: string;
  /** The department's key file in this stack, when the stack holds one. */
  keyFile?: string;
  /** The department's next sequence on chain (for a new outbox), when the API knows the department. */
  nextSequence?: bigint;
}

/** Reads the stack in `dataDir` and finds a node of it that serves (UNAVAILABLE when none does and `requireApi`). */
export async function resolveStackTarget(dataDir: string, departmentId: string, options: { requireApi: boolean }): Promise<StackTarget> {
  const layout = stackLayout(dataDir);
  if (!existsSync(layout.root)) throw new LedgerError('USAGE', `--data ${dataDir}: the folder does not exist`, { path: layout.root });
  if (!existsSync(layout.genesis)) {
    throw new LedgerError('USAGE', `--data ${dataDir} is not a stack's data folder: it has no genesis.bin (\`ledger up --data DIR\` makes one)`, { path: layout.genesis });
  }
  const genesis = loadGenesis(new Uint8Array(readFileSync(layout.genesis)));
  const channel = genesis.genesis.channel;
  // a stack's own nodes serve HTTPS under its own CA (issue 22): --data trusts it
  const tls = localTlsFiles(layout.root);
  if (existsSync(tls.ca)) trustCertificateAuthorities(readCaFile(tls.ca, 'the stack CA'));
  const urls: string[] = [];
  for (let n = 1; n <= genesis.genesis.nodes.length; n++) if (existsSync(layout.nodeConfig(n))) urls.push(nodeUrl(layout, n));
  const api = await firstServing(urls, toHex(genesis.hash));
  if (api === undefined && options.requireApi) {
    throw new LedgerError(
      'UNAVAILABLE',
      `no node of the stack in ${layout.root} answers (${urls.join(', ') || 'no node.json'}): start it with \`ledger up --data ${dataDir}\`, or give --no-wait to only store and send the events`,
      { urls },
    );
  }
  const demo = demoLayout(layout.root);
  const demoOutbox = join(demo.outboxDir, departmentId);
  const isAuthority = genesis.genesis.authorities.some((a) => a.departmentId === departmentId);
  const keyFile = isAuthority && existsSync(layout.authorityKey) ? layout.authorityKey : existsSync(demo.key(departmentId)) ? demo.key(departmentId) : undefined;
  const stateDir = existsSync(demoOutbox) ? demoOutbox : join(layout.root, 'departments', departmentId, channel);
  const nextSequence = await chainNextSequence(api, departmentId);
  const kafkaSasl = existsSync(adminCredentialsPath(layout.kafkaDir));
  const credentialsFile = /^[A-Za-z0-9._-]{1,128}$/.test(departmentId) ? userCredentialsPath(layout.kafkaDir, departmentId) : undefined;
  const kafkaCredentials = kafkaSasl && credentialsFile !== undefined && existsSync(credentialsFile) ? credentialsFile : undefined;
  return { root: layout.root, genesis, channel, kafkaDir: layout.kafkaDir, kafkaSasl, ...(kafkaCredentials !== undefined ? { kafkaCredentials } : {}), ...(api !== undefined ? { api } : {}), stateDir, ...(keyFile !== undefined ? { keyFile } : {}), ...(nextSequence !== undefined ? { nextSequence } : {}) };
}

/** The first URL whose `/v1/genesis` answers with the genesis of this hash (another stack's node on a reused port is not it). */
async function firstServing(urls: string[], genesisHashHex: string): Promise<string | undefined> {
  for (const url of urls) {
    try {
      const r = await fetch(`${url}/v1/genesis`, { signal: AbortSignal.timeout(3000) });
      if (!r.ok) continue;
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (toHex(loadGenesis(bytes).hash) === genesisHashHex) return url;
    } catch {
      /* not serving, or not this stack's: try the next node */
    }
  }
  return undefined;
}
