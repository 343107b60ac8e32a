/**
 * @module producers/load
 * A load generator for one department: publishes access records (the high-volume family of
 * DESIGN.md section 5) until the department's outbox has handed out a given sequence number, as
 * fast as it can or at a given rate, with back-pressure on unacknowledged events. A restarted run
 * continues where the outbox stopped (it re-sends what was not acknowledged first), so a load can be
 * killed and resumed. Used by `ledger event load`, the crash tests and the `producer` bench group.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { commitment } from '../ledger/commitment.js';
import type { DepartmentClient, Payload, Queued } from './department-client.js';

export interface LoadOptions {
  /** Publish until the department's sequence number `until` has been handed out. */
  until: bigint;
  /** Events per second (default: as fast as possible). */
  rate?: number;
  /** Events handed to the client at once (default 500). */
  chunk?: number;
  /** Stop storing while this many events wait for Kafka (default 20,000). */
  maxUnacknowledged?: number;
  /** Called about every `progressEveryMs` (default 250 ms) and once at the end. */
  onProgress?: (p: LoadProgress) => void;
  progressEveryMs?: number;
  /** How long the final flush may wait for Kafka (default 60 s). */
  flushTimeoutMs?: number;
}

export interface LoadProgress {
  /** Sequence numbers handed out so far (the outbox's next sequence minus one). */
  stored: bigint;
  /** Acknowledged by Kafka through this sequence number. */
  acknowledgedThrough: bigint;
  /** Events stored by this run. */
  publishedThisRun: number;
}

/** A fixed salt for generated subjects: load events are synthetic, never personal data. */
const LOAD_SALT = new Uint8Array(32).fill(0x5a);

/** The n-th generated access record of a department. */
export function loadPayload(departmentId: string, n: bigint): Payload {
  return {
    accessRecorded: {
      resourceId: 'res.load',
      grantId: 'grant.load',
      fields: ['收入', 'income'],
      purpose: '负载测试 load test',
      subjectCommitment: commitment(`${departmentId}-subject-${n}`, LOAD_SALT),
      recordCount: 1n,
    },
  };
}

/**
 * Publishes until sequence `until` is handed out, then waits until everything is acknowledged.
 * @throws LedgerError UNAVAILABLE when Kafka does not acknowledge within the flush timeout
 */
export async function publishLoad(client: DepartmentClient, options: LoadOptions): Promise<LoadProgress & { elapsedMs: number }> {
  const chunk = options.chunk ?? 500;
  const maxUnacknowledged = options.maxUnacknowledged ?? 20_000;
  const progressEveryMs = options.progressEveryMs ?? 250;
  const began = performance.now();
  const firstNext = client.outbox.nextSequence;
  const total = options.until >= firstNext ? Number(options.until - firstNext + 1n) : 0;
  const progress = (): LoadProgress => ({
    stored: client.outbox.nextSequence - 1n,
    acknowledgedThrough: client.outbox.acknowledgedThrough,
    publishedThisRun: Number(client.outbox.nextSequence - firstNext),
  });
  let lastReport = began;
  const report = () => {
    lastReport = performance.now();
    options.onProgress?.(progress());
  };
  // A few chunks ahead of the outbox writes, so that the client always has the next batch to sign.
  const storing: Array<Promise<Queued[]>> = [];
  let handed = 0;
  while (handed < total) {
    if (options.rate !== undefined) {
      const due = began + (handed / options.rate) * 1000;
      const now = performance.now();
      if (due > now) await sleep(due - now);
    }
    while (client.unacknowledged >= maxUnacknowledged) await sleep(5);
    const n = Math.min(chunk, total - handed, options.rate !== undefined ? Math.max(1, Math.ceil(options.rate / 100)) : chunk);
    const payloads: Payload[] = [];
    for (let i = 0; i < n; i++) payloads.push(loadPayload(client.outbox.departmentId, firstNext + BigInt(handed + i)));
    storing.push(Promise.all(payloads.map((p) => client.enqueue(p))));
    handed += n;
    if (storing.length >= 8) await storing.shift();
    if (performance.now() - lastReport >= progressEveryMs) report();
  }
  await Promise.all(storing);
  while (client.unacknowledged > 0) {
    const flushing = client.flush(options.flushTimeoutMs ?? 60_000);
    // progress while the last events go out
    const ticker = setInterval(report, progressEveryMs);
    try {
      await flushing;
    } finally {
      clearInterval(ticker);
    }
  }
  report();
  return { ...progress(), elapsedMs: performance.now() - began };
}
