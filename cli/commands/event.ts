/**
 * @module cli/commands/event
 * `ledger event <type> [--flag value ...] | --file payload.json`: a department publishes signed
 * events of every payload family of DESIGN.md section 5 through its durable outbox and Kafka
 * (producers/). One command per payload type, generated from PAYLOAD_SCHEMAS and the flag table
 * below; plus `publish --file` (payload objects carrying their type), `flush` (send what the
 * outbox holds unacknowledged), `outbox` (counts) and `load` (a load generator for tests and
 * benchmarks).
 *
 * Certificates: the holder's salts file (DESIGN.md section 5) is written, mode 0600 and never over
 * an existing file, *before* the event is stored, so that no certificate is ever published whose
 * salts were lost; amend and transfer read the holder's previous file (`--salts`).
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createKafka, parseBrokerList } from '../../kafka/client.js';
import { credentialsFromEnv, KAFKA_CREDENTIALS_ENV, readCredentialsFile } from '../../kafka/credentials.js';
import { projectRoot, resolveBrokers } from '../../kafka/provision.js';
import { validateChannelName } from '../../kafka/topics.js';
import { toHex } from '../../ledger/bytes.js';
import { LedgerError } from '../../errors/ledger-error.js';
import type { Signer } from '../../ledger/event.js';
import { loadKeyFile } from '../../ledger/key-file.js';
import { DepartmentClient, type Queued, type Receipt } from '../../producers/department-client.js';
import { publishLoad } from '../../producers/load.js';
import { Outbox } from '../../producers/outbox.js';
import { ApiClient, pruneOutboxFromApi } from '../../api/client.js';
import type { RequestSigner } from '../../producers/signed-fetch.js';
import { PAYLOAD_SCHEMAS, PAYLOAD_TYPES, buildPayload, mergeSalts, parseSaltsFile, writeSaltsFile, type BuiltPayload, type PayloadType, type SaltsFile } from '../../producers/payloads.js';
import { EXIT } from '../exit-codes.js';
import { waitForResults } from '../event-result.js';
import { resolveStackTarget } from '../../stack/stack-target.js';
import { RESULT } from '../../ledger/result-codes.js';
import { bigintArg, collect, durationArg, identifierArg, integerArg, toJsonText } from '../args.js';

/** How a payload field is given on the command line. */
type FieldKind = 'string' | 'integer' | 'list' | 'flag' | 'attributes';

interface FieldFlag {
  flag: string;
  kind: FieldKind;
  help: string;
}

/**
 * Every payload field of PAYLOAD_SCHEMAS and its flag (a unit test checks the table covers them).
 * Fields naming the department or key version a governance event acts on are `--target...`, so
 * that they are not confused with the signer's `--department` and `--key-version`.
 */
