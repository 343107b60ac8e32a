/**
 * @module consensus/node-config
 * A node's configuration file (JSON): genesis, key file, data folder, its index, listen address,
 * peers, and optionally brokers, the topic mode and who may write the channel (kafkaWriters). Paths are relative to the file. Validated with
 * zod; every problem names its field.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { LedgerError } from '../errors/ledger-error.js';
import { loadGenesis, type LoadedGenesis } from '../ledger/genesis.js';
import { loadKeyFile, type SigningKey } from '../ledger/key-file.js';
import { parseBrokerList } from '../kafka/client.js';
import { loadApiCertificate, type ApiCertificate } from '../tls/server-tls.js';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port');

export const nodeConfigSchema = z
  .object({
    genesis: z.string().min(1),
    key: z.string().min(1),
    data: z.string().min(1),
    node: z.number().int().min(1).max(1000),
    listen: hostPort,
    peers: z.record(z.string().regex(/^\d+$/, 'peer keys are node indexes'), z.string().regex(/^wss?:\/\/\S+$/, 'expected a wss:// (or ws:// on loopback) URL')),
    // issue 22: the API's certificate and key (PEM files; the peer links use the node key itself),
    // or plain HTTP and ws, said explicitly, for a node on the loopback interface only
    tls: z.union([z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict(), z.literal('plain-loopback')]).optional(),
    brokers: z.union([z.string(), z.array(z.string())]).optional(),
    topicMode: z.enum(['development', 'production']).optional(),
    // issue 22: the Kafka principals (user names) that may write the channel's topic; the node
    // refuses to start when the topic's ACLs let any other write (kafka/channel-acls.ts)
    kafkaWriters: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a Kafka user name')).max(10_000).optional(),
    signatureWorkers: z.number().int().min(0).max(64).optional(),
    // issue 19: the window of outstanding heights (NodeCoreOptions.voteWindow, 1 to MAX_VOTE_WINDOW)
    voteWindow: z.number().int().min(1).max(32).optional(),
    // issue 22: who may call the API; absent means `signed` (production)
    api: z
      .object({
        access: z.enum(['signed', 'open-loopback']),
        auditors: z.array(z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'a department id')).max(64).optional(),
        corsOrigins: z.array(z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'an origin: scheme://host[:port]')).max(64).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The API's access mode of a node (api/app.ts ApiAccess). */
export type NodeApiAccess = { mode: 'signed'; auditors: string[]; corsOrigins: string[] } | { mode: 'open-loopback'; corsOrigins: string[] };

/** How a node's port is served (issue 22): HTTPS and wss with the API's certificate, or plain on loopback. */
export type NodeTransport = { mode: 'tls'; api: ApiCertificate } | { mode: 'plain-loopback' };

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

export type NodeConfigFile = z.infer<typeof nodeConfigSchema>;

export interface NodeConfig {
  file: string;
  genesis: LoadedGenesis;
  genesisPath: string;
  key: SigningKey;
  dataDir: string;
  nodeIndex: number;
  host: string;
  port: number;
  peers: Map<number, string>;
  brokers: string[] | undefined;
  topicMode: 'development' | 'production';
  /** Who may write the channel (issue 22); checked at start when given or when the node has Kafka credentials. */
  kafkaWriters: string[] | undefined;
  signatureWorkers: number | undefined;
  /** The window of outstanding heights (issue 19); the core's default when absent. */
  voteWindow: number | undefined;
  apiAccess: NodeApiAccess;
  transport: NodeTransport;
}

/**
 * Reads and checks a node configuration (and the genesis and key it names).
 * @throws LedgerError FILE_UNREADABLE, BAD_ARGUMENT naming the field, KEY_FILE_PERMISSIONS
 */
