/**
 * The department producer against a real Kafka (issue 5), never mocked: two departments publish
 * 10,000 events concurrently from producer processes (`ledger event load`, from dist/); one is
 * killed with SIGKILL mid-stream and restarted; the broker is restarted while they send. Then, per
 * department, the topic's first copies are exactly sequences 1..N in order, every copy is
 * byte-identical, no event was sent again after Kafka acknowledged it (copies only of events
 * unacknowledged at a crash), every receipt offset points at a copy of its event, and the outboxes
 * hold nothing unacknowledged. Then a broker that is down: a clear error after bounded retries,
 * the event kept in the outbox and sent by `ledger event flush` once the broker is back.
 *
 * The test starts its own broker (in the run's scratch folder) so that restarting it disturbs no
 * other test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, withAdmin } from '../../kafka/client.js';
import { brokerProcessesIn, startBroker, stopBroker } from '../../kafka/provision.js';
import { createChannelTopic } from '../../kafka/topics.js';
import { fromHex, toHex } from '../../ledger/bytes.js';
import { opensCommitment } from '../../ledger/commitment.js';
import { writeNewKeyFile } from '../../ledger/key-file.js';
import { decode } from '../../proto/codec.js';
import { Outbox } from '../../producers/outbox.js';
import { parseSaltsFile } from '../../producers/payloads.js';
import { CLI, runCli } from '../helpers/cli.js';
import { scratchDir, testBrokers, uniqueChannel, uniqueTopic, waitFor } from '../helpers/kafka.js';

const PER_DEPARTMENT = 5_000;
/** Events per second per producer: slow enough that the kill and the broker restart fall mid-stream. */
const RATE = 700;

let brokerDir: string;
let brokers: string;
let work: string;

beforeAll(async () => {
  testBrokers(); // fails with the global setup's reason (e.g. what to install) when there is no Kafka
  brokerDir = scratchDir('producer-broker');
  work = scratchDir('producer-work');
  const info = await startBroker({ dir: brokerDir });
  brokers = info.brokers.join(',');
});

afterAll(async () => {
  if (brokerDir) {
    await stopBroker({ dir: brokerDir });
    expect(brokerProcessesIn(brokerDir)).toEqual([]);
  }
});

interface LoadProcess {
  child: ChildProcess;
  acknowledged: bigint;
  lines: string[];
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startLoad(args: string[]): LoadProcess {
  const child = spawn(process.execPath, [CLI, 'event', 'load', '--json', '--progress-ms', '100', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p: LoadProcess = {
    child,
    acknowledged: 0n,
    lines: [],
    stderr: '',
    exit: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))),
  };
  let buffer = '';
  child.stdout!.on('data', (b: Buffer) => {
    buffer += b.toString('utf8');
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      p.lines.push(line);
      const msg = JSON.parse(line) as { acknowledgedThrough?: string };
      if (msg.acknowledgedThrough !== undefined) p.acknowledged = BigInt(msg.acknowledgedThrough);
    }
  });
  child.stderr!.on('data', (b: Buffer) => (p.stderr += b.toString('utf8')));
  return p;
}

interface Copy {
  offset: bigint;
  sequence: bigint;
  valueHex: string;
}

/** Every record of the topic, decoded to (department, sequence), in offset order. */
async function readTopic(topic: string): Promise<Map<string, Copy[]>> {
  const end = await withAdmin(brokers.split(','), async (admin) => BigInt((await admin.fetchTopicOffsets(topic))[0]!.high));
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'producer-test-reader' });
  // DESIGN.md section 8: a fresh group id, no auto commit, eachBatch, a small maxWaitTimeInMs
  const consumer = kafka.consumer({ groupId: uniqueTopic('producer-reader'), maxWaitTimeInMs: 50 });
  const byDepartment = new Map<string, Copy[]>();
  let next = 0n;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset !== next) continue; // a redelivery after a rebalance
          next++;
          const value = new Uint8Array(m.value!);
          const event = decode('TopicRecord', value).event!;
          const body = decode('EventBody', event.body);
          const list = byDepartment.get(body.departmentId) ?? [];
          list.push({ offset, sequence: body.sequence, valueHex: toHex(value) });
          byDepartment.set(body.departmentId, list);
        }
      },
    });
    await waitFor(() => next >= end, { what: `${end} records of ${topic}`, timeoutMs: 60_000 });
  } finally {
    await consumer.disconnect();
  }
  return byDepartment;
}

