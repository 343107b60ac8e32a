/**
 * `ledger kafka start | status | stop` on a second broker of its own (its own folder, free ports),
 * run through the built CLI as a user would (issue 4): start, reuse on a second start, status,
 * stop with nothing left in the process table, and a restart that keeps the data. This file
 * provisions a broker itself even when KAFKA_BROKERS is set, since provisioning is what it tests.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { createKafka, createProducer } from '../../kafka/client.js';
import { brokerProcessesIn, freePorts, stopBroker, type BrokerInfo, type BrokerStatus, type StopResult } from '../../kafka/provision.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { isLiveProcess, scratchDir, uniqueChannel, uniqueTopic, waitFor } from '../helpers/kafka.js';

let dir: string;
/** The CLI's environment: no KAFKA_BROKERS, so that it manages the local broker in `dir`. */
let env: NodeJS.ProcessEnv;

function cli(args: string[]): CliResult {
  return runCli(['kafka', ...args, '--dir', dir, '--json'], env);
}

function json<T>(r: CliResult): T {
  if (r.stderr !== '') throw new Error(`the CLI wrote to stderr (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

beforeAll(() => {
  dir = scratchDir('lifecycle');
  env = { ...process.env };
  delete env.KAFKA_BROKERS;
});

afterAll(async () => {
  // even when a test failed midway: no broker of this folder may survive the file
  await stopBroker({ dir });
  expect(brokerProcessesIn(dir)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

describe('ledger kafka start | status | stop', () => {
  let first: BrokerInfo;
  const channel = uniqueChannel('kept');

  it('start provisions a broker on the given ports; a second start reuses it; status reports it ready', async () => {
    const [port, controllerPort] = await freePorts(2);
    const started = cli(['start', '--port', String(port), '--controller-port', String(controllerPort)]);
    expect(started.status, started.stderr).toBe(0);
    first = json<BrokerInfo>(started);
    expect(first).toMatchObject({ reused: false, port, controllerPort, brokers: [`127.0.0.1:${port}`] });
    expect(first.kafkaVersion).toMatch(/^3\.9\.\d+$/);
    expect(first.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(brokerProcessesIn(dir)).toEqual([first.pid]);

    const again = json<BrokerInfo>(cli(['start']));
    expect(again).toMatchObject({ reused: true, pid: first.pid, port });

    const status = cli(['status']);
    expect(status.status).toBe(0);
    expect(json<BrokerStatus>(status)).toMatchObject({ running: true, ready: true, pid: first.pid, port, clusterId: first.clusterId });
    expect(json<BrokerStatus>(status).mode).toContain('single-broker development mode');
  });

  it('stop ends the broker: no java process of its folder remains, and status says not running', async () => {
    const created = runCli(['kafka', 'create-channel', channel, '--dir', dir], env);
    expect(created.status, created.stderr).toBe(0);
    const producer = createProducer(createKafka({ brokers: first.brokers }));
    await producer.connect();
    await producer.send({ topic: `ledger.${channel}`, acks: -1, messages: [{ value: 'survives a restart' }] });
    await producer.disconnect();

    const stopped = json<StopResult>(cli(['stop']));
    expect(stopped).toMatchObject({ wasRunning: true, pid: first.pid, forced: false });
    expect(isLiveProcess(first.pid)).toBe(false);
    expect(brokerProcessesIn(dir)).toEqual([]);

    const status = cli(['status']);
    expect(status.status).toBe(1);
    expect(json<BrokerStatus>(status)).toMatchObject({ running: false, ready: false, pid: null, clusterId: first.clusterId });
    expect(json<StopResult>(cli(['stop']))).toMatchObject({ wasRunning: false });
  });

  it('restart keeps the data: same ports, same cluster, the record still at offset 0', async () => {
    const restarted = json<BrokerInfo>(cli(['start']));
    expect(restarted).toMatchObject({ reused: false, port: first.port, controllerPort: first.controllerPort, clusterId: first.clusterId });
    expect(restarted.pid).not.toBe(first.pid);

    const kafka = createKafka({ brokers: restarted.brokers });
    const consumer = kafka.consumer({ groupId: uniqueTopic('lifecycle-group'), maxWaitTimeInMs: 50 });
    const received: KafkaMessage[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: `ledger.${channel}`, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => void received.push(...batch.messages) });
      await waitFor(() => received.length >= 1, { what: 'the record written before the restart', timeoutMs: 60_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(received.map((m) => [m.offset, m.value?.toString('utf8')])).toEqual([['0', 'survives a restart']]);

    const stopped = json<StopResult>(cli(['stop']));
    expect(stopped.wasRunning).toBe(true);
    expect(brokerProcessesIn(dir)).toEqual([]);
  });
});
