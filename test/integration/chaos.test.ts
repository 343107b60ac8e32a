/**
 * Production topology under faults (issue 26): three brokers and three nodes, each in its own
 * network namespace (needs root and iproute2; CI runs as root), the channel in production mode.
 * One rig for the file; each case runs a short campaign on it (chaos/campaign.ts), which asserts
 * after every fault and at the end that no acknowledged event is missing, none is twice, no two
 * headers were committed at one height and no node signed two headers at one height.
 * The long campaign (>= 20,000 events, every fault) is `npm run chaos` (README).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignOn, describeResult, type CampaignResult } from '../../chaos/campaign.js';
import { startRig, type Rig } from '../../chaos/rig.js';
import { removeStaleTopologies, topologyUnavailable } from '../../chaos/topology.js';
import { scratchDir } from '../helpers/kafka.js';

let rig: Rig | undefined;
const lines: string[] = [];
const log = (l: string) => lines.push(l);

beforeAll(async () => {
  const why = topologyUnavailable();
  if (why) throw new Error(`the fault harness cannot run here: ${why}`);
  removeStaleTopologies(); // namespaces of a run whose worker was killed
  rig = await startRig({ dataDir: scratchDir('chaos'), log });
}, 240_000);

afterAll(async () => {
  await rig?.stop();
}, 120_000);

function expectClean(r: CampaignResult): void {
  const text = describeResult(r);
  if (!r.ok) console.error(`${text}\n${lines.join('\n')}`);
  expect(r.violations, text).toEqual([]);
  expect(r.events.lost, text).toBe(0);
  expect(r.events.duplicated, text).toBe(0);
  expect(r.events.acknowledged, text).toBe(r.events.submitted);
  expect(r.chainsIdentical, text).toBe(true);
  expect(r.nodeExits, text).toEqual([]);
  expect(r.forks + r.equivocations, text).toBe(0);
  expect(r.faults.every((f) => f.recoveryMs !== null), text).toBe(true);
}

describe('production topology under faults', () => {
  it('a broker loss during load (the leader, then the leader and a second broker) loses no acknowledged event', { timeout: 400_000 }, async () => {
    const r = await campaignOn(rig!, { events: 1500, rate: 250, faults: ['kill-leader-broker', 'kill-two-brokers'], holdMs: 3_000, seed: 1, log });
    expectClean(r);
    expect(r.events.submitted).toBe(1500);
  });

  it('a node partitioned from the others and from Kafka rejoins and catches up without manual help', { timeout: 300_000 }, async () => {
    const r = await campaignOn(rig!, { events: 1000, rate: 250, faults: ['isolate-node'], holdMs: 5_000, seed: 2, log });
    // expectClean: the isolated node committed, on its own, past the first event acknowledged
    // after the heal (its recovery time), then past the last acknowledged event, and its copy
    // agrees with the others block for block (audit --compare)
    expectClean(r);
    expect(r.faults[0]!.fault).toBe('isolate-node');
  });

  it('the short campaign: node kill, stop, wipe; nodes cut from Kafka; clock skew; a slow link', { timeout: 600_000 }, async () => {
    const r = await campaignOn(rig!, { events: 2100, rate: 250, faults: ['kill-node', 'stop-node', 'wipe-node', 'cut-kafka', 'clock-skew', 'slow-link'], holdMs: 3_000, seed: 3, log });
    expectClean(r);
  });
});