async function outboxEntries(dir: string, channel: string, department: string) {
  const box = await Outbox.open(dir, channel, department);
  try {
    const entries = [];
    for await (const e of box.entries()) entries.push(e);
    return { counts: box.counts(), entries };
  } finally {
    await box.close();
  }
}

describe('department producers against a real broker', () => {
  it('two departments publish 10,000 events; a producer is SIGKILLed and restarted, the broker restarted: sequences 1..N in order, copies identical, outboxes drained', async () => {
    const channel = uniqueChannel('producers');
    await createChannelTopic(brokers.split(','), channel, { mode: 'development' });
    const departments = ['dept.tax', 'dept.civil'] as const;
    const args = (d: string) => [
      '--channel', channel, '--department', d, '--key', join(work, `${d}.ed25519key`), '--state', join(work, `state-${d}`),
      '--brokers', brokers, '--until', String(PER_DEPARTMENT), '--rate', String(RATE), '--timeout', '120s',
    ];
    for (const d of departments) writeNewKeyFile(join(work, `${d}.ed25519key`));

    const tax = startLoad(args('dept.tax'));
    const civil = startLoad(args('dept.civil'));

    // SIGKILL the tax producer mid-stream, then restart it: it resumes from its outbox
    await waitFor(() => tax.acknowledged >= 1000n, { what: 'dept.tax to have 1,000 events acknowledged', timeoutMs: 60_000 });
    tax.child.kill('SIGKILL');
    expect((await tax.exit).signal).toBe('SIGKILL');
    expect(tax.acknowledged).toBeLessThan(BigInt(PER_DEPARTMENT));
    const tax2 = startLoad(args('dept.tax'));

    // restart the broker while the restarted producer sends: on a loaded machine the restart of a
    // process takes longer than civil's 5,000 events at 700/s, so civil may be done by then ('expected
    // 5000 to be less than 5000' under load, issue 17); tax2 has thousands left to send
    await waitFor(() => tax2.acknowledged > tax.acknowledged, { what: 'the restarted producer sending', timeoutMs: 60_000 });
    expect(tax2.acknowledged).toBeLessThan(BigInt(PER_DEPARTMENT));
    await stopBroker({ dir: brokerDir });
    await startBroker({ dir: brokerDir });

    for (const p of [tax2, civil]) {
      const r = await p.exit;
      expect(r.code, p.stderr).toBe(0);
      const done = JSON.parse(p.lines[p.lines.length - 1]!) as { done: boolean; stored: string; acknowledgedThrough: string };
      expect(done).toMatchObject({ done: true, stored: String(PER_DEPARTMENT), acknowledgedThrough: String(PER_DEPARTMENT) });
    }
    // the broker restart made the producers fail and recreate their producer (at least one of them)
    const failed = [tax2, civil].map((p) => (JSON.parse(p.lines[p.lines.length - 1]!) as { failedSends: number }).failedSends);
    expect(failed.some((n) => n > 0), `failed sends ${failed}`).toBe(true);

    const topic = `ledger.${channel}`;
    const copies = await readTopic(topic);
    expect([...copies.keys()].sort()).toEqual([...departments].sort());
    for (const d of departments) {
      const list = copies.get(d)!;
      const first = new Map<bigint, Copy>();
      const lastOffset = new Map<bigint, bigint>();
      for (const c of list) {
        const f = first.get(c.sequence);
        if (f === undefined) first.set(c.sequence, c);
        else expect(c.valueHex, `${d} sequence ${c.sequence}: copy at ${c.offset} identical to ${f.offset}`).toBe(f.valueHex);
        lastOffset.set(c.sequence, c.offset);
      }
      // first copies: exactly 1..N, in order (nothing missing, nothing skipped, nothing reordered)
      const order = list.filter((c) => first.get(c.sequence) === c).map((c) => c.sequence);
      expect(order.length, d).toBe(PER_DEPARTMENT);
      order.forEach((s, i) => {
        if (s !== BigInt(i + 1)) expect.fail(`${d}: first copy number ${i + 1} is sequence ${s}`);
      });

      // the outbox: nothing pending; each receipt offset holds a copy of its event, and no copy
      // comes after it (an acknowledged event is never sent again)
      const { counts, entries } = await outboxEntries(join(work, `state-${d}`), channel, d);
      expect(counts).toMatchObject({ pending: 0, acknowledged: PER_DEPARTMENT, nextSequence: BigInt(PER_DEPARTMENT + 1) });
      const byOffset = new Map(list.map((c) => [c.offset, c]));
      for (const e of entries) {
        expect(e.state).toBe('acknowledged');
        const at = byOffset.get(e.offset!);
        if (at === undefined || at.sequence !== e.sequence || at.valueHex !== toHex(e.recordValue)) {
          expect.fail(`${d} sequence ${e.sequence}: its receipt offset ${e.offset} holds ${at ? `sequence ${at.sequence}` : 'no event of this department'}`);
        }
        if (lastOffset.get(e.sequence) !== e.offset) expect.fail(`${d} sequence ${e.sequence}: a copy at ${lastOffset.get(e.sequence)} after its acknowledged offset ${e.offset}`);
      }
      const duplicates = list.length - PER_DEPARTMENT;
      process.stdout.write(`[producer test] ${d}: ${list.length} records, ${duplicates} byte-identical copies\n`);
    }
  });

  it('a broker that is down: a clear error after bounded retries, the event kept in the outbox, sent by flush when the broker is back', async () => {
    const channel = uniqueChannel('producer-down');
    await createChannelTopic(brokers.split(','), channel, { mode: 'development' });
    const key = join(work, 'down.ed25519key');
    writeNewKeyFile(key);
    const common = ['--channel', channel, '--department', 'dept.civil', '--state', join(work, 'state-down'), '--brokers', brokers];
    const event = ['event', 'revoke-share', '--request', 'req-7', '--reason', '到期', '--key', key, '--no-wait', ...common];

    await stopBroker({ dir: brokerDir });
    try {
      const began = Date.now();
      const r = runCli([...event, '--timeout', '3s']);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^error \[UNAVAILABLE\]: Kafka did not acknowledge 1 event\(s\) on ledger\.\S+ within 3\.0 s \(\d+ failed send\(s\); last error: .+\); they stay in the outbox/);
      expect(r.stderr).toContain('Stored as sequence 1');
      expect(r.stderr).toContain('ledger event flush');
      expect(Date.now() - began).toBeLessThan(60_000);
      const outbox = runCli(['event', 'outbox', '--json', ...common.slice(0, -2)]);
      expect(outbox.status, outbox.stderr).toBe(0);
      expect(JSON.parse(outbox.stdout)).toMatchObject({ pending: 1, acknowledged: 0, nextSequence: '2' });
    } finally {
      await startBroker({ dir: brokerDir });
    }
    const flush = runCli(['event', 'flush', '--json', ...common]);
    expect(flush.status, flush.stderr).toBe(0);
    expect(JSON.parse(flush.stdout)).toMatchObject({ sent: 1, pending: 0, acknowledged: 1, nextSequence: '2' });
    // the next event takes number 2, and both are in the topic
    const next = runCli([...event, '--json']);
    expect(next.status, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout).events[0]).toMatchObject({ type: 'revoke-share', sequence: '2', offset: '1' });
    const copies = (await readTopic(`ledger.${channel}`)).get('dept.civil')!;
    expect(copies.map((c) => c.sequence)).toEqual([1n, 2n]);
  });
});

