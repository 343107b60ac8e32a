/**
 * @module exchange/exchange-server
 * `ledger exchange --config FILE`: a source department's exchange point as its own process, in
 * front of its data, not a mode of a node's API. Why: it signs with the *department's* key and
 * publishes through the department's own outbox (a node holds no department key, DESIGN.md
 * section 2), and it runs where the department's database is, which a consensus node should not
 * reach. It reads the committed chain through any node's API.
 *
 * The config file (JSON): { "channel", "departmentId", "keyFile", "keyVersion"?, "api" (a node's
 * URL), "brokers"? (host:port list; default the local stack's broker), "outbox"? (folder),
 * "listen"? ("127.0.0.1:7400"), "tls" ({ "cert", "key" } PEM files, or "plain-loopback" on a
 * loopback address only: tls/listen.ts), "tables": { "<resource id>": "<JSON table file>" } }
 * (relative paths are relative to the config file).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { errorAnswer } from '../api/app.js';
import { createKafka } from '../kafka/client.js';
import type { KafkaCredentials } from '../kafka/credentials.js';
import { loadGenesis } from '../ledger/genesis.js';
import { loadKeyFile } from '../ledger/key-file.js';
import { LedgerError } from '../errors/ledger-error.js';
import { isIdentifier } from '../proto/limits.js';
import type { ExchangeRead } from '../proto/schema.generated.js';
import { DepartmentClient } from '../producers/department-client.js';
import { ApiClient } from '../api/client.js';
import { ApiChainView } from './chain-view.js';
import { listenService, serviceTlsSchema } from '../tls/listen.js';
import { JsonTableSource, type DataSource } from './data-source.js';
import { ExchangePoint, READ_PATH } from './exchange-point.js';
import type { RequestSigner } from '../producers/signed-fetch.js';

const id = z.string().refine((s) => isIdentifier(s), 'an identifier');
export const ExchangeConfigSchema = z
  .object({
    channel: z.string().min(1),
    departmentId: id,
    keyFile: z.string().min(1),
    keyVersion: z.number().int().min(1).default(1),
    api: z.string().url(),
    brokers: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port')).min(1),
    outbox: z.string().min(1),
    listen: z.string().regex(/^.+:\d{1,5}$/, 'HOST:PORT').default('127.0.0.1:7400'),
    // issue 22: said in every config; plain HTTP only on loopback
    tls: serviceTlsSchema,
    tables: z.record(id, z.string().min(1)),
  })
  .strict();
export type ExchangeConfig = z.infer<typeof ExchangeConfigSchema>;

/** Reads and checks a config file. @throws LedgerError FILE_UNREADABLE / BAD_ARGUMENT naming the field */
export function loadExchangeConfig(path: string): ExchangeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `--config ${path} cannot be read: ${(e as Error).message}`, { path });
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new LedgerError('BAD_ARGUMENT', `--config ${path} is not JSON`, { path });
  }
  const c = ExchangeConfigSchema.safeParse(j);
  if (!c.success) {
    const i = c.error.issues[0]!;
    throw new LedgerError('BAD_ARGUMENT', `--config ${path}: ${i.path.join('.') || '(file)'}: ${i.message}`, { path, field: i.path.join('.') });
  }
  const base = dirname(path);
  const abs = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const tls = c.data.tls === 'plain-loopback' ? c.data.tls : { cert: abs(c.data.tls.cert), key: abs(c.data.tls.key) };
  return { ...c.data, tls, keyFile: abs(c.data.keyFile), outbox: abs(c.data.outbox), tables: Object.fromEntries(Object.entries(c.data.tables).map(([k, v]) => [k, abs(v)])) };
}

/** The largest read request body taken (a request is a few hundred bytes). */
export const MAX_REQUEST_BYTES = 64 * 1024;

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request body, at most `limit` bytes. @throws LedgerError PAYLOAD_TOO_LARGE */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new LedgerError('PAYLOAD_TOO_LARGE', `a read request is at most ${limit} bytes`, { limit }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new LedgerError('PAYLOAD_TOO_LARGE', `a read request is at most ${limit} bytes`, { limit }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const b = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve(new Uint8Array(b.buffer, b.byteOffset, b.length));
    });
    req.on('error', reject);
  });
}

/**
 * The exchange point's HTTP handler: POST /v1/exchange/reads, JSON errors as the node's API
 * answers them (api/app.ts errorAnswer). Plain node:http rather than a framework for one route:
 * it is on every read's path, and the exchange point's CPU per read is what bounds its rate
 * (issue 21).
 */