export function loadNodeConfig(file: string): NodeConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LedgerError(code ? 'FILE_UNREADABLE' : 'BAD_ARGUMENT', `node config ${file}: ${code ?? 'not JSON'}`, { file });
  }
  const parsed = nodeConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new LedgerError('BAD_ARGUMENT', `node config ${file}: ${problems.join('; ')}`, { file, problems });
  }
  const c = parsed.data;
  const base = dirname(resolve(file));
  const genesisPath = resolve(base, c.genesis);
  let genesisBytes: Uint8Array;
  try {
    genesisBytes = new Uint8Array(readFileSync(genesisPath));
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `genesis ${genesisPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: genesisPath });
  }
  const genesis = loadGenesis(genesisBytes);
  if (c.node > genesis.genesis.nodes.length) {
    throw new LedgerError('BAD_ARGUMENT', `node config ${file}: node ${c.node} is not in the genesis (nodes 1..${genesis.genesis.nodes.length})`, { file });
  }
  const peers = new Map<number, string>();
  for (const [k, url] of Object.entries(c.peers)) {
    const i = Number(k);
    if (i === c.node || i < 1 || i > genesis.genesis.nodes.length) {
      throw new LedgerError('BAD_ARGUMENT', `node config ${file}: peers.${k}: not another node of the genesis`, { file });
    }
    peers.set(i, url);
  }
  const [host, port] = [c.listen.slice(0, c.listen.lastIndexOf(':')), Number(c.listen.slice(c.listen.lastIndexOf(':') + 1))];
  const corsOrigins = c.api?.corsOrigins ?? [];
  const apiAccess: NodeApiAccess = c.api?.access === 'open-loopback' ? { mode: 'open-loopback', corsOrigins } : { mode: 'signed', auditors: c.api?.auditors ?? [], corsOrigins };
  if (apiAccess.mode === 'open-loopback' && !LOOPBACK_HOSTS.includes(host!)) {
    // the open mode is for one machine: it never listens where another machine can reach it
    throw new LedgerError('BAD_ARGUMENT', `node config ${file}: api.access open-loopback needs listen on 127.0.0.1 (not ${host})`, { file });
  }
  const transport = nodeTransport(c, file, base, host!, peers);
  const brokers = c.brokers === undefined ? undefined : parseBrokerList(Array.isArray(c.brokers) ? c.brokers.join(',') : c.brokers, `${file}: brokers`);
  return {
    file,
    genesis,
    genesisPath,
    key: loadKeyFile(resolve(base, c.key)),
    dataDir: resolve(base, c.data),
    nodeIndex: c.node,
    host: host!,
    port: port!,
    peers,
    brokers,
    topicMode: c.topicMode ?? 'development',
    kafkaWriters: c.kafkaWriters,
    signatureWorkers: c.signatureWorkers,
    voteWindow: c.voteWindow,
    apiAccess,
    transport,
  };
}

/**
 * TLS on every link a network crosses (issue 22): a node serves HTTPS and dials wss unless its
 * configuration says `"tls": "plain-loopback"`, which it takes only when it listens on loopback
 * and its peers are too.
 */
function nodeTransport(c: NodeConfigFile, file: string, base: string, host: string, peers: Map<number, string>): NodeTransport {
  if (c.tls === undefined) {
    throw new LedgerError(
      'BAD_ARGUMENT',
      `node config ${file}: tls: missing: give {"cert", "key"} (PEM files of the API's certificate; \`ledger up\` makes them in <stack>/tls/), or "plain-loopback" for a node that listens on 127.0.0.1 only`,
      { file },
    );
  }
  if (c.tls === 'plain-loopback') {
    if (!LOOPBACK_HOSTS.includes(host)) throw new LedgerError('BAD_ARGUMENT', `node config ${file}: tls "plain-loopback" needs listen on 127.0.0.1 (not ${host}): a network is crossed, give tls.cert and tls.key`, { file });
    for (const [i, url] of peers) {
      const u = URL.canParse(url) ? new URL(url) : undefined;
      if (u === undefined || u.protocol !== 'ws:' || !LOOPBACK_HOSTS.includes(u.hostname)) throw new LedgerError('BAD_ARGUMENT', `node config ${file}: peers.${i}: with tls "plain-loopback" a peer is ws:// on 127.0.0.1 (not ${url})`, { file });
    }
    return { mode: 'plain-loopback' };
  }
  for (const [i, url] of peers) {
    if (!url.startsWith('wss://')) throw new LedgerError('BAD_ARGUMENT', `node config ${file}: peers.${i}: a node with tls dials its peers over wss:// (not ${url})`, { file });
  }
  return { mode: 'tls', api: loadApiCertificate(resolve(base, c.tls.cert), resolve(base, c.tls.key)) };
}
