/**
 * @module kafka/provision
 * A real Apache Kafka for local use, provisioned by the project (DESIGN.md section 11): resolve
 * Kafka 3.9.x with Maven from the committed kafka/pom.xml into a cache folder (once; later runs
 * need no network), format KRaft storage, run one combined broker/controller on 127.0.0.1 as a
 * detached process group, wait for a metadata request to succeed, and stop it (SIGTERM to the
 * group, wait, then SIGKILL).
 *
 * Files in a broker folder (`--dir`, default `<project>/.data/kafka`):
 *   server.properties   the broker configuration (rewritten on every start with the chosen ports)
 *   logs/               Kafka's data (`log.dirs`); kept across restarts
 *   broker.log          the broker's log4j output (kafka/log4j.properties)
 *   java.out            the JVM's own stdout/stderr (crashes before log4j is up)
 *   broker.json         pid (null when stopped) and ports of the last start
 *   start.lock          held while a start is in progress
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { requireProgram } from '../stack/prerequisites.js';
import { LedgerError } from '../errors/ledger-error.js';
import { brokersFromEnv, KAFKA_BROKERS_ENV, probeMetadata } from './client.js';
import { newCredentials, readCredentialsFile, writeCredentialsFile, writeSecretFile, type KafkaCredentials } from './credentials.js';
import { ADMIN_USER, adminCredentialsPath, saslServerProperties } from './sasl-broker.js';
import { clusterBootstrap, clusterBrokerDir, readClusterRecord } from './cluster-record.js';

/** Kafka releases we accept: 3.9.x. Never 4.x, which kafkajs 2.2.4 does not support. */
export const KAFKA_VERSION_LINE = '3.9.';
/** The host every provisioned listener binds to: local use only. */
export const BROKER_HOST = '127.0.0.1';
/** Environment variable overriding the cache folder of resolved Kafka jars. */
export const KAFKA_CACHE_ENV = 'LEDGER_KAFKA_CACHE';
/** Readiness allowance on 2 cores (DESIGN.md section 11). */
export const READY_TIMEOUT_MS = 60_000;
/** How long stop waits after SIGTERM before SIGKILL (a clean shutdown takes about 2 s). */
export const STOP_GRACE_MS = 30_000;
/** Lines of the broker log quoted in a start failure. */
export const LOG_TAIL_LINES = 20;
/** What status and start say about a provisioned broker (DESIGN.md section 8). */
export const DEVELOPMENT_MODE = 'single-broker development mode (replication 1): not for production';

/** The project root: the nearest folder above this module holding kafka/pom.xml (works from dist/ too). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'kafka', 'pom.xml')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new LedgerError('INTERNAL', 'cannot find the project root (kafka/pom.xml) above this module');
    dir = parent;
  }
}

export function pomPath(): string {
  return join(projectRoot(), 'kafka', 'pom.xml');
}

export function log4jPath(): string {
  return join(projectRoot(), 'kafka', 'log4j.properties');
}

/** `$LEDGER_KAFKA_CACHE`, else `<project>/.cache/kafka` (git-ignored). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[KAFKA_CACHE_ENV];
  return override ? resolve(override) : join(projectRoot(), '.cache', 'kafka');
}

/** `<project>/.data/kafka` (git-ignored). */
export function defaultBrokerDir(): string {
  return join(projectRoot(), '.data', 'kafka');
}

export interface BrokerFiles {
  dir: string;
  serverProperties: string;
  logDirs: string;
  brokerLog: string;
  javaOut: string;
  record: string;
  startLock: string;
}

export function brokerFiles(dir: string): BrokerFiles {
  const d = resolve(dir);
  return {
    dir: d,
    serverProperties: join(d, 'server.properties'),
    logDirs: join(d, 'logs'),
    brokerLog: join(d, 'broker.log'),
    javaOut: join(d, 'java.out'),
    record: join(d, 'broker.json'),
    startLock: join(d, 'start.lock'),
  };
}

// ---------------------------------------------------------------------------------------------
// Resolving Kafka with Maven

