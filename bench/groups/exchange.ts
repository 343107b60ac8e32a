/**
 * @module bench/groups/exchange
 * The exchange point on this machine (issue 21): Kafka, three node processes, the tax bureau's
 * exchange point (`ledger exchange --config FILE`, its own process) in front of a 1,000-household
 * table, and the grantee's load generator (bench/exchange-load-process.ts, its own process). The
 * grantee signs reads of households under their consents and grants; each read is: signed request
 * -> authentication on the chain's keys -> grant check on the committed chain -> the source's
 * ExchangeRead published and committed -> data returned.
 *  - exchange_reads_per_s: served reads per second with 64 requests in flight (closed loop);
 *  - exchange_read_p50_ms / p99_ms: request to data, per read, in that run;
 *  - the same at 256 requests in flight (`..._c256`): a read's time is mostly its wait for the
 *    block that commits it, which many reads share, so the rate grows with the reads in flight
 *    until the machine's CPU is the limit (Little's law: rate = in flight / time per read);
 *  - exchange_offered_*: reads offered at 500 per second (the goal's rate) for 20 s (6 s with
 *    --quick), open loop: the served rate (first to last served read) and the latency from each
 *    read's due time, so a saturated path shows as growing latency, not as a lower offered rate;
 *  - exchange_cpu_us_per_read (and `_c256`, `exchange_offered_cpu_us_per_read`): CPU time per
 *    served read of each process on the path (node1..3, exchange_point, broker, load_generator)
 *    and their total, from /proc (bench/process-cpu.ts), and `total_beyond_idle`: the total less
 *    what the run's seconds cost at the idle rate. CPU time per read depends far less than the
 *    rates on what else the machine runs, but the processes also spend a fixed CPU time per second
 *    (exchange_idle_cpu_us_per_s, measured over 3 s without reads: the consumers' fetch polls,
 *    heartbeats), which a run slowed down by other work spreads over fewer reads;
 *    2 cores x 10^6 / total bounds the reads per second this machine can serve.
 *    exchange_nodes_cpu_us_per_read (the three nodes) and exchange_point_cpu_us_per_read are the
 *    64-in-flight run's.
 * LEDGER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=DIR`) applies to the nodes, the exchange point
 * and the load generator alike.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerFiles, readRecord } from '../../kafka/provision.js';
import { CLI_PATH, fetchStatus, startLocalCluster } from '../../stack/local-cluster.js';
import { PROJECT_ROOT } from '../../stack/package-info.js';
import { toHex } from '../../ledger/bytes.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { sha256 } from '../../ledger/hash.js';
import { loadKeyFile, writeNewKeyFile, type SigningKey } from '../../ledger/key-file.js';
import { consentSubjectCommitment, grantSubjectCommitment } from '../../ledger/subject.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import type { ExchangeLoadAnswer, ExchangeLoadConfig, ExchangeLoadOrder } from '../exchange-load-process.js';
import { processCpuMicros } from '../process-cpu.js';
import type { BenchGroup } from '../types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400_000n;
/** The goal's rate (issue 21): reads offered per second in the open-loop run. */
const OFFERED_RATE = 500;
/** The generator runs from dist/ like the nodes (also when this module is loaded from source). */
const LOAD_PROCESS = join(PROJECT_ROOT, 'dist', 'bench', 'exchange-load-process.js');
/** Extra Node options for the processes on a read's path (stack/local-cluster.ts passes them to the nodes). */
const nodeArgs = () => (process.env.LEDGER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** `ledger exchange --config FILE` as a child process, its output in a log file. */
class ExchangeProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<number | null>,
    readonly url: string,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(configFile: string, logFile: string): Promise<ExchangeProcess> {
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...nodeArgs(), CLI_PATH, 'exchange', '--config', configFile], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let code: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const m = /listening on (http:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'));
      if (m) return new ExchangeProcess(child, exited, m[1]!);
      if (code !== undefined || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the exchange point did not start (${code !== undefined ? `exit code ${code}` : 'no "listening on" within 60 s'}): ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      }
      await sleep(100);
    }
  }

  /** SIGTERM (the exchange point closes its server, chain view and outbox, and exits), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The load generator process and its one order in flight. */