export const FIELD_FLAGS: Record<string, FieldFlag> = {
  departmentId: { flag: 'target', kind: 'string', help: 'the department the governance event acts on (the signer is --department)' },
  name: { flag: 'name', kind: 'string', help: 'display name' },
  publicKey: { flag: 'public-key', kind: 'string', help: 'Ed25519 public key, 64 hex characters' },
  certificateTypes: { flag: 'certificate-types', kind: 'list', help: 'certificate types it may issue (comma-separated or repeated)' },
  resources: { flag: 'resources', kind: 'list', help: 'resources it may be the source of (comma-separated or repeated)' },
  govern: { flag: 'govern', kind: 'flag', help: 'grant the right to govern (an authority)' },
  seize: { flag: 'seize', kind: 'flag', help: 'grant the right to seize certificates (a court, 查封; rules version 2)' },
  audit: { flag: 'audit', kind: 'flag', help: 'grant the right to audit: the nodes give its signed reads the auditor role (审计机关; rules version 2)' },
  creditor: { flag: 'creditor', kind: 'string', help: 'the creditor department of a mortgage (the bank that asked for it)' },
  amountYuan: { flag: 'amount-yuan', kind: 'string', help: 'the secured amount in whole yuan (被担保主债权数额; 0: not stated)' },
  rank: { flag: 'rank', kind: 'integer', help: 'the rank of the mortgage or seizure (顺位, from 1)' },
  caseNumber: { flag: 'case-number', kind: 'string', help: "the court's case number (案号)" },
  keyVersion: { flag: 'target-key-version', kind: 'integer', help: 'the key version the event is about' },
  fromLogPosition: { flag: 'from-log-position', kind: 'string', help: 'log position from which the key is void' },
  reason: { flag: 'reason', kind: 'string', help: 'reason (free text)' },
  resourceId: { flag: 'resource', kind: 'string', help: 'resource id (信息资源目录)' },
  shareType: { flag: 'share-type', kind: 'string', help: 'UNCONDITIONAL, CONDITIONAL or NOT_SHARED' },
  fields: { flag: 'fields', kind: 'list', help: 'field names (comma-separated or repeated)' },
  updateCycle: { flag: 'update-cycle', kind: 'string', help: 'update cycle, e.g. daily' },
  version: { flag: 'dataset-version', kind: 'string', help: 'dataset version (strictly increasing)' },
  datasetSha256: { flag: 'dataset-sha256', kind: 'string', help: "the dataset file's SHA-256, 64 hex characters" },
  datasetFile: { flag: 'dataset-file', kind: 'string', help: 'the dataset file, to hash' },
  recordCount: { flag: 'record-count', kind: 'string', help: 'number of records' },
  requestId: { flag: 'request', kind: 'string', help: 'share request id (the grant id is the request id)' },
  purpose: { flag: 'purpose', kind: 'string', help: 'purpose of use' },
  validFrom: { flag: 'valid-from', kind: 'string', help: 'start, ISO 8601 with zone (e.g. 2026-01-01T00:00:00+08:00) or ms' },
  validUntil: { flag: 'valid-until', kind: 'string', help: 'end (exclusive), ISO 8601 with zone or ms; a certificate issued without it does not expire' },
  maxUses: { flag: 'max-uses', kind: 'string', help: 'maximum uses (0: unlimited)' },
  grantId: { flag: 'grant', kind: 'string', help: 'the grant used (a request id); none for an unconditional resource' },
  subject: { flag: 'subject', kind: 'string', help: 'the person whose records were read (committed with a salt, never on chain)' },
  subjectSalt: { flag: 'subject-salt', kind: 'string', help: "the subject's salt, 64 hex (default: fresh, printed)" },
  subjectSecret: { flag: 'subject-secret', kind: 'string', help: "the data subject's secret, 64 hex, issued to the citizen with the consent (it finds their trail: ledger trail)" },
  consentId: { flag: 'consent', kind: 'string', help: 'consent id (the household\'s 申请 / 委托)' },
  kind: { flag: 'kind', kind: 'string', help: 'kind of consent, e.g. 申请 or 委托' },
  certificateId: { flag: 'certificate', kind: 'string', help: 'certificate id (GB/T 36904 style: type code, issuer code, serial)' },
  certificateTypeId: { flag: 'certificate-type', kind: 'string', help: 'certificate type' },
  certificateTypeName: { flag: 'certificate-type-name', kind: 'string', help: "the type's name in the catalogue, e.g. 不动产权证书 (shown to readers; the chain checks it; default: the node's catalogue name, if any)" },
  holder: { flag: 'holder', kind: 'string', help: "the holder's identity number (committed with a salt, never on chain)" },
  newHolder: { flag: 'new-holder', kind: 'string', help: "the new holder's identity number (committed)" },
  attributes: { flag: 'attr', kind: 'attributes', help: 'an attribute name=value (repeated; names unique)' },
  documentSha256: { flag: 'document-sha256', kind: 'string', help: "the issued document's SHA-256 (e.g. the OFD), 64 hex" },
  documentFile: { flag: 'document-file', kind: 'string', help: 'the issued document file, to hash' },
};

const TYPE_HELP: Record<PayloadType, string> = {
  'register-department': 'governance (authority): register a department with its key 1 and rights',
  'rotate-key': "governance (authority): a department's next key version",
  'compromise-key': 'governance (authority): declare a key compromised from a log position',
  'suspend-department': 'governance (authority): suspend a department',
  'reinstate-department': 'governance (authority): reinstate a suspended department',
  'register-resource': 'catalogue: register a resource (this department becomes its single source)',
  'update-resource': 'catalogue: update a resource (its source only)',
  'publish-version': 'catalogue: publish a dataset version (its source only)',
  'request-share': 'sharing: request access to a resource',
  'grant-share': 'sharing: grant a request (the source only)',
  'deny-share': 'sharing: deny a request (the source only)',
  'revoke-share': 'sharing: revoke a grant (the source only)',
  'record-access': 'access audit: record a read under a grant or of an unconditional resource',
  'record-consent': "consent (rules version 2): the data subject's 申请 / 委托 that makes a check lawful, before asking an exchange point",
  'issue-certificate': 'certificates: issue (writes the holder\'s salts file, --salts-out)',
  'amend-certificate': 'certificates: amend the attributes (--salts previous file, --salts-out new file)',
  'transfer-certificate': 'certificates: transfer to a new holder (--salts previous file, --salts-out new file)',
  'revoke-certificate': 'certificates: revoke (final)',
  'register-mortgage': 'encumbrances (the issuer, on a bank\'s request): register a mortgage (抵押); it takes the next rank',
  'release-mortgage': 'encumbrances (the issuer): release the mortgage of a rank (注销抵押)',
  'register-seizure': 'encumbrances (a court, right --seize): seize a certificate (查封): no transfer, no new mortgage',
  'lift-seizure': 'encumbrances (the seizing court): lift its seizure of a rank (解除查封)',
  'record-verification': '用证留痕: record an online check of a certificate (the holder sees it in the trail)',
  'register-certificate-type': 'catalogue (authority): name a certificate type code, e.g. --certificate-type BDC --name 不动产权证书',
};