export interface KafkaRuntime {
  /** Folder of jars for `-cp '<libs>/*'`. */
  libsDir: string;
  kafkaVersion: string;
  /** True when this call ran Maven (first use, or kafka/pom.xml changed). */
  resolvedNow: boolean;
}

interface ResolvedMarker {
  pomSha256: string;
  kafkaVersion: string;
}

const RESOLVED_MARKER = '.resolved.json';

/**
 * Kafka's jars in `<cache>/libs`, resolved by Maven from kafka/pom.xml when the cache is empty or
 * was filled from a different pom. The folder is filled under a temporary name and renamed, so an
 * interrupted or concurrent resolution never leaves a half-filled cache that looks complete.
 * @param options.mavenArgs extra Maven arguments (tests use `-o` with an empty local repository)
 * @throws LedgerError MISSING_PREREQUISITE without mvn; UNAVAILABLE when Maven cannot resolve;
 *   CONFLICT when the pom resolves a Kafka outside 3.9.x
 */
export async function resolveKafka(options: { cacheDir?: string; mavenArgs?: string[] } = {}): Promise<KafkaRuntime> {
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const libsDir = join(cacheDir, 'libs');
  const pom = pomPath();
  const pomSha256 = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const cached = readMarker(libsDir);
  if (cached?.pomSha256 === pomSha256) return { libsDir, kafkaVersion: cached.kafkaVersion, resolvedNow: false };

  const mvn = requireProgram('mvn');
  mkdirSync(cacheDir, { recursive: true });
  const partial = join(cacheDir, `libs.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const args = ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`, ...(options.mavenArgs ?? [])];
    const r = await run(mvn, args, { timeoutMs: 15 * 60_000 });
    if (r.status !== 0) {
      throw new LedgerError(
        'UNAVAILABLE',
        `Maven could not resolve Kafka from kafka/pom.xml (mvn exited ${r.status ?? r.signal}). ` +
          `Check network access to Maven Central, or configure a mirror in ~/.m2/settings.xml; once resolved, ` +
          `${cacheDir} is used without network. Maven said:\n${lastLines(r.output, LOG_TAIL_LINES)}`,
        { cacheDir, status: r.status },
      );
    }
    const kafkaVersion = kafkaVersionIn(partial);
    writeFileSync(join(partial, RESOLVED_MARKER), `${JSON.stringify({ pomSha256, kafkaVersion } satisfies ResolvedMarker)}\n`);
    rmSync(libsDir, { recursive: true, force: true });
    try {
      renameSync(partial, libsDir);
    } catch (e) {
      // another process finished first: use its folder if it is complete
      if (readMarker(libsDir)?.pomSha256 !== pomSha256) throw e;
    }
    return { libsDir, kafkaVersion, resolvedNow: true };
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

function readMarker(libsDir: string): ResolvedMarker | undefined {
  try {
    const m = JSON.parse(readFileSync(join(libsDir, RESOLVED_MARKER), 'utf8')) as ResolvedMarker;
    return typeof m.pomSha256 === 'string' && typeof m.kafkaVersion === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The version of the kafka_2.13 jar in a libs folder; refuses anything but 3.9.x. */
function kafkaVersionIn(libsDir: string): string {
  const jar = readdirSync(libsDir).map((f) => /^kafka_2\.13-(\d+\.\d+\.\d+)\.jar$/.exec(f)).find((m) => m !== null);
  if (!jar) throw new LedgerError('INTERNAL', `Maven resolved no kafka_2.13 jar into ${libsDir}; is kafka/pom.xml intact?`);
  const version = jar[1]!;
  if (!version.startsWith(KAFKA_VERSION_LINE)) {
    throw new LedgerError('CONFLICT', `kafka/pom.xml resolves Kafka ${version}; only ${KAFKA_VERSION_LINE}x works (kafkajs 2.2.4 does not support Kafka 4)`, { version });
  }
  return version;
}

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * The broker configuration of DESIGN.md section 11: one combined broker/controller (KRaft, static
 * quorum of one voter) on 127.0.0.1, internal topics with replication 1 (else consumer groups
 * fail with "group coordinator not available"), no automatic topic creation.
 */
export function renderServerProperties(p: { port: number; controllerPort: number; logDirs: string; admin?: KafkaCredentials }): string {
  const lines = [
    '# Written by `ledger kafka start` on every start (DESIGN.md section 11); edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${BROKER_HOST}:${p.controllerPort}`,
    `listeners=PLAINTEXT://${BROKER_HOST}:${p.port},CONTROLLER://${BROKER_HOST}:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${BROKER_HOST}:${p.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    // properties files treat backslashes as escapes; our paths are POSIX
    `log.dirs=${p.logDirs}`,
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.io.threads=2',
    'num.network.threads=2',
    '',
  ];
  // issue 22: with SASL, the listener lines are replaced and the authorizer added (kafka/sasl-broker.ts)
  return p.admin ? saslServerProperties(lines, { ...p, admin: p.admin, host: BROKER_HOST }).join('\n') : lines.join('\n');
}

/** Accepts a TCP port number given as text or number. @throws LedgerError BAD_ARGUMENT */
export function parsePort(value: string | number, what = 'port'): number {
  const n = typeof value === 'number' ? value : /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new LedgerError('BAD_ARGUMENT', `${what} must be an integer in 1..65535, got "${value}"`, { what, value });
  return n;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** Whether 127.0.0.1:port can be bound now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: BROKER_HOST, exclusive: true }, () => server.close(() => done(true)));
  });
}

/** Where to look for listening ports: below the kernel's ephemeral range, which outgoing connections use. */
const LISTEN_PORT_RANGE: readonly [number, number] = [20_000, 32_767];

/** The first port of the kernel's ephemeral range (Linux), or undefined when it cannot be read. */
function ephemeralRangeStart(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `count` distinct ports free on 127.0.0.1 now. Chosen below the ephemeral range when it starts
 * above LISTEN_PORT_RANGE: a port the kernel hands out for a listener (port 0) is also one it may
 * give an outgoing connection (a Kafka client's, a fetch's) before our process binds it, and a node
 * then fails with "port in use" (seen in CI). Elsewhere, the kernel's own choice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ephemeral = ephemeralRangeStart();
  if (ephemeral !== undefined && ephemeral > LISTEN_PORT_RANGE[1]) {
    const [low, high] = LISTEN_PORT_RANGE;
    const ports: number[] = [];
    for (let tries = 0; ports.length < count && tries < 200 * count; tries++) {
      const p = low + Math.floor(Math.random() * (high - low + 1));
      if (!ports.includes(p) && (await portIsFree(p))) ports.push(p);
    }
    if (ports.length === count) return ports;
  }
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import('node:net').Server>((done, fail) => {
      const s = createServer();
      s.once('error', fail);
      s.listen({ port: 0, host: BROKER_HOST, exclusive: true }, () => done(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

async function requireFreePort(port: number, what: string, option: string): Promise<void> {
  if (!(await portIsFree(port))) {
    throw new LedgerError(
      'CONFLICT',
      `${what} port ${port} on ${BROKER_HOST} is already taken by another program: choose another with ${option}, or stop the program that listens there`,
      { port, host: BROKER_HOST },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The broker record and the process table

export interface BrokerRecord {
  pid: number | null;
  port: number;
  controllerPort: number;
  kafkaVersion: string;
  startedAt: string | null;
}

export function readRecord(files: BrokerFiles): BrokerRecord | undefined {
  try {
    return JSON.parse(readFileSync(files.record, 'utf8')) as BrokerRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(files: BrokerFiles, record: BrokerRecord): void {
  const tmp = `${files.record}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, files.record);
}

/**
 * Whether `pid` is a live (not zombie) Kafka broker running this folder's server.properties; the
 * check by command line keeps stop from signalling an unrelated process that reused the pid.
 */
export function isBrokerProcess(pid: number, serverProperties: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (!existsSync('/proc/self/stat')) return true; // no /proc: trust the signal probe
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(serverProperties);
  } catch {
    return false; // vanished between the probes
  }
}

/**
 * Pids of live Kafka brokers whose command line names a file under `dir` (scans /proc): what tests
 * use to prove that no broker was left behind.
 */
export function brokerProcessesIn(dir: string): number[] {
  const prefix = `${resolve(dir)}/`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
      if (!zombie && args.includes('kafka.Kafka') && args.some((a) => a.startsWith(prefix))) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/**
 * SIGKILL to the broker's whole process group, synchronously: the safety net for
 * `process.on('exit')`, where nothing asynchronous runs. Signals only a verified broker.
 */
export function killBrokerSync(dir: string): void {
  const files = brokerFiles(dir);
  const pid = readRecord(files)?.pid;
  if (pid && isBrokerProcess(pid, files.serverProperties)) signalGroup(pid, 'SIGKILL');
}

/**
 * SIGKILL to every Kafka broker whose command line names a file under `root`, synchronously: the
 * test harness's net for brokers that tests started in its scratch folder and could not stop
 * (a worker killed mid-test never runs its afterAll).
 */
export function killBrokersUnderSync(root: string): number[] {
  const pids = brokerProcessesIn(root);
  for (const pid of pids) signalGroup(pid, 'SIGKILL');
  return pids;
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // the broker leads its own process group (spawned detached), so -pid reaches all of it
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Start, stop, status

export interface StartOptions {
  /** Broker folder (default `<project>/.data/kafka`). */
  dir?: string;
  /** Cache of resolved jars (default `$LEDGER_KAFKA_CACHE` or `<project>/.cache/kafka`). */
  cacheDir?: string;
  /** Client listener port; default the last one used in this folder if free, else a free one. */
  port?: number;
  /** KRaft controller listener port; defaults like `port`. */
  controllerPort?: number;
  /** Readiness deadline (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * SASL/SCRAM and ACLs (issue 22, kafka/sasl-broker.ts): a folder's first start creates the admin
   * principal `ledger-admin` (credentials/ledger-admin.json, 0600); every client then needs
   * credentials. A folder keeps the mode it was formatted with.
   */
  sasl?: boolean;
}

export interface BrokerInfo {
  dir: string;
  pid: number;
  port: number;
  controllerPort: number;
  brokers: string[];
  kafkaVersion: string;
  clusterId: string | undefined;
  logFile: string;
  /** True when a broker was already running in this folder and was reused. */
  reused: boolean;
  /** True when this start ran Maven to fill the cache. */
  resolvedNow: boolean;
  /** Wall time of this call in milliseconds. */
  elapsedMs: number;
  mode: string;
  /** The admin principal's credentials file when the broker runs with SASL (issue 22). */
  adminCredentials?: string;
}

/**
 * Starts the folder's broker, or reuses it when it is already running, and waits until a
 * metadata request succeeds.
 * @throws LedgerError MISSING_PREREQUISITE (java, or mvn on first use), UNAVAILABLE (Maven cannot
 *   resolve; the broker exits while starting), CONFLICT (a port is taken; another start runs),
 *   TIMEOUT (not ready in time, with the log's last lines), BAD_ARGUMENT (bad ports)
 */
export async function startBroker(options: StartOptions = {}): Promise<BrokerInfo> {
  const began = Date.now();
  const files = brokerFiles(options.dir ?? defaultBrokerDir());
  const port = options.port === undefined ? undefined : parsePort(options.port, 'the broker port');
  const controllerPort = options.controllerPort === undefined ? undefined : parsePort(options.controllerPort, 'the controller port');
  if (port !== undefined && port === controllerPort) throw new LedgerError('BAD_ARGUMENT', `the broker and controller ports must differ (both ${port})`);
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  mkdirSync(files.dir, { recursive: true });

  const admin = folderAdminCredentials(files, options.sasl === true);
  const adminCredentials = admin ? { adminCredentials: adminCredentialsPath(files.dir) } : {};
  const existing = readRecord(files);
  if (existing?.pid && isBrokerProcess(existing.pid, files.serverProperties)) {
    if ((port !== undefined && port !== existing.port) || (controllerPort !== undefined && controllerPort !== existing.controllerPort)) {
      throw new LedgerError('CONFLICT', `a broker is already running in ${files.dir} on port ${existing.port}; stop it first (\`ledger kafka stop --dir ${files.dir}\`) to change ports`, { pid: existing.pid });
    }
    const pid = existing.pid;
    const brokers = [`${BROKER_HOST}:${existing.port}`];
    await waitUntilReady(brokers, files, () => isBrokerProcess(pid, files.serverProperties), readyTimeoutMs, pid,
      `it is still running (pid ${pid}): stop it with \`ledger kafka stop --dir ${files.dir}\` and start again`, admin);
    return {
      dir: files.dir, pid, port: existing.port, controllerPort: existing.controllerPort, brokers, kafkaVersion: existing.kafkaVersion,
      clusterId: readClusterId(files), logFile: files.brokerLog, reused: true, resolvedNow: false, elapsedMs: Date.now() - began, mode: DEVELOPMENT_MODE,
      ...adminCredentials,
    };
  }

  const java = requireProgram('java');
  const releaseLock = acquireStartLock(files);
  try {
    const ports = await choosePorts(port, controllerPort, existing);
    const runtime = await resolveKafka({ cacheDir: options.cacheDir });
    // with SASL the file holds the admin password: 0600 (issue 22)
    writeSecretFile(files.serverProperties, renderServerProperties({ ...ports, logDirs: files.logDirs, ...(admin ? { admin } : {}) }));
    const clusterId = await formatStorage(java, runtime, files, admin);

    const out = openSync(files.javaOut, 'a');
    let pid: number;
    let exited = false;
    try {
      const child = spawn(java, brokerJavaArgs(runtime, files, 'kafka.Kafka', [files.serverProperties], ['-Xmx512m']), {
        cwd: files.dir,
        detached: true, // its own process group, so that stop can signal the whole group
        stdio: ['ignore', out, out], // never a pipe: a CLI run through spawnSync would wait for it
      });
      if (child.pid === undefined) throw new LedgerError('UNAVAILABLE', `cannot start ${java}`);
      pid = child.pid;
      child.once('exit', () => (exited = true));
      child.unref();
    } finally {
      closeSync(out);
    }
    writeRecord(files, { pid, ...ports, kafkaVersion: runtime.kafkaVersion, startedAt: new Date().toISOString() });

    const brokers = [`${BROKER_HOST}:${ports.port}`];
    try {
      await waitUntilReady(brokers, files, () => !exited && isBrokerProcess(pid, files.serverProperties), readyTimeoutMs, pid, 'it was stopped', admin);
    } catch (e) {
      await stopProcessGroup(pid, files, STOP_GRACE_MS);
      writeRecord(files, { pid: null, ...ports, kafkaVersion: runtime.kafkaVersion, startedAt: null });
      throw e;
    }
    return {
      dir: files.dir, pid, ...ports, brokers, kafkaVersion: runtime.kafkaVersion, clusterId, logFile: files.brokerLog,
      reused: false, resolvedNow: runtime.resolvedNow, elapsedMs: Date.now() - began, mode: DEVELOPMENT_MODE, ...adminCredentials,
    };
  } finally {
    releaseLock();
  }
}

export interface StopResult {
  dir: string;
  wasRunning: boolean;
  pid: number | null;
  /** True when the broker ignored SIGTERM for the grace period and got SIGKILL. */
  forced: boolean;
  elapsedMs: number;
}

/** Stops the folder's broker: SIGTERM to its process group, wait, then SIGKILL. Data is kept. */
export async function stopBroker(options: { dir?: string; graceMs?: number } = {}): Promise<StopResult> {
  const began = Date.now();
  const files = brokerFiles(options.dir ?? defaultBrokerDir());
  const record = readRecord(files);
  const pid = record?.pid ?? null;
  if (!record || pid === null || !isBrokerProcess(pid, files.serverProperties)) {
    if (record && pid !== null) writeRecord(files, { ...record, pid: null, startedAt: null });
    return { dir: files.dir, wasRunning: false, pid: null, forced: false, elapsedMs: Date.now() - began };
  }
  const forced = await stopProcessGroup(pid, files, options.graceMs ?? STOP_GRACE_MS);
  writeRecord(files, { ...record, pid: null, startedAt: null });
  return { dir: files.dir, wasRunning: true, pid, forced, elapsedMs: Date.now() - began };
}

/** Returns true when SIGKILL was needed. */
export async function stopProcessGroup(pid: number, files: BrokerFiles, graceMs: number): Promise<boolean> {
  const alive = () => isBrokerProcess(pid, files.serverProperties);
  signalGroup(pid, 'SIGTERM');
  if (await waitWhile(alive, graceMs)) return false;
  signalGroup(pid, 'SIGKILL');
  if (await waitWhile(alive, 10_000)) return true;
  throw new LedgerError('TIMEOUT', `the broker (pid ${pid}) in ${files.dir} survived SIGKILL for 10 s`, { pid });
}

/** Polls until `condition` is false; true if it became false within `ms`. */
async function waitWhile(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

export interface BrokerStatus {
  dir: string;
  running: boolean;
  /** A metadata request succeeded just now. */
  ready: boolean;
  pid: number | null;
  port: number | null;
  controllerPort: number | null;
  brokers: string[];
  kafkaVersion: string | null;
  clusterId: string | null;
  startedAt: string | null;
  logFile: string;
  mode: string;
}

export async function brokerStatus(options: { dir?: string } = {}): Promise<BrokerStatus> {
  const files = brokerFiles(options.dir ?? defaultBrokerDir());
  const record = readRecord(files);
  const running = !!record?.pid && isBrokerProcess(record.pid, files.serverProperties);
  const brokers = running && record ? [`${BROKER_HOST}:${record.port}`] : [];
  const admin = existsSync(adminCredentialsPath(files.dir)) ? readCredentialsFile(adminCredentialsPath(files.dir)) : null;
  const ready = running && (await probeMetadata(brokers, 2_000, admin)) !== undefined;
  return {
    dir: files.dir,
    running,
    ready,
    pid: running ? record!.pid : null,
    port: record?.port ?? null,
    controllerPort: record?.controllerPort ?? null,
    brokers,
    kafkaVersion: record?.kafkaVersion ?? null,
    clusterId: readClusterId(files) ?? null,
    startedAt: running ? record!.startedAt : null,
    logFile: files.brokerLog,
    mode: DEVELOPMENT_MODE,
  };
}

export interface BrokerTarget {
  brokers: string[];
  /** 'external' for KAFKA_BROKERS, 'local' for a broker this project started, 'cluster' for its multi-broker cluster. */
  kind: 'external' | 'local' | 'cluster';
  description: string;
}

/**
 * The brokers every command uses: KAFKA_BROKERS when set, else the broker running in `dir`.
 * @throws LedgerError UNAVAILABLE when neither is there, saying how to get one
 */
export function resolveBrokers(options: { dir?: string; env?: NodeJS.ProcessEnv } = {}): BrokerTarget {
  const external = brokersFromEnv(options.env);
  if (external) return { brokers: external, kind: 'external', description: `${KAFKA_BROKERS_ENV}=${external.join(',')}` };
  const files = brokerFiles(options.dir ?? defaultBrokerDir());
  const record = readRecord(files);
  if (record?.pid && isBrokerProcess(record.pid, files.serverProperties)) {
    return { brokers: [`${BROKER_HOST}:${record.port}`], kind: 'local', description: `the local broker in ${files.dir}` };
  }
  // a multi-broker cluster of `ledger kafka start --brokers N` (kafka/cluster.ts) in that folder
  const cluster = readClusterRecord(files.dir);
  const running = cluster?.brokers.filter((b) => {
    const f = brokerFiles(clusterBrokerDir(files.dir, b.id));
    const pid = readRecord(f)?.pid;
    return pid && isBrokerProcess(pid, f.serverProperties);
  });
  if (cluster && running && running.length > 0) {
    return { brokers: clusterBootstrap(cluster), kind: 'cluster', description: `the local ${cluster.brokers.length}-broker cluster in ${files.dir}` };
  }
  throw new LedgerError(
    'UNAVAILABLE',
    `no Kafka: no broker is running in ${files.dir} and ${KAFKA_BROKERS_ENV} is not set (start one with \`ledger kafka start\`, or set ${KAFKA_BROKERS_ENV}=host:port,...)`,
    { dir: files.dir },
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function choosePorts(port: number | undefined, controllerPort: number | undefined, previous: BrokerRecord | undefined): Promise<{ port: number; controllerPort: number }> {
  // configured ports must be free: say so rather than pick others
  if (port !== undefined) await requireFreePort(port, 'the broker', '--port');
  if (controllerPort !== undefined) await requireFreePort(controllerPort, 'the controller', '--controller-port');
  const taken = new Set([port, controllerPort].filter((p): p is number => p !== undefined));
  const pick = async (wanted: number | undefined, last: number | undefined): Promise<number> => {
    if (wanted !== undefined) return wanted;
    // keep the folder's last ports when possible, so clients configured with them keep working
    if (last !== undefined && !taken.has(last) && (await portIsFree(last))) return last;
    for (;;) {
      const [p] = await freePorts(1);
      if (!taken.has(p!)) return p!;
    }
  };
  const chosenPort = await pick(port, previous?.port);
  taken.add(chosenPort);
  const chosenController = await pick(controllerPort, previous?.controllerPort);
  return { port: chosenPort, controllerPort: chosenController };
}

export function brokerJavaArgs(runtime: KafkaRuntime, files: BrokerFiles, mainClass: string, args: string[], jvm: string[] = []): string[] {
  return [...jvm, `-Dlog4j.configuration=file:${log4jPath()}`, `-Dkafka.logs.dir=${files.dir}`, '-cp', join(runtime.libsDir, '*'), mainClass, ...args];
}

/** Formats KRaft storage once (DESIGN.md section 11); an already formatted folder keeps its data. */
async function formatStorage(java: string, runtime: KafkaRuntime, files: BrokerFiles, admin: KafkaCredentials | undefined): Promise<string> {
  const known = readClusterId(files);
  if (known !== undefined) return known;
  const clusterId = await newClusterId(java, runtime, files);
  // KRaft keeps SCRAM credentials in the metadata log: the admin's must exist from the first
  // start, since the broker authenticates to itself with them (KIP-900 `--add-scram`)
  const scram = admin ? ['--add-scram', `SCRAM-SHA-256=[name=${admin.username},password=${admin.password}]`] : [];
  await formatWithClusterId(java, runtime, files, clusterId, scram);
  return clusterId;
}

/**
 * The folder's admin credentials when it runs with SASL: read from credentials/ledger-admin.json,
 * or created when `wantSasl` and the folder is not formatted yet.
 * @throws LedgerError CONFLICT when SASL is asked of a folder formatted without it
 */
function folderAdminCredentials(files: BrokerFiles, wantSasl: boolean): KafkaCredentials | undefined {
  const path = adminCredentialsPath(files.dir);
  if (existsSync(path)) return readCredentialsFile(path);
  if (!wantSasl) return undefined;
  if (readClusterId(files) !== undefined) {
    throw new LedgerError('CONFLICT', `the broker folder ${files.dir} was formatted without SASL; use a fresh folder (--dir) for a broker with credentials`, { dir: files.dir });
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const created = newCredentials(ADMIN_USER);
  writeCredentialsFile(path, created);
  return created;
}

/** A fresh KRaft cluster id from `kafka.tools.StorageTool random-uuid`. */
export async function newClusterId(java: string, runtime: KafkaRuntime, files: BrokerFiles): Promise<string> {
  const uuid = await run(java, brokerJavaArgs(runtime, files, 'kafka.tools.StorageTool', ['random-uuid']), { timeoutMs: 120_000 });
  const clusterId = uuid.output.trim().split('\n').pop()?.trim() ?? '';
  if (uuid.status !== 0 || !/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
    throw new LedgerError('UNAVAILABLE', `kafka.tools.StorageTool random-uuid failed (exit ${uuid.status ?? uuid.signal}):\n${lastLines(uuid.output, LOG_TAIL_LINES)}`);
  }
  return clusterId;
}

/** `StorageTool format -t <id> -c server.properties` (a static quorum: no --standalone). */
export async function formatWithClusterId(java: string, runtime: KafkaRuntime, files: BrokerFiles, clusterId: string, extraArgs: string[] = []): Promise<void> {
  const format = await run(java, brokerJavaArgs(runtime, files, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', files.serverProperties, ...extraArgs]), { timeoutMs: 120_000 });
  if (format.status !== 0) {
    throw new LedgerError('UNAVAILABLE', `formatting KRaft storage in ${files.logDirs} failed (exit ${format.status ?? format.signal}):\n${lastLines(format.output, LOG_TAIL_LINES)}`);
  }
}

export function readClusterId(files: BrokerFiles): string | undefined {
  try {
    const m = /^cluster\.id=(.+)$/m.exec(readFileSync(join(files.logDirs, 'meta.properties'), 'utf8'));
    return m?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Polls with metadata requests until one succeeds.
 * @param onTimeout what the caller does with a broker that timed out, for the message
 */
async function waitUntilReady(brokers: string[], files: BrokerFiles, alive: () => boolean, timeoutMs: number, pid: number, onTimeout: string, admin?: KafkaCredentials): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) {
      const tail = logTail(files);
      // a port taken between our check and the broker's bind
      if (/Address already in use/i.test(tail)) {
        throw new LedgerError('CONFLICT', `a port of the broker at ${brokers.join(',')} was taken by another program while it started; start again (free ports are chosen anew unless --port is given). Last lines of its logs:\n${tail}`, { pid, log: files.brokerLog });
      }
      throw new LedgerError('UNAVAILABLE', `the broker (pid ${pid}) exited while starting; last lines of its logs:\n${tail}`, { pid, log: files.brokerLog });
    }
    const remaining = deadline - Date.now();
    if (remaining > 0 && (await probeMetadata(brokers, Math.min(2_000, Math.max(remaining, 200)), admin ?? null)) !== undefined) return;
    if (Date.now() >= deadline) {
      throw new LedgerError(
        'TIMEOUT',
        `the broker at ${brokers.join(',')} did not answer a metadata request within ${timeoutMs / 1000} s; ${onTimeout}. Last lines of ${files.brokerLog}:\n${logTail(files)}`,
        { pid, log: files.brokerLog, timeoutMs },
      );
    }
    await sleep(200);
  }
}

/** The last lines of the broker log, plus the JVM's own output when it said anything. */
export function logTail(files: BrokerFiles): string {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const log = lastLines(read(files.brokerLog), LOG_TAIL_LINES) || '(the broker log is empty)';
  const jvm = lastLines(read(files.javaOut), 10);
  return jvm ? `${log}\n--- ${files.javaOut}:\n${jvm}` : log;
}

export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  return lines.slice(-n).join('\n');
}

/** A lock file naming the starting process; a lock left by a dead process is taken over. */
export function acquireStartLock(files: BrokerFiles): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(files.startLock, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(files.startLock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(files.startLock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processExists(holder)) {
        throw new LedgerError('CONFLICT', `another \`ledger kafka start\` (pid ${holder}) is starting a broker in ${files.dir}; wait for it, then try again`, { pid: holder });
      }
      unlinkSync(files.startLock);
    }
  }
  throw new LedgerError('CONFLICT', `cannot take the start lock ${files.startLock}`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a program to completion, collecting stdout and stderr together. */
export function run(command: string, args: string[], options: { timeoutMs: number } & SpawnOptions): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(new LedgerError('UNAVAILABLE', `cannot run ${command}: ${e.message}`, { command }, { cause: e }));
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, output });
    });
  });
}

/**
 * Runs Kafka tool classes (ConfigCommand, ...) with the folder's jars and logging, for
 * kafka/sasl-broker.ts. @throws LedgerError MISSING_PREREQUISITE without java
 */
export async function kafkaToolRunner(options: { dir?: string; cacheDir?: string } = {}): Promise<(mainClass: string, args: string[]) => Promise<RunResult>> {
  const java = requireProgram('java');
  const runtime = await resolveKafka({ cacheDir: options.cacheDir });
  const files = brokerFiles(options.dir ?? defaultBrokerDir());
  return (mainClass, args) => run(java, brokerJavaArgs(runtime, files, mainClass, args), { timeoutMs: 120_000 });
}
