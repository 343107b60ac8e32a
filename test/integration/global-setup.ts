/**
 * Global setup of the `integration` project: ONE real Kafka broker for the whole run, in a fresh
 * temporary folder on free ports (resolving Kafka with Maven first when the cache is empty, as on
 * a fresh clone), or the cluster named by KAFKA_BROKERS. Tests get the brokers with
 * `testBrokers()` and their own folders with `scratchDir()` (test/helpers/kafka.ts).
 *
 * No broker outlives the run. Every broker of the run, the shared one and those that tests start
 * themselves, lives under one scratch folder. The teardown, which runs whether tests passed or
 * failed, stops the shared broker, then fails the run if any broker under the scratch folder is
 * still in the process table (killing it). A `process.on('exit')` net kills them all when the
 * teardown never runs (e.g. vitest interrupted by SIGINT or SIGTERM).
 *
 * When the broker cannot be had (e.g. no java), the setup does not throw: every Kafka test then
 * fails with the reason and what to install, and the other integration tests still run.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { brokersFromEnv, probeMetadata } from '../../kafka/client.js';
import { brokerProcessesIn, killBrokersUnderSync, startBroker, stopBroker } from '../../kafka/provision.js';
import '../helpers/kafka.js'; // the ProvidedContext declarations

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = mkdtempSync(join(tmpdir(), 'ledger-kafka-run-'));
  project.provide('kafkaScratchDir', scratch);
  const safetyNet = () => {
    killBrokersUnderSync(scratch);
    // nothing asynchronous runs in an exit handler: block up to 3 s for the killed JVMs to go
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 60 && brokerProcessesIn(scratch).length > 0; i++) Atomics.wait(pause, 0, 0, 50);
    try {
      rmSync(scratch, { recursive: true, force: true });
    } catch {
      /* a killed broker may still be closing files; the folder is in the temp dir anyway */
    }
  };
  process.on('exit', safetyNet);

  const teardown = async (sharedDir?: string) => {
    try {
      if (sharedDir) await stopBroker({ dir: sharedDir });
      const left = brokerProcessesIn(scratch);
      if (left.length > 0) {
        killBrokersUnderSync(scratch);
        throw new Error(`brokers were left running after the integration tests (pids ${left.join(', ')}); killed them`);
      }
    } finally {
      process.off('exit', safetyNet);
      rmSync(scratch, { recursive: true, force: true });
    }
  };

  let external: string[] | undefined;
  try {
    external = brokersFromEnv();
  } catch (e) {
    provideBrokers(project, '', (e as Error).message);
    return () => teardown();
  }
  if (external) {
    const live = await probeMetadata(external, 10_000);
    provideBrokers(project, live === undefined ? '' : external.join(','), live === undefined ? `KAFKA_BROKERS=${external.join(',')} does not answer a metadata request` : '');
    return () => teardown();
  }

  const sharedDir = join(scratch, 'shared-broker');
  mkdirSync(sharedDir);
  const began = Date.now();
  try {
    const broker = await startBroker({ dir: sharedDir });
    provideBrokers(project, broker.brokers.join(','), '');
    process.stdout.write(`[global setup] Kafka ${broker.kafkaVersion} at ${broker.brokers.join(',')} in ${((Date.now() - began) / 1000).toFixed(1)} s${broker.resolvedNow ? ' (resolved with Maven first)' : ''}\n`);
  } catch (e) {
    provideBrokers(project, '', `the integration global setup could not start Kafka: ${(e as Error).message}`);
  }
  return () => teardown(sharedDir);
}

function provideBrokers(project: TestProject, brokers: string, error: string): void {
  project.provide('kafkaBrokers', brokers);
  project.provide('kafkaSetupError', error);
}
