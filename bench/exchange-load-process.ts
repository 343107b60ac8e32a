/**
 * @module bench/exchange-load-process
 * The exchange bench's load generator (issue 21), in a process of its own so that its CPU (request
 * signing, HTTP client, checking the served digest) is neither the exchange point's nor the nodes',
 * and is reported apart. It is the grantee (民政局): each read is `requestRead` of
 * exchange/exchange-client.ts, as a department would call it, for the households round-robin. It
 * takes its orders from the bench over the IPC channel of `child_process.fork`:
 *  - `closed`: `count` reads with `concurrency` in flight (a new read when one returns);
 *  - `offered`: reads at `rate` per second for `seconds` (open loop); a read's latency runs from
 *    its *due* time on the schedule, not from when the generator got to it, so a late generator or
 *    a saturated exchange point shows as latency (no coordinated omission);
 *  - `close`: exits.
 * Every answer carries each served read's latency (ms), the failures, and the process's CPU time
 * (user + system, µs) spent on that order.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestRead, type ExchangeCaller } from '../exchange/exchange-client.js';
import { loadKeyFile } from '../ledger/key-file.js';

export interface ExchangeLoadConfig {
  url: string;
  departmentId: string;
  keyFile: string;
  resourceId: string;
  fields: string[];
  purpose: string;
  /** The data subjects read, round-robin: each with its grant and consent. */
  households: Array<{ id: string; secret: string; grantId: string; consentId: string }>;
}

export type ExchangeLoadOrder = { kind: 'closed'; concurrency: number; count: number } | { kind: 'offered'; rate: number; seconds: number } | { kind: 'close' };

export type ExchangeLoadAnswer =
  | { kind: 'ready' }
  | {
      kind: 'done';
      latenciesMs: number[];
      failures: number;
      firstFailure: string | null;
      cpuMicros: number;
      wallMs: number;
      /** From the first served read's return to the last's: the served rate of an open loop is (served - 1) / this. */
      servedSpanMs: number;
      maxInFlight: number;
    }
  | { kind: 'error'; message: string };

const epochMs = (): number => performance.timeOrigin + performance.now();

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ExchangeLoadConfig;
  const caller: ExchangeCaller = { departmentId: config.departmentId, keyVersion: 1, key: loadKeyFile(config.keyFile) };
  let next = 0;
  const read = () => {
    const h = config.households[next++ % config.households.length]!;
    return requestRead(config.url, caller, { resourceId: config.resourceId, grantId: h.grantId, consentId: h.consentId, fields: config.fields, purpose: config.purpose, subject: { id: h.id, secret: h.secret } });
  };

  /** What an order measured, shared by both kinds. */
  const run = async (body: (one: (dueMs: number) => Promise<void>, inFlight: () => number) => Promise<void>): Promise<ExchangeLoadAnswer> => {
    const cpu = cpuMicros();
    const began = performance.now();
    const latenciesMs: number[] = [];
    let failures = 0;
    let firstFailure: string | null = null;
    let inFlight = 0;
    let maxInFlight = 0;
    let firstDone = Infinity;
    let lastDone = -Infinity;
    const one = async (dueMs: number) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await read();
        const now = epochMs();
        latenciesMs.push(now - dueMs);
        firstDone = Math.min(firstDone, now);
        lastDone = Math.max(lastDone, now);
      } catch (e) {
        failures++;
        firstFailure ??= (e as Error).message;
      } finally {
        inFlight--;
      }
    };
    await body(one, () => inFlight);
    return { kind: 'done', latenciesMs, failures, firstFailure, cpuMicros: cpuMicros() - cpu, wallMs: performance.now() - began, servedSpanMs: Math.max(0, lastDone - firstDone), maxInFlight };
  };

  const closed = (concurrency: number, count: number) =>
    run(async (one) => {
      let started = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (started < count) {
            started++;
            await one(epochMs());
          }
        }),
      );
    });

  const offered = (rate: number, seconds: number) =>
    run(async (one) => {
      const total = Math.round(rate * seconds);
      const t0 = epochMs();
      const reads: Array<Promise<void>> = [];
      while (reads.length < total) {
        // every read due by now is started (a late generator starts them together)
        const due = Math.min(total, Math.floor(((epochMs() - t0) * rate) / 1000) + 1);
        while (reads.length < due) reads.push(one(t0 + (reads.length * 1000) / rate));
        if (reads.length < total) await sleep(Math.max(0, t0 + (reads.length * 1000) / rate - epochMs()));
      }
      await Promise.all(reads);
    });

  const answer = (a: ExchangeLoadAnswer) => process.send!(a);
  process.on('message', (order: ExchangeLoadOrder) => {
    const work = async (): Promise<ExchangeLoadAnswer | undefined> => {
      switch (order.kind) {
        case 'closed':
          return closed(order.concurrency, order.count);
        case 'offered':
          return offered(order.rate, order.seconds);
        case 'close':
          process.disconnect();
          process.exit(0);
      }
    };
    work().then(
      (a) => a && answer(a),
      (e: unknown) => answer({ kind: 'error', message: (e as Error).message }),
    );
  });
  answer({ kind: 'ready' });
}

main().catch((e: unknown) => {
  process.stderr.write(`exchange load generator: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