const CERTIFICATE_SALTS: ReadonlySet<PayloadType> = new Set(['issue-certificate', 'amend-certificate', 'transfer-certificate']);

interface CommonOptions {
  channel: string;
  department: string;
  key?: string;
  keyVersion: number;
  state?: string;
  brokers?: string;
  kafkaDir?: string;
  /** The department's Kafka credentials file, from --data (issue 22); LEDGER_KAFKA_CREDENTIALS wins. */
  kafkaCredentials?: string;
  /** Milliseconds. */
  timeout: number;
  json?: boolean;
}

interface PublishOptions extends CommonOptions {
  file?: string;
  saltsOut?: string;
  salts?: string;
  /** A node's API to read the committed results from. */
  api?: string;
  /** false under --no-wait: return at Kafka's acknowledgement. */
  wait: boolean;
}

const FLAG_OF = (field: string): string => `--${FIELD_FLAGS[field]?.flag ?? field}`;

function channelArg(value: string): string {
  try {
    return validateChannelName(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function brokerListArg(value: string): string {
  try {
    parseBrokerList(value, '--brokers');
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return value;
}

function addCommon(cmd: Command, options: { key: 'required' | 'optional' | 'none'; kafka: boolean; stack?: boolean }): Command {
  if (options.stack) {
    // publishing to a running local stack: channel, broker, API, key and outbox come from --data
    cmd
      .option('--data <dir>', 'a running local stack\'s data folder (`ledger up --data DIR`, `npm start`: .data/stack): its channel, broker and node API, and the department\'s key and outbox there')
      .option('--channel <name>', 'the channel (its topic is ledger.<name>; default with --data: the stack\'s)', channelArg);
  } else cmd.requiredOption('--channel <name>', 'the channel (its topic is ledger.<name>)', channelArg);
  cmd.requiredOption('--department <id>', 'the publishing department (the signer)', identifierArg);
  if (options.key !== 'none') {
    const key = new Option('--key <file>', `the department key file (.ed25519key, mode 0600)${options.stack ? '; with --data, default the stack\'s key of the department' : ''}`);
    if (options.key === 'required' && !options.stack) key.makeOptionMandatory();
    cmd.addOption(key).option('--key-version <n>', "the signing key's version", integerArg(1, 0xffffffff), 1);
  }
  cmd.option('--state <dir>', 'the outbox folder (default <project>/.data/departments/<department>/<channel>)');
  if (options.kafka) {
    cmd
      .option('--brokers <list>', 'Kafka brokers host:port,... (default KAFKA_BROKERS, else the broker of `ledger kafka start`)', brokerListArg)
      .option('--kafka-dir <dir>', 'the folder of the local broker (default <project>/.data/kafka)')
      .option('--timeout <duration>', 'how long to wait for Kafka, and then for the committed result, before failing; events stay in the outbox (e.g. 30s)', (v) => Number(durationArg(v)), 30_000);
  }
  return cmd.option('--json', 'print JSON');
}

function stateDir(o: Pick<CommonOptions, 'state' | 'channel' | 'department'>): string {
  return o.state ?? join(projectRoot(), '.data', 'departments', o.department, o.channel);
}

function brokersOf(o: CommonOptions): string[] {
  if (o.brokers !== undefined) return parseBrokerList(o.brokers, '--brokers');
  return resolveBrokers({ dir: o.kafkaDir }).brokers;
}

/** A signer for commands that only re-send stored events. */
const NO_SIGNER: Signer = {
  publicKey: new Uint8Array(32),
  sign() {
    throw new LedgerError('INTERNAL', 'this command signs nothing');
  },
};

async function openClient(o: CommonOptions, key: Signer, initialSequence?: bigint): Promise<DepartmentClient> {
  const brokers = brokersOf(o);
  return DepartmentClient.open({
    kafka: createKafka({ brokers, clientId: `ledger-${o.department}`, ...(o.kafkaCredentials !== undefined ? { credentials: readCredentialsFile(o.kafkaCredentials) } : {}) }),
    channel: o.channel,
    departmentId: o.department,
    keyVersion: o.keyVersion ?? 1,
    key,
    stateDir: stateDir(o),
    ...(initialSequence !== undefined ? { initialSequence } : {}),
  });
}

/**
 * `--data DIR` (issue 17): the running stack's channel, broker, API, and the department's key and
 * outbox there (stack/stack-target.ts), filling what the command line left out; without it the
 * API comes from --api or LEDGER_API. Returns the chain's next sequence for a new outbox.
 */
async function applyStack(opts: PublishOptions & { data?: string }): Promise<bigint | undefined> {
  opts.api ??= process.env.LEDGER_API || undefined;
  if (opts.data === undefined) {
    if (opts.channel === undefined) throw new LedgerError('USAGE', 'give --channel NAME, or --data DIR of a running stack (its channel)', {});
    if (opts.key === undefined) throw new LedgerError('USAGE', "--key is required: the department's key file (or --data DIR of a stack that holds it)", {});
    return undefined;
  }
  const t = await resolveStackTarget(opts.data, opts.department, { requireApi: opts.wait && opts.api === undefined });
  if (opts.channel !== undefined && opts.channel !== t.channel) throw new LedgerError('USAGE', `--channel ${opts.channel}: the stack in ${t.root} is channel ${t.channel}`, {});
  opts.channel = t.channel;
  opts.api ??= t.api;
  opts.state ??= t.stateDir;
  if (opts.brokers === undefined) opts.kafkaDir ??= t.kafkaDir;
  // a stack whose broker has SASL: the department produces as its own principal (issue 22)
  if (opts.brokers === undefined && credentialsFromEnv() === undefined && t.kafkaSasl) {
    if (t.kafkaCredentials === undefined) {
      throw new LedgerError('USAGE', `the stack's Kafka in ${t.kafkaDir} needs credentials and has no Kafka user for ${opts.department}: add one with \`ledger kafka add-user ${opts.department} --channel ${t.channel} --dir ${t.kafkaDir}\`, or set ${KAFKA_CREDENTIALS_ENV}`, {});
    }
    opts.kafkaCredentials = t.kafkaCredentials;
  }
  if (opts.key === undefined) {
    if (t.keyFile === undefined) throw new LedgerError('USAGE', `--key is required: the stack in ${t.root} holds no key of ${opts.department}`, {});
    opts.key = t.keyFile;
  }
  return t.nextSequence;
}

/** The payload input given as flags: only the flags present, converted per kind. */
function inputFromFlags(type: PayloadType, opts: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of Object.keys(PAYLOAD_SCHEMAS[type].shape)) {
    const value = opts[optionKey(FIELD_FLAGS[field]!.flag)];
    if (value === undefined) continue;
    const kind = FIELD_FLAGS[field]!.kind;
    input[field] = kind === 'integer' && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return input;
}

/** commander's attribute name for a flag: camelCase. */
function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

interface Item {
  built: BuiltPayload;
  /** Where the holder's new salts file goes (certificates). */
  saltsOut?: string;
  salts?: SaltsFile;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `${what} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path });
  }
}

function readSalts(path: string, what: string): SaltsFile {
  return parseSaltsFile(readText(path, what), `${what} ${path}`);
}

/**
 * The payloads of a `--file`: one object or an array, each `{ "type": ..., fields... }` (the type
 * may be left out under `ledger event <type> --file`); certificate objects may name their own
 * `saltsOut` and `salts` files.
 */
function itemsFromFile(path: string, commandType: PayloadType | undefined, opts: PublishOptions): Array<{ type: string; input: unknown; where: string; saltsOut?: string; salts?: string }> {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, 'payload file'));
  } catch (e) {
    if (e instanceof LedgerError) throw e;
    throw new LedgerError('BAD_ARGUMENT', `--file ${path} is not valid JSON: ${(e as Error).message}`, { path });
  }
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) throw new LedgerError('BAD_ARGUMENT', `--file ${path} holds an empty array`, { path });
  const items = list.map((raw, i) => {
    const where = Array.isArray(json) ? `--file ${path} [${i}] ` : `--file ${path}: `;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new LedgerError('BAD_ARGUMENT', `${where}is not a JSON object`, { path, index: i });
    const { type, saltsOut, salts, ...input } = raw as Record<string, unknown>;
    const t = type ?? commandType;
    if (typeof t !== 'string') throw new LedgerError('BAD_ARGUMENT', `${where}has no "type" (one of ${PAYLOAD_TYPES.join(', ')})`, { path, index: i });
    if (commandType !== undefined && t !== commandType) throw new LedgerError('BAD_ARGUMENT', `${where}has type "${t}" under \`ledger event ${commandType}\``, { path, index: i });
    for (const [name, v] of [['saltsOut', saltsOut], ['salts', salts]] as const) {
      if (v !== undefined && typeof v !== 'string') throw new LedgerError('BAD_ARGUMENT', `${where}"${name}" must be a file name`, { path, index: i });
    }
    return { type: t, input, where, saltsOut: saltsOut as string | undefined, salts: salts as string | undefined };
  });
  const certificates = items.filter((it) => CERTIFICATE_SALTS.has(it.type as PayloadType));
  if (certificates.length === 1) {
    certificates[0]!.saltsOut ??= opts.saltsOut;
    certificates[0]!.salts ??= opts.salts;
  } else if (certificates.length > 1 && (opts.saltsOut !== undefined || opts.salts !== undefined)) {
    throw new LedgerError('BAD_ARGUMENT', `--file ${path} holds ${certificates.length} certificate events: give each its "saltsOut" (and "salts") in the file instead of --salts-out / --salts`, { path });
  }
  return items;
}

/** Validates everything (payloads, salts files) before anything is stored. */
function prepare(commandType: PayloadType | undefined, opts: PublishOptions & Record<string, unknown>): Item[] {
  let raw: Array<{ type: string; input: unknown; where: string; saltsOut?: string; salts?: string }>;
  let namer: ((f: string) => string) | undefined;
  if (opts.file !== undefined) {
    if (commandType !== undefined) {
      const given = Object.keys(PAYLOAD_SCHEMAS[commandType].shape).filter((f) => opts[optionKey(FIELD_FLAGS[f]!.flag)] !== undefined);
      if (given.length > 0) throw new LedgerError('BAD_ARGUMENT', `give --file or field flags, not both (${given.map(FLAG_OF).join(', ')})`, {});
    }
    raw = itemsFromFile(opts.file, commandType, opts);
  } else {
    if (commandType === undefined) throw new LedgerError('BAD_ARGUMENT', '--file is required: a payload object with its "type", or an array of them', {});
    raw = [{ type: commandType, input: inputFromFlags(commandType, opts), where: '', saltsOut: opts.saltsOut, salts: opts.salts }];
    namer = FLAG_OF;
  }
  const out: Item[] = [];
  const saltsTargets = new Set<string>();
  for (const r of raw) {
    const built = buildPayload(r.type, r.input, r.where, namer);
    const item: Item = { built };
    const saltsOutName = namer ? '--salts-out' : '"saltsOut"';
    const saltsName = namer ? '--salts' : '"salts"';
    if (CERTIFICATE_SALTS.has(built.type)) {
      if (r.saltsOut === undefined) {
        throw new LedgerError('BAD_ARGUMENT', `${r.where}${built.type}: ${saltsOutName} is required: the file the holder keeps (without its salts the certificate can never be proven)`, {});
      }
      if (existsSync(r.saltsOut) || saltsTargets.has(r.saltsOut)) throw new LedgerError('FILE_EXISTS', `${r.where}${saltsOutName} ${r.saltsOut} already exists; refusing to overwrite a salts file`, { path: r.saltsOut });
      saltsTargets.add(r.saltsOut);
      const previous = r.salts === undefined ? undefined : readSalts(r.salts, saltsName);
      if (built.type !== 'issue-certificate' && previous === undefined) {
        throw new LedgerError('BAD_ARGUMENT', `${r.where}${built.type}: ${saltsName} is required: the holder's previous salts file for ${built.salts!.certificate}`, {});
      }
      item.saltsOut = r.saltsOut;
      item.salts = mergeSalts(built.salts!, built.type === 'issue-certificate' ? undefined : previous);
    } else if (r.saltsOut !== undefined || r.salts !== undefined) {
      throw new LedgerError('BAD_ARGUMENT', `${r.where}${built.type}: ${saltsOutName} and ${saltsName} are for certificate issue, amend and transfer only`, {});
    }
    out.push(item);
  }
  return out;
}

function receiptJson(r: Receipt): { sequence: bigint; eventId: string; partition: number; offset: bigint } {
  return { sequence: r.sequence, eventId: toHex(r.eventId), partition: r.partition, offset: r.offset };
}

/**
 * Sets each issued certificate's type name that was not given to the catalogue's
 * (`GET /v1/certificate-types/{id}`), so that readers show 不动产权证书, not BDC; a type the
 * catalogue does not name is left unnamed. Without waiting, an unreachable API leaves them unnamed.
 */
async function fillCertificateTypeNames(items: Item[], api: string, signer: RequestSigner, wait: boolean): Promise<void> {
  const client = new ApiClient(api, undefined, signer);
  for (const it of items) {
    const p = it.built.payload.certificateIssued;
    if (p === undefined || p.certificateTypeName !== '') continue;
    let body: Uint8Array | undefined;
    try {
      body = await client.bytes(`/v1/certificate-types/${encodeURIComponent(p.certificateTypeId)}`, 1 << 16, true);
    } catch (e) {
      if (wait) throw e;
      continue;
    }
    if (body === undefined) continue;
    const name = (JSON.parse(new TextDecoder().decode(body)) as { name?: unknown }).name;
    if (typeof name !== 'string' || name === '') throw new LedgerError('MALFORMED', `${api}/v1/certificate-types/${p.certificateTypeId} has no name`, {});
    p.certificateTypeName = name;
  }
}

async function publishAction(commandType: PayloadType | undefined, opts: PublishOptions & Record<string, unknown>): Promise<void> {
  const items = prepare(commandType, opts);
  const chainNext = await applyStack(opts);
  const key = loadKeyFile(opts.key!);
  // The default answer is the chain's (issue 17): a rejected event is a failure, not a receipt.
  if (opts.wait && opts.api === undefined) {
    throw new LedgerError(
      'USAGE',
      "waiting for the committed result needs a node's API: give --data DIR of the running stack (`ledger up --data DIR`), --api URL (e.g. http://127.0.0.1:7101) or LEDGER_API, or --no-wait to return at Kafka's acknowledgement without knowing the result",
      {},
    );
  }
  const reader = { keyid: `department/${opts.department}/${opts.keyVersion}`, sign: (m: Uint8Array) => key.sign(m) };
  // an issued certificate carries its type's name from the chain's catalogue unless given (issue 24)
  if (opts.api !== undefined) await fillCertificateTypeNames(items, opts.api, reader, opts.wait);
  const client = await openClient(opts, key, chainNext);
  if (chainNext !== undefined && client.outbox.nextSequence < chainNext) {
    await client.close();
    throw new LedgerError('CONFLICT', `${opts.department} is at sequence ${chainNext} on chain but its outbox ${stateDir(opts)} is at ${client.outbox.nextSequence}: events were published for it from another outbox; give --state of that outbox`, {});
  }
  const written: string[] = [];
  let queued: Queued[];
  try {
    // Under --no-wait the salts files go first: a stored event goes out sooner or later, and its
    // holder needs them. When waiting they are written once the chain has applied the event.
    if (!opts.wait) {
      for (const it of items) {
        if (it.saltsOut !== undefined) {
          writeSaltsFile(it.saltsOut, it.salts!);
          written.push(it.saltsOut);
        }
      }
    }
    try {
      queued = await Promise.all(items.map((it) => client.enqueue(it.built.payload)));
    } catch (e) {
      // Events of one call are stored in one batch: none was stored, so no salts file is needed.
      for (const f of written) unlinkSync(f);
      throw e;
    }
    try {
      await client.flush(opts.timeout);
    } catch (e) {
      const first = queued[0]!.entry.sequence;
      const last = queued[queued.length - 1]!.entry.sequence;
      throw new LedgerError(
        'UNAVAILABLE',
        `${(e as Error).message}. Stored as sequence ${first}${last !== first ? `..${last}` : ''} in ${stateDir(opts)}; ` +
          `send with \`ledger event flush --channel ${opts.channel} --department ${opts.department}${opts.state ? ` --state ${opts.state}` : ''}\` once Kafka takes them`,
        { ...(e as LedgerError).details, first: first.toString(), last: last.toString() },
        { cause: e },
      );
    }
  } finally {
    await client.close();
  }
  const receipts = await Promise.all(queued.map((q) => q.receipt));
  const results = opts.wait ? await waitForResults(opts.api!, receipts.map((r) => r.eventId), opts.timeout, reader) : undefined;
  const events = items.map((it, i) => {
    const result = results?.[i];
    // a salts file only for a certificate event the chain applied: nothing to prove otherwise
    const saltsFile = it.saltsOut !== undefined && (result === undefined || result.resultCode === RESULT.OK) ? it.saltsOut : undefined;
    if (result !== undefined && saltsFile !== undefined) writeSaltsFile(saltsFile, it.salts!);
    return {
      type: it.built.type,
      ...receiptJson(receipts[i]!),
      ...(result !== undefined ? { height: result.height, resultCode: result.resultCode, result: result.resultName } : {}),
      ...(saltsFile !== undefined ? { saltsFile } : {}),
      ...(it.built.subjectSalt !== undefined ? { subjectSalt: it.built.subjectSalt } : {}),
    };
  });
  if (opts.json) {
    process.stdout.write(`${toJsonText({ channel: opts.channel, department: opts.department, topic: client.topic, waited: opts.wait, events })}\n`);
  } else {
    for (const e of events) {
      const extra = [e.saltsFile ? `holder's salts: ${e.saltsFile}` : '', e.subjectSalt ? `subject salt: ${e.subjectSalt}` : ''].filter(Boolean).join('  ');
      const outcome = e.result === undefined ? 'taken by Kafka (--no-wait: the chain\'s result is not known)' : e.result === 'OK' ? `committed OK at height ${e.height}` : `REJECTED ${e.result} (result code ${e.resultCode}) at height ${e.height}`;
      process.stdout.write(`${e.type} sequence ${e.sequence}: ${outcome}; offset ${e.offset} on ${client.topic} partition ${e.partition}, event ${e.eventId}${extra ? `  ${extra}` : ''}\n`);
    }
  }
  // exit 0 only when the chain applied every event (a rejection is a failed check: exit 1)
  if (results !== undefined && results.some((r) => r.resultCode !== RESULT.OK)) process.exitCode = EXIT.FAILED_CHECK;
}

/** The options of commands that publish: where the committed result is read, or not waiting for it. */
function addWait(cmd: Command): Command {
  return cmd
    .option('--api <url>', "a node's API (e.g. http://127.0.0.1:7101; default LEDGER_API, or the stack of --data): wait there for the committed result; exit 0 only when every event is OK, 1 when one is rejected")
    .option('--no-wait', "return at Kafka's acknowledgement without the chain's result (salts files are written before sending)");
}

export function registerEvent(program: Command): void {
  const event = program
    .command('event')
    .description('publish signed events of a department (every payload family), through its durable outbox, to Kafka');

  for (const type of PAYLOAD_TYPES) {
    const cmd = event.command(type).description(TYPE_HELP[type]);
    for (const field of Object.keys(PAYLOAD_SCHEMAS[type].shape)) {
      const f = FIELD_FLAGS[field];
      if (f === undefined) throw new LedgerError('INTERNAL', `no flag for payload field ${field} of ${type}`);
      if (f.kind === 'flag') cmd.option(`--${f.flag}`, f.help);
      else if (f.kind === 'list') cmd.option(`--${f.flag} <values>`, f.help, collect((v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '')), undefined);
      else if (f.kind === 'attributes') cmd.option(`--${f.flag} <name=value>`, f.help, collect(attributeArg), undefined);
      else cmd.option(`--${f.flag} <value>`, f.help);
    }
    cmd.option('--file <payload.json>', `the fields as JSON instead of flags (an object, or an array of ${type} objects)`);
    if (CERTIFICATE_SALTS.has(type)) {
      cmd.option('--salts-out <file>', "where to write the holder's salts file (mode 0600; never overwritten)");
      if (type !== 'issue-certificate') cmd.option('--salts <file>', "the holder's previous salts file");
    }
    addWait(addCommon(cmd, { key: 'required', kafka: true, stack: true })).action(async (opts: PublishOptions & Record<string, unknown>) => {
      // lists arrive as arrays of arrays from repeated comma-separated flags
      for (const field of Object.keys(PAYLOAD_SCHEMAS[type].shape)) {
        const k = optionKey(FIELD_FLAGS[field]!.flag);
        if (FIELD_FLAGS[field]!.kind === 'list' && Array.isArray(opts[k])) opts[k] = (opts[k] as string[][]).flat();
      }
      await publishAction(type, opts);
    });
  }

  addWait(addCommon(
    event
      .command('publish')
      .description('publish the payloads of a JSON file: one object {"type": ..., fields...} or an array of them (stored in order, one batch)')
      .requiredOption('--file <payload.json>', 'the payload(s)')
      .option('--salts-out <file>', "for a single certificate event: the holder's salts file to write")
      .option('--salts <file>', "for a single certificate amend or transfer: the holder's previous salts file"),
    { key: 'required', kafka: true, stack: true },
  )).action((opts: PublishOptions & Record<string, unknown>) => publishAction(undefined, opts));

  addCommon(event.command('flush').description('send what the outbox holds unacknowledged, in order, byte-identical'), { key: 'none', kafka: true }).action(async (opts: CommonOptions) => {
    await outboxCounts(opts); // NOT_FOUND rather than a new empty outbox
    const client = await openClient(opts, NO_SIGNER);
    const pending = client.unacknowledged;
    try {
      await client.flush(opts.timeout);
    } finally {
      await client.close();
    }
    const counts = await outboxCounts(opts);
    const summary = { sent: pending, ...counts };
    process.stdout.write(opts.json ? `${toJsonText(summary)}\n` : `sent ${pending} event(s); the outbox holds ${counts.pending} pending, ${counts.acknowledged} acknowledged; next sequence ${counts.nextSequence}\n`);
  });

  addCommon(event.command('outbox').description("the outbox's counts: pending (not yet acknowledged by Kafka), acknowledged, next sequence"), { key: 'none', kafka: false }).action(
    async (opts: CommonOptions) => {
      const counts = await outboxCounts(opts);
      process.stdout.write(
        opts.json ? `${toJsonText({ dir: stateDir(opts), ...counts })}\n` : `${stateDir(opts)}: ${counts.pending} pending, ${counts.acknowledged} acknowledged; next sequence ${counts.nextSequence}\n`,
      );
    },
  );

  addCommon(
    event
      .command('prune')
      .description("forget the outbox's acknowledged events that a node's API shows committed (they need no re-sending)")
      .requiredOption('--api <url>', "a running node's API (e.g. http://127.0.0.1:7101)"),
    { key: 'none', kafka: false },
  ).action(async (opts: CommonOptions & { api: string }) => {
    await outboxCounts(opts); // NOT_FOUND rather than a new empty outbox
    const box = await Outbox.open(stateDir(opts), opts.channel, opts.department);
    let pruned: number;
    let counts: ReturnType<Outbox['counts']>;
    try {
      pruned = await pruneOutboxFromApi(box, opts.api);
      counts = box.counts();
    } finally {
      await box.close();
    }
    process.stdout.write(opts.json ? `${toJsonText({ pruned, ...counts })}\n` : `pruned ${pruned} committed event(s); the outbox holds ${counts.pending} pending, ${counts.acknowledged} acknowledged; next sequence ${counts.nextSequence}\n`);
  });

  addCommon(
    event
      .command('load')
      .description('load generator: publish synthetic access records until sequence --until is handed out (a restarted run continues where the outbox stopped)')
      .requiredOption('--until <n>', 'the last sequence number to hand out', bigintArg(1n))
      .option('--rate <n>', 'events per second (default: as fast as possible)', integerArg(1, 10_000_000))
      .option('--progress-ms <ms>', 'print progress this often', integerArg(10, 60_000), 250),
    { key: 'required', kafka: true },
  ).action(async (opts: CommonOptions & { until: bigint; rate?: number; progressMs: number }) => {
    const client = await openClient(opts, loadKeyFile(opts.key!));
    const line = (p: object) => process.stdout.write(opts.json ? `${JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n` : `${Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    try {
      const r = await publishLoad(client, {
        until: opts.until,
        ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
        progressEveryMs: opts.progressMs,
        flushTimeoutMs: opts.timeout,
        onProgress: (p) => line({ progress: true, ...p }),
      });
      line({ done: true, ...r, eventsPerSecond: Math.round(r.publishedThisRun / (r.elapsedMs / 1000)), failedSends: client.failedSends });
    } finally {
      await client.close();
    }
  });
}

function attributeArg(value: string): { name: string; value: string } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got "${value}"`);
  return { name: value.slice(0, eq), value: value.slice(eq + 1) };
}

async function outboxCounts(o: CommonOptions): Promise<ReturnType<Outbox['counts']>> {
  const dir = stateDir(o);
  if (!existsSync(dir)) throw new LedgerError('NOT_FOUND', `no outbox in ${dir}: ${o.department} has published nothing on ${o.channel} from this folder`, { dir });
  const box = await Outbox.open(dir, o.channel, o.department);
  try {
    return box.counts();
  } finally {
    await box.close();
  }
}