export function exchangeHandler(point: ExchangePoint, log: (line: string) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const fail = (res: ServerResponse, e: unknown) => {
    const { status, body } = errorAnswer(e);
    if (status >= 500 && status !== 503 && status !== 504) log(`exchange: ${(e as Error)?.stack ?? String(e)}`);
    answerJson(res, status, body);
  };
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method !== 'POST' || (path !== READ_PATH && path !== `${READ_PATH}/`)) {
      req.resume();
      answerJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.method} ${path.slice(0, 200)} (reads are POST ${READ_PATH})` });
      return;
    }
    readBody(req, MAX_REQUEST_BYTES)
      .then((body) => point.read(req.headers, body))
      .then(
        (a) => answerJson(res, 200, a),
        (e: unknown) => fail(res, e),
      );
  };
}

export interface RunningExchange {
  url: string;
  point: ExchangePoint;
  /** Closes the server, the chain view and the department client (its outbox keeps what is unsent). */
  stop(): Promise<void>;
}

/** Starts an exchange point from a config (and, for tests, another data source). */
export async function startExchange(
  config: ExchangeConfig,
  // kafkaCredentials: the department's Kafka principal (issue 22; default LEDGER_KAFKA_CREDENTIALS, kafka/client.ts)
  options: { data?: DataSource; log?: (line: string) => void; kafkaCredentials?: KafkaCredentials | null } = {},
): Promise<RunningExchange> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const key = loadKeyFile(config.keyFile);
  const data = options.data ?? JsonTableSource.load(config.tables);
  // every request to the node is signed as the department (a node in the signed API mode requires it)
  const signer: RequestSigner = { keyid: `department/${config.departmentId}/${config.keyVersion}`, sign: (m) => key.sign(m) };
  const nodeApi = new ApiClient(config.api, undefined, signer);
  const genesis = loadGenesis((await nodeApi.bytes('/v1/genesis?format=binary', 1 << 20))!);
  if (genesis.genesis.channel !== config.channel) throw new LedgerError('BAD_ARGUMENT', `the node at ${config.api} serves channel ${genesis.genesis.channel}, not ${config.channel}`, {});
  const chain = new ApiChainView(config.api, genesis.limits, undefined, undefined, signer);
  await chain.start();
  // The department's sequence continues from the chain's when the outbox is new: while it runs,
  // the exchange point is the department's publisher (one sequence, one outbox: DESIGN.md section 5).
  const next = await nodeApi.json<{ nextSequence?: unknown }>(`/v1/departments/${encodeURIComponent(config.departmentId)}/next-sequence`);
  if (typeof next.nextSequence !== 'string' || !/^\d{1,20}$/.test(next.nextSequence)) throw new LedgerError('MALFORMED', `${config.api}: no next sequence for ${config.departmentId}`, {});
  const client = await DepartmentClient.open({
    kafka: createKafka({ brokers: config.brokers, clientId: `ledger-exchange-${config.departmentId}`, ...(options.kafkaCredentials !== undefined ? { credentials: options.kafkaCredentials } : {}) }),
    channel: config.channel,
    departmentId: config.departmentId,
    keyVersion: config.keyVersion,
    key,
    stateDir: config.outbox,
    initialSequence: BigInt(next.nextSequence),
    limits: genesis.limits,
  });
  const publish = async (p: { exchangeRead: ExchangeRead }) => {
    const q = await client.enqueue(p);
    // the client resends until Kafka has it (or it is closed); the read's commit wait bounds the read
    q.receipt.catch(() => undefined);
    return q.entry.eventId;
  };
  const point = new ExchangePoint({ departmentId: config.departmentId, chain, data, publish, log });
  const m = /^(.+):(\d{1,5})$/.exec(config.listen)!;
  let listening: { server: Server; url: string };
  try {
    listening = await listenService(exchangeHandler(point, log), m[1]!, Number(m[2]), config.tls, `exchange point ${config.departmentId}`);
  } catch (e) {
    chain.close();
    await client.close();
    throw e;
  }
  const { server, url } = listening;
  // Clients keep connections alive (fetch does); a server that drops an idle socket just as a
  // client reuses it answers ECONNRESET: keep idle sockets longer than clients do.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return {
    url,
    point,
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      chain.close();
      await client.close();
    },
  };
}
