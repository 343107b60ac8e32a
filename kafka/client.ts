/**
 * @module kafka/client
 * kafkajs clients for the ledger: which brokers (KAFKA_BROKERS or a broker the project started),
 * quiet logging so that command and test output stays readable, the one producer configuration of
 * DESIGN.md section 11, a metadata probe, and the per-record timestamp type the cut function
 * (DESIGN.md section 8) needs. Offsets and timestamps stay strings or bigint, never Number.
 */
import kafkajs from 'kafkajs';
import type { Admin, Kafka as KafkaClient, KafkaMessage, Producer } from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { credentialsFromEnv, kafkajsSasl, type KafkaCredentials } from './credentials.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

/** The environment variable that points every command and test at an existing cluster. */
export const KAFKA_BROKERS_ENV = 'KAFKA_BROKERS';

/**
 * Parses a broker list `host:port,host:port` (whitespace around entries is ignored).
 * @throws LedgerError BAD_ARGUMENT naming the bad entry
 */
export function parseBrokerList(text: string, source = KAFKA_BROKERS_ENV): string[] {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new LedgerError('BAD_ARGUMENT', `${source} is empty: give host:port[,host:port...]`, { source });
  for (const entry of entries) {
    // host may be a name, IPv4, or a bracketed IPv6 address; the port is the part after the last colon
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new LedgerError('BAD_ARGUMENT', `${source} has a bad broker address "${entry}": expected host:port with a port in 1..65535`, { source, entry });
    }
  }
  return entries;
}

/** The brokers named by KAFKA_BROKERS, or undefined when it is unset or blank. */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const text = env[KAFKA_BROKERS_ENV];
  if (text === undefined || text.trim() === '') return undefined;
  return parseBrokerList(text);
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId?: string;
  /** Per-connection timeout (kafkajs default 1 s). */
  connectionTimeoutMs?: number;
  /** Per-request timeout (kafkajs default 30 s). */
  requestTimeoutMs?: number;
  /** kafkajs's own retries of a failed request (default 5). */
  retries?: number;
  /**
   * SASL/SCRAM credentials (kafka/credentials.ts); default the file named by
   * LEDGER_KAFKA_CREDENTIALS, else none (a development broker without SASL). `null`: none even
   * when the variable is set (tests of refused clients).
   */
  credentials?: KafkaCredentials | null;
}

/**
 * A kafkajs client that logs nothing (LEDGER_DEBUG=1 shows kafkajs warnings and errors): callers
 * report failures as LedgerError instead.
 */
export function createKafka(options: KafkaClientOptions): KafkaClient {
  const credentials = options.credentials === undefined ? credentialsFromEnv() : (options.credentials ?? undefined);
  return new Kafka({
    ...(credentials ? { sasl: kafkajsSasl(credentials) } : {}),
    clientId: options.clientId ?? 'ledger',
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: process.env.LEDGER_DEBUG === '1' ? logLevel.WARN : logLevel.NOTHING,
  });
}

/**
 * The producer configuration of DESIGN.md section 11: at most one request in flight (kafkajs's
 * idempotent producer misorders under concurrency), and the legacy partitioner named explicitly
 * (channel topics have one partition, and naming it silences kafkajs's partitioner warning).
 */
export function createProducer(kafka: KafkaClient, opts: { idempotent?: boolean } = {}): Producer {
  const common = { maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.LegacyPartitioner };
  // A department's events (DESIGN.md section 11) go through kafkajs's idempotent producer (acks
  // all, no duplicates on retry) with its own retry schedule.
  return kafka.producer(opts.idempotent === true ? { ...common, idempotent: true, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } } : common);
}

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(brokers: string[], fn: (admin: Admin) => Promise<T>, options: Partial<KafkaClientOptions> = {}): Promise<T> {
  const admin = createKafka({ ...options, brokers }).admin();
  try {
    await admin.connect();
  } catch (e) {
    throw unavailable(brokers, e);
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** LedgerError UNAVAILABLE for brokers that cannot be reached, with what to do. */
export function unavailable(brokers: string[], cause: unknown): LedgerError {
  const why = (cause as Error)?.message ?? String(cause);
  return new LedgerError(
    'UNAVAILABLE',
    `cannot reach Kafka at ${brokers.join(',')}: ${why} (start a local broker with \`ledger kafka start\`, or set ${KAFKA_BROKERS_ENV} to a running cluster)`,
    { brokers },
    { cause },
  );
}

/**
 * One metadata request with a short deadline and no kafkajs retries: resolves to the number of
 * live brokers the cluster reports, or undefined when the request fails. Used to wait for a
 * starting broker and by `ledger kafka status`.
 */
export async function probeMetadata(brokers: string[], timeoutMs = 2_000, credentials?: KafkaCredentials | null): Promise<number | undefined> {
  const admin = createKafka({ brokers, connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, retries: 0, credentials }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? cluster.brokers.length : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export type RecordTimestampType = 'LogAppendTime' | 'CreateTime' | 'none';

/**
 * The timestamp type of a consumed record's batch, which the cut function needs (records
 * without LogAppendTime are dropped, DESIGN.md section 8). kafkajs does not type it but decodes it
 * from the batch attributes into `batchContext.timestampType` (1 = LogAppendTime, 0 = CreateTime;
 * kafkajs src/protocol/timestampTypes.js); old message sets have no batch context: 'none'.
 */
export function recordTimestampType(message: KafkaMessage): RecordTimestampType {
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  if (context?.timestampType === 1) return 'LogAppendTime';
  if (context?.timestampType === 0) return 'CreateTime';
  return 'none';
}
