/**
 * One helper module for tests against a real Kafka (never mocked): the brokers of the run (the
 * one the integration global setup started, or KAFKA_BROKERS), unique topic and channel names,
 * and polling with a deadline instead of sleeping.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated host:port of the run's brokers ('' when the global setup failed). */
    kafkaBrokers: string;
    /** Why the global setup has no broker ('' when it has one): each Kafka test fails with it. */
    kafkaSetupError: string;
    /** The run's scratch folder: brokers started under it are killed at the end of the run. */
    kafkaScratchDir: string;
  }
}

/**
 * The brokers of this test run.
 * @throws Error with the global setup's message (e.g. what to install) when it has no broker
 */
export function testBrokers(): string[] {
  const error = inject('kafkaSetupError');
  if (error) throw new Error(`no Kafka for this test: ${error}`);
  return inject('kafkaBrokers').split(',');
}

/**
 * A fresh folder for a broker a test starts itself, under the run's scratch folder so that the
 * global teardown (or its exit net) kills any broker there the test could not stop.
 */
export function scratchDir(name: string): string {
  return mkdtempSync(join(inject('kafkaScratchDir'), `${name}-`));
}

/** A topic name nobody else uses: `<prefix>-<time>-<random>`. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A channel name nobody else uses (within the 64-byte channel limit). */
export function uniqueChannel(prefix = 'ch'): string {
  return uniqueTopic(prefix).slice(0, 64);
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what: string;
}

/**
 * Polls `probe` until it returns a value other than undefined/false/null, and returns it.
 * @throws Error naming `what` after `timeoutMs` (default 30 s), with the last probe error if any
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitOptions): Promise<Exclude<T, undefined | false | null>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value as Exclude<T, undefined | false | null>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${(lastError as Error)?.message ?? String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Whether a process is in the process table and not a zombie (/proc/<pid>/stat). A stopped broker
 * whose parent was a finished CLI is reparented to init, which may reap it a moment later: that
 * exited process holds nothing and does not count as left behind.
 */
export function isLiveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