describe('ledger event: certificates and shares through the CLI', () => {
  it('issue with the holder\'s salts file (0600), transfer with the previous one, grant a share: receipts, and the salts open the commitments in the topic', async () => {
    const channel = uniqueChannel('producer-cli');
    await createChannelTopic(brokers.split(','), channel, { mode: 'development' });
    const key = join(work, 'bdc.ed25519key');
    writeNewKeyFile(key);
    // no nodes here: Kafka's acknowledgement is all there is to wait for
    const common = ['--channel', channel, '--department', 'dept.bdc', '--key', key, '--state', join(work, 'state-bdc'), '--brokers', brokers, '--no-wait', '--json'];
    const salts1 = join(work, 'holder-1.json');
    const salts2 = join(work, 'holder-2.json');
    const issue = runCli(['event', 'issue-certificate', ...common, '--certificate', 'BDC:110105:2026-0001', '--certificate-type', 'BDC', '--holder', '110105194912310021',
      '--attr', '坐落=北京市朝阳区', '--attr', '面积=89.5', '--document-sha256', 'cd'.repeat(32), '--valid-until', '2036-01-01T00:00:00+08:00', '--salts-out', salts1]);
    expect(issue.status, issue.stderr).toBe(0);
    expect(JSON.parse(issue.stdout).events[0]).toMatchObject({ type: 'issue-certificate', sequence: '1', partition: 0, offset: '0', saltsFile: salts1 });
    expect(statSync(salts1).mode & 0o777).toBe(0o600);
    const transfer = runCli(['event', 'transfer-certificate', ...common, '--certificate', 'BDC:110105:2026-0001', '--new-holder', '110105198001010011', '--salts', salts1, '--salts-out', salts2]);
    expect(transfer.status, transfer.stderr).toBe(0);
    const grant = runCli(['event', 'grant-share', ...common, '--request', 'req-1', '--fields', '年收入,面积', '--valid-from', '2026-01-01T00:00:00+08:00', '--valid-until', '2027-01-01T00:00:00+08:00', '--max-uses', '10']);
    expect(grant.status, grant.stderr).toBe(0);
    expect(JSON.parse(grant.stdout).events[0]).toMatchObject({ type: 'grant-share', sequence: '3', offset: '2' });

    const bodies = (await readTopic(`ledger.${channel}`)).get('dept.bdc')!.map((c) => decode('EventBody', decode('TopicRecord', fromHex(c.valueHex)).event!.body));
    const first = parseSaltsFile(readFileSync(salts1, 'utf8'));
    const second = parseSaltsFile(readFileSync(salts2, 'utf8'));
    expect(opensCommitment(first.holder.value, fromHex(first.holder.salt), bodies[0]!.certificateIssued!.holderCommitment)).toBe(true);
    expect(opensCommitment(second.holder.value, fromHex(second.holder.salt), bodies[1]!.certificateTransferred!.newHolderCommitment)).toBe(true);
    expect(second.attributes).toEqual(first.attributes);
    expect(bodies[2]!.shareGranted).toMatchObject({ requestId: 'req-1', fields: ['年收入', '面积'], maxUses: 10n });
  });
});

describe('benchmark group producer', () => {
  it('prints producer_events_per_s (never checks speed)', () => {
    const r = spawnSyncBench();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(typeof out.producer_events_per_s).toBe('number');
    expect(out.producer_events_per_s as number).toBeGreaterThan(0);
  });
});

/** The bench on this test's broker (KAFKA_BROKERS), so that it starts none of its own. */
function spawnSyncBench() {
  const script = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  return spawnSync(process.execPath, [script, 'bench', '--json', '--quick', '--only', 'producer'], { encoding: 'utf8', env: { ...process.env, KAFKA_BROKERS: brokers }, timeout: 300_000 });
}
