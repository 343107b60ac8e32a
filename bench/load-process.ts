/**
 * @module bench/load-process
 * The e2e bench's load generator, run in a process of its own (issue 19) so that its CPU is
 * neither the nodes' nor the measuring process's, and is reported apart. It is one department's
 * client (producers/department-client.ts: outbox, group commit, batched sends) and takes its orders
 * from the bench over the IPC channel of `child_process.fork`:
 *  - `fill`: store and send `count` events as fast as the client takes them; answers the last offset;
 *  - `offer`: offer events at `rate` per second for `seconds`; each event's submit time is its *due*
 *    time on the schedule (not when the generator got to it), so a late generator shows as latency
 *    rather than hiding it (no coordinated omission); answers every event's submit time and offset;
 *  - `close`: closes the client and exits.
 * Every answer carries the process's CPU time (user + system, µs) spent on that order. Times are
 * epoch milliseconds with fractions (performance.timeOrigin + performance.now()), the same clock
 * as the bench process on this machine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../kafka/client.js';
import { loadKeyFile, SigningKey } from '../ledger/key-file.js';
import { DepartmentClient, type Payload, type Receipt } from '../producers/department-client.js';

export interface LoadProcessConfig {
  brokers: string[];
  channel: string;
  departmentId: string;
  keyFile: string;
  outboxDir: string;
}

export type LoadOrder = { kind: 'fill'; count: number } | { kind: 'offer'; rate: number; seconds: number } | { kind: 'close' };

export type LoadAnswer =
  | { kind: 'ready' }
  | { kind: 'filled'; lastOffset: string; cpuMicros: number; wallMs: number }
  | { kind: 'offered'; submittedAtMs: number[]; offsets: string[]; cpuMicros: number; wallMs: number }
  | { kind: 'error'; message: string };

/** Stop storing while this many events wait for Kafka (bounded memory during a fill). */
const MAX_UNACKNOWLEDGED = 20_000;

const epochMs = (): number => performance.timeOrigin + performance.now();

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as LoadProcessConfig;
  const kafka = createKafka({ brokers: config.brokers, clientId: 'ledger-bench-load' });
  const client = await DepartmentClient.open({ kafka, channel: config.channel, departmentId: config.departmentId, keyVersion: 1, key: loadKeyFile(config.keyFile), stateDir: config.outboxDir });
  const publicKey = SigningKey.generate().publicKey;
  let n = 0;
  // each event registers a new department: valid, included, and cheap to decide
  const next = (): Payload => ({ departmentRegistered: { departmentId: `dept.bench.${n++}`, name: '基准部门', publicKey, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false } } });
  const answer = (a: LoadAnswer) => process.send!(a);

  async function fill(count: number): Promise<LoadAnswer> {
    const cpu = cpuMicros();
    const began = performance.now();
    const receipts: Array<Promise<Receipt>> = [];
    for (let handed = 0; handed < count; ) {
      while (client.unacknowledged >= MAX_UNACKNOWLEDGED) await sleep(5);
      const k = Math.min(1000, count - handed);
      // enqueued together: one outbox batch, then batched sends
      const stored = await Promise.all(Array.from({ length: k }, () => client.enqueue(next())));
      for (const q of stored) receipts.push(q.receipt);
      handed += k;
    }
    const done = await Promise.all(receipts);
    const last = done.reduce((m, r) => (r.offset > m ? r.offset : m), 0n);
    return { kind: 'filled', lastOffset: last.toString(), cpuMicros: cpuMicros() - cpu, wallMs: performance.now() - began };
  }

  async function offer(rate: number, seconds: number): Promise<LoadAnswer> {
    const cpu = cpuMicros();
    const began = performance.now();
    const total = Math.round(rate * seconds);
    const t0 = epochMs();
    const submittedAtMs: number[] = [];
    const stores: Array<Promise<{ receipt: Promise<Receipt> }>> = [];
    while (submittedAtMs.length < total) {
      const now = epochMs();
      // every event due by now, enqueued together (the client stores them in one batch)
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      for (let i = submittedAtMs.length; i < due; i++) {
        submittedAtMs.push(t0 + (i * 1000) / rate);
        stores.push(client.enqueue(next()));
      }
      if (submittedAtMs.length < total) {
        const nextDue = t0 + (submittedAtMs.length * 1000) / rate;
        await sleep(Math.max(0, nextDue - epochMs()));
      }
    }
    const receipts = await Promise.all((await Promise.all(stores)).map((q) => q.receipt));
    return { kind: 'offered', submittedAtMs, offsets: receipts.map((r) => r.offset.toString()), cpuMicros: cpuMicros() - cpu, wallMs: performance.now() - began };
  }

  process.on('message', (order: LoadOrder) => {
    const run = async (): Promise<LoadAnswer | undefined> => {
      switch (order.kind) {
        case 'fill':
          return fill(order.count);
        case 'offer':
          return offer(order.rate, order.seconds);
        case 'close':
          await client.close();
          process.disconnect();
          return undefined;
      }
    };
    run().then(
      (a) => a && answer(a),
      (e: Error) => answer({ kind: 'error', message: e.message }),
    );
  });
  answer({ kind: 'ready' });
}

main().catch((e: Error) => {
  process.stderr.write(`bench load generator: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