class ExchangeLoad {
  private waiting: ((a: ExchangeLoadAnswer) => void) | undefined;
  private readonly exited: Promise<void>;
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (a: ExchangeLoadAnswer) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(a);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.waiting?.({ kind: 'error', message: `the load generator exited with code ${code}` });
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(configFile: string): Promise<ExchangeLoad> {
    const g = new ExchangeLoad(fork(LOAD_PROCESS, [configFile], { execArgv: nodeArgs(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const a = await g.send(undefined);
    if (a.kind !== 'ready') throw new Error(`the load generator did not start: ${a.kind === 'error' ? a.message : a.kind}`);
    return g;
  }

  /** Runs an order and resolves with its measurements. */
  async order(o: ExchangeLoadOrder): Promise<Extract<ExchangeLoadAnswer, { kind: 'done' }>> {
    const a = await this.send(o);
    if (a.kind !== 'done') throw new Error(`the load generator answered ${a.kind}${a.kind === 'error' ? `: ${a.message}` : ''}`);
    return a;
  }

  private send(o: ExchangeLoadOrder | undefined): Promise<ExchangeLoadAnswer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      if (o !== undefined) this.child.send(o);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) this.child.send({ kind: 'close' } satisfies ExchangeLoadOrder);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export const exchangeGroup: BenchGroup = {
  name: 'exchange',
  description: 'the exchange point: signed read request -> grant check -> read event committed -> data returned, reads per second and p99',
  pure: false,
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-exchange-'));
    const cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir: join(dir, 'stack'), brokerDir: join(dir, 'kafka'), batchTimeoutMs: 50n, heartbeatIntervalMs: 1_000n, log });
    const stops: Array<() => Promise<void>> = [];
    try {
      const api = cluster.nodes[0]!.url;
      for (;;) {
        const s = await Promise.all(cluster.nodes.map((n) => fetchStatus(n.url)));
        if (s.every((x) => x?.phase === 'consuming')) break;
        await sleep(200);
      }
      const channel = cluster.genesis.genesis.channel;
      const keys: Record<string, SigningKey> = { 'authority.city': loadKeyFile(cluster.layout.authorityKey) };
      for (const d of ['dept.civil', 'dept.tax']) keys[d] = writeNewKeyFile(join(dir, `${d}.ed25519key`));
      const seq: Record<string, bigint> = {};
      const signed = (dept: string, payload: Partial<EventBody>) => {
        seq[dept] = (seq[dept] ?? 0n) + 1n;
        return encode('SignedEvent', buildSignedEvent({ channel, departmentId: dept, keyVersion: 1, sequence: seq[dept]!, clientTimeMs: 0n, ...payload } as EventBody, keys[dept]!, cluster.genesis.limits).signed);
      };
      const submit = async (events: Uint8Array[]) => {
        for (let i = 0; i < events.length; i++) {
          const last = i === events.length - 1;
          const r = await fetch(`${api}/v1/events${last ? '?wait=commit&timeoutMs=120000' : ''}`, { method: 'POST', body: Buffer.from(events[i]!), headers: { 'content-type': 'application/octet-stream' } });
          if (!r.ok) throw new Error(`setup: HTTP ${r.status}: ${await r.text()}`);
        }
      };
      const rights = (resourceIds: string[]) => ({ certificateTypeIds: [], resourceIds, govern: false, seize: false, audit: false });
      await submit([
        signed('authority.city', { departmentRegistered: { departmentId: 'dept.civil', name: '民政局', publicKey: keys['dept.civil']!.publicKey, rights: rights([]) } }),
        signed('authority.city', { departmentRegistered: { departmentId: 'dept.tax', name: '税务局', publicKey: keys['dept.tax']!.publicKey, rights: rights(['res.tax.income']) } }),
      ]);
      await submit([signed('dept.tax', { resourceRegistered: { resourceId: 'res.tax.income', name: '纳税信息', shareType: 2, fields: ['年收入'], updateCycle: 'monthly' } })]);
      // households: one consent and one subject-bound grant each
      const households = quick ? 200 : 1000;
      const hh = Array.from({ length: households }, (_, i) => ({ id: `33010619900101${String(i).padStart(4, '0')}`, secret: sha256(new TextEncoder().encode(`bench-household-${i}`)) }));
      const civil: Uint8Array[] = [];
      for (let i = 0; i < households; i++) {
        const h = hh[i]!;
        civil.push(signed('dept.civil', { consentRecorded: { consentId: `c-${i}`, subjectCommitment: consentSubjectCommitment(h.id, h.secret, `c-${i}`), documentSha256: sha256(new Uint8Array([i & 255])), purpose: '低保审核', kind: '申请' } }));
        civil.push(signed('dept.civil', { shareRequested: { requestId: `g-${i}`, resourceId: 'res.tax.income', purpose: '家庭经济状况核对', fields: ['年收入'], subject: { subjectCommitment: grantSubjectCommitment(h.id, h.secret, `g-${i}`) } } }));
      }
      await submit(civil);
      const now = BigInt(Date.now());
      await submit(hh.map((_, i) => signed('dept.tax', { shareGranted: { requestId: `g-${i}`, fields: ['年收入'], purpose: '', validFromMs: now - DAY, validUntilMs: now + DAY, maxUses: 0n } })));
      const rows = Object.fromEntries(hh.map((h, i) => [h.id, [{ 年收入: String(30_000 + i) }]]));
      // the exchange point as the department runs it: `ledger exchange --config FILE`, its own process
      const table = join(dir, 'tax-income.json');
      writeFileSync(table, JSON.stringify({ rows }));
      const configFile = join(dir, 'tax-exchange.json');
      writeFileSync(configFile, JSON.stringify({ channel, departmentId: 'dept.tax', keyFile: join(dir, 'dept.tax.ed25519key'), keyVersion: 1, api, brokers: cluster.brokers, outbox: join(dir, 'outbox-tax'), listen: '127.0.0.1:0', tls: 'plain-loopback', tables: { 'res.tax.income': table } }));
      const point = await ExchangeProcess.start(configFile, join(dir, 'exchange.log'));
      stops.push(() => point.stop());
      const loadConfig: ExchangeLoadConfig = {
        url: point.url,
        departmentId: 'dept.civil',
        keyFile: join(dir, 'dept.civil.ed25519key'),
        resourceId: 'res.tax.income',
        fields: ['年收入'],
        purpose: '家庭经济状况核对',
        households: hh.map((h, i) => ({ id: h.id, secret: toHex(h.secret), grantId: `g-${i}`, consentId: `c-${i}` })),
      };
      const loadConfigFile = join(dir, 'load.json');
      writeFileSync(loadConfigFile, JSON.stringify(loadConfig));
      const load = await ExchangeLoad.start(loadConfigFile);
      stops.push(() => load.close());
      await load.order({ kind: 'closed', concurrency: 8, count: 64 }); // warm up: connections, JIT, grant memory

      const brokerPid = readRecord(brokerFiles(join(dir, 'kafka')))?.pid ?? undefined;
      log(`exchange: pids: nodes ${cluster.nodes.map((n) => n.child?.pid).join(', ')}, exchange point ${point.pid}, load generator ${load.pid}, broker ${brokerPid}`);
      /** CPU µs so far of each process on a read's path (undefined: not measurable here). */
      const cpuNow = () => ({
        node1: processCpuMicros(cluster.nodes[0]?.child?.pid),
        node2: processCpuMicros(cluster.nodes[1]?.child?.pid),
        node3: processCpuMicros(cluster.nodes[2]?.child?.pid),
        exchange_point: processCpuMicros(point.pid),
        broker: processCpuMicros(brokerPid),
      });
      /** Runs one order; the served reads' rate and latency, and every process's CPU per served read. */
      const measure = async (order: ExchangeLoadOrder) => {
        const before = cpuNow();
        const monoStart = process.hrtime.bigint() / 1000n;
        const done = await load.order(order);
        const monoEnd = process.hrtime.bigint() / 1000n;
        const after = cpuNow();
        if (done.failures > 0) log(`exchange: ${done.failures} read(s) failed, the first: ${done.firstFailure}`);
        const served = done.latenciesMs.length;
        const perRead = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || served === 0 ? undefined : Math.round((b - a) / served));
        const cpu: Record<string, number> = {};
        for (const k of Object.keys(before) as Array<keyof typeof before>) {
          const v = perRead(before[k], after[k]);
          if (v !== undefined) cpu[k] = v;
        }
        cpu.load_generator = served === 0 ? 0 : Math.round(done.cpuMicros / served);
        cpu.total = Object.values(cpu).reduce((a, b) => a + b, 0);
        // the same less what the run's seconds cost at the idle rate (the part that grows with reads)
        cpu.total_beyond_idle = served === 0 ? 0 : Math.round(cpu.total - (idle.total! * (done.wallMs / 1000)) / served);
        const sorted = [...done.latenciesMs].sort((a, b) => a - b);
        const q = (f: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * f))] ?? NaN);
        log(`exchange: ${JSON.stringify(order)}: ${served} served in ${(done.wallMs / 1000).toFixed(1)} s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${done.maxInFlight} in flight, CPU µs per read ${JSON.stringify(cpu)} (load average ${loadavg()[0]!.toFixed(2)}; monotonic µs ${monoStart}..${monoEnd}, the clock of --cpu-prof samples)`);
        // a closed loop's rate is over its whole run; an open loop's from its first served read to its last
        const perS = order.kind === 'offered' ? (served > 1 && done.servedSpanMs > 0 ? Math.round((served - 1) / (done.servedSpanMs / 1000)) : 0) : Math.round(served / (done.wallMs / 1000));
        return { served, failures: done.failures, perS, p50: q(0.5), p99: q(0.99), cpu, maxInFlight: done.maxInFlight };
      };
      // what the processes spend with no reads at all (the consumers' fetch polls, heartbeats,
      // timers): a fixed cost per second, which a run at a low rate spreads over few reads
      const idleStart = cpuNow();
      const idleT0 = performance.now();
      await sleep(3_000);
      const idleEnd = cpuNow();
      const idleSeconds = (performance.now() - idleT0) / 1000;
      const idle: Record<string, number> = {};
      for (const k of Object.keys(idleStart) as Array<keyof typeof idleStart>) {
        const a = idleStart[k];
        const b = idleEnd[k];
        if (a !== undefined && b !== undefined) idle[k] = Math.round((b - a) / idleSeconds);
      }
      idle.total = Object.values(idle).reduce((a, b) => a + b, 0);
      log(`exchange: idle CPU µs per second ${JSON.stringify(idle)}`);
      const total = quick ? 1_000 : 5_000;
      const loadAtStart = loadavg()[0]!;
      const at64 = await measure({ kind: 'closed', concurrency: 64, count: total });
      const at256 = await measure({ kind: 'closed', concurrency: 256, count: total });
      const at500 = await measure({ kind: 'offered', rate: OFFERED_RATE, seconds: quick ? 6 : 20 });
      const nodes = (c: Record<string, number>) => (c.node1 ?? 0) + (c.node2 ?? 0) + (c.node3 ?? 0);
      return {
        exchange_reads_per_s: at64.perS,
        exchange_read_p50_ms: at64.p50,
        exchange_read_p99_ms: at64.p99,
        exchange_concurrency: 64,
        exchange_nodes_cpu_us_per_read: nodes(at64.cpu),
        exchange_point_cpu_us_per_read: at64.cpu.exchange_point ?? 'unavailable (no /proc)',
        exchange_cpu_us_per_read: at64.cpu,
        exchange_reads_per_s_c256: at256.perS,
        exchange_read_p50_ms_c256: at256.p50,
        exchange_read_p99_ms_c256: at256.p99,
        exchange_cpu_us_per_read_c256: at256.cpu,
        exchange_offered_per_s: OFFERED_RATE,
        exchange_offered_served_per_s: at500.perS,
        exchange_offered_p50_ms: at500.p50,
        exchange_offered_p99_ms: at500.p99,
        exchange_offered_max_in_flight: at500.maxInFlight,
        exchange_offered_cpu_us_per_read: at500.cpu,
        exchange_idle_cpu_us_per_s: idle,
        exchange_failed_reads: at64.failures + at256.failures + at500.failures,
        exchange_load_average_1m: { start: Number(loadAtStart.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) },
      };
    } finally {
      for (const s of stops) await s().catch(() => undefined);
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
