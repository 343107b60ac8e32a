/**
 * Outside witnesses on a running three-node cluster (issue 23), on the real broker: the genesis
 * names two witnesses, litewitness (filippo.io/torchwood v0.6.1, written by others, built from the
 * Go module proxy) and ours (witness/witness.ts), with witness quorum 2. After each commit every
 * node submits its checkpoint to both; the test checks that
 * - both cosign: `/checkpoint/witnessed` carries both lines, and a stock Go client
 *   (test/go/cosigcheck: golang.org/x/mod/sumdb/note + torchwood) verifies the nodes' and both
 *   witnesses' signatures on it;
 * - `ledger proof --api --witnessed` then `ledger verify --witness-quorum 2` (the anchor's
 *   witnesses) and `--witness <litewitness vkey>` say VALID; the bundle without cosignatures under
 *   a policy is INVALID (WITNESS_QUORUM_MISSING);
 * - with litewitness stopped, an event still commits on every node (witnessing is off the commit
 *   path) and the node status shows litewitness's lag and error while ours keeps up.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noteVerifierKeys } from '../../api/checkpoint-note.js';
import { createKafka, createProducer } from '../../kafka/client.js';
import { freePorts } from '../../kafka/provision.js';
import { channelTopic } from '../../kafka/topics.js';
import { utf8 } from '../../ledger/bytes.js';
import { checkpointOrigin, parseSignedNote } from '../../ledger/checkpoint.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { sha256 } from '../../ledger/hash.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import { COSIGNER_KEY_TYPE, formatVerifierKey, parseVerifierKey } from '../../ledger/witness-cosignature.js';
import type { EventBody } from '../../proto/schema.generated.js';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { Witness } from '../../witness/witness.js';
import { listenWitness } from '../../witness/witness-server.js';
import { runCliAsync } from '../helpers/cli.js';
import { runCosigcheck } from '../helpers/go-client.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';
import { litewitnessKey, startLitewitness, type RunningLitewitness } from '../helpers/litewitness.js';
import { testWitness } from '../helpers/witnesses.js';
import type { Server } from 'node:http';

const CERT_ID = '11100000MB0000000X:BDC:2026-700001';
const LW_NAME = 'court.example.cn/litewitness';
const ours = testWitness(0);

let cluster: LocalCluster | undefined;
let lw: RunningLitewitness | undefined;
let ourWitness: Witness | undefined;
let ourServer: Server | undefined;
afterAll(async () => {
  await cluster?.stop();
  await lw?.stop();
  await new Promise((r) => (ourServer ? ourServer.close(r) : r(undefined)));
  await ourWitness?.close();
});

interface WitnessStatusView {
  witnessedSize: string;
  witnesses: Array<{ name: string; cosignedSize: string; lag: string; lastError?: string; conflict?: string }>;
}

describe('witnesses on a running cluster', () => {
  it('litewitness and ours cosign the nodes\' checkpoints; ledger verify --witness accepts them; a down witness delays no commit', { timeout: 600_000 }, async () => {
    const dataDir = scratchDir('witness-cluster');
    const [ourPort, lwPort] = (await freePorts(2)) as [number, number];
    const lwDir = scratchDir('litewitness');
    const lwKey = litewitnessKey(lwDir);
    cluster = await startLocalCluster({
      apiAccess: 'open-loopback',
      dataDir,
      brokerDir: join(dataDir, 'kafka'),
      batchTimeoutMs: 100n,
      heartbeatIntervalMs: 2_000n,
      witnesses: [
        { name: ours.name, publicKey: ours.key.publicKey, url: `http://127.0.0.1:${ourPort}` },
        { name: LW_NAME, publicKey: lwKey, url: `http://127.0.0.1:${lwPort}` },
      ],
      witnessQuorum: 2,
      log: () => undefined,
    });
    const c = cluster;
    const g = c.genesis;
    const origin = checkpointOrigin(g.genesis.channel, g.hash);
    const nodeVkeys = noteVerifierKeys(g);
    ourWitness = await Witness.open(join(dataDir, 'our-witness'), { name: ours.name, publicKey: ours.key.publicKey, sign: (m) => ours.key.sign(m) }, new Map([[origin, nodeVkeys.map((k) => parseVerifierKey(k))]]));
    ourServer = await listenWitness(ourWitness, '127.0.0.1', ourPort, 'plain-loopback');
    lw = await startLitewitness(lwDir, LW_NAME, lwPort, new Map([[origin, nodeVkeys]]));
    const lwVkey = formatVerifierKey(LW_NAME, COSIGNER_KEY_TYPE, lwKey);

    const statuses = () => Promise.all(c.nodes.map((n) => fetchStatus(n.url)));
    const witnessView = (s: Record<string, unknown> | undefined) => s?.witnesses as WitnessStatusView | undefined;
    await waitFor(async () => (await statuses()).every((s) => s?.phase === 'consuming'), { what: 'nodes consuming', timeoutMs: 120_000 });
    const producer = createProducer(createKafka({ brokers: c.brokers }));
    await producer.connect();
    const authority = loadKeyFile(c.layout.authorityKey);
    const dept = new SigningKey(sha256(utf8('witness-cluster:dept')));
    const channel = g.genesis.channel;
    const authorityId = g.genesis.authorities[0]!.departmentId;
    const send = (body: EventBody, key: SigningKey) => producer.send({ topic: channelTopic(channel), acks: -1, messages: [{ value: Buffer.from(buildSignedEvent(body, key).recordValue) }] });
    await send({ channel, departmentId: authorityId, keyVersion: 1, sequence: 1n, clientTimeMs: 0n, departmentRegistered: { departmentId: 'dept.realestate', name: '不动产登记中心', publicKey: dept.publicKey, rights: { certificateTypeIds: ['BDC'], resourceIds: [], govern: false, seize: false, audit: false } } }, authority);
    const issue = (id: string, sequence: bigint): EventBody => ({
      channel,
      departmentId: 'dept.realestate',
      keyVersion: 1,
      sequence,
      clientTimeMs: 0n,
      certificateIssued: { certificateId: id, certificateTypeId: 'BDC', holderCommitment: sha256(utf8('h')), attributesRoot: sha256(utf8('a')), documentSha256: sha256(utf8('d')), validUntilMs: 0n, attributeNames: ['面积'], certificateTypeName: '' },
    });
    await send(issue(CERT_ID, 1n), dept);
    // every node's witnessing reaches the quorum at the log size holding both events
    await waitFor(async () => (await statuses()).every((s) => Number(witnessView(s)?.witnessedSize ?? 0) >= 2), { what: 'both witnesses cosigning size 2 on every node', timeoutMs: 180_000 });

    const url = c.nodes[0]!.url;
    const witnessed = await (await fetch(`${url}/checkpoint/witnessed`)).text();
    const lines = parseSignedNote(witnessed)!.signatures.map((s) => s.keyName);
    expect(lines).toEqual(expect.arrayContaining([ours.name, LW_NAME]));
    // /checkpoint carries the witnesses' lines after the nodes' once they cosigned the head's
    // checkpoint (heartbeat blocks keep its text)
    await waitFor(
      async () => {
        const names = parseSignedNote(await (await fetch(`${url}/checkpoint`)).text())?.signatures.map((s) => s.keyName) ?? [];
        return names.includes(ours.name) && names.includes(LW_NAME) && names.indexOf(ours.name) > names.findIndex((n) => n.startsWith(`${origin}/node-`));
      },
      { what: "/checkpoint with both witnesses' lines after the nodes'", timeoutMs: 60_000 },
    );
    // the stock Go client: the nodes' note signatures and both cosignatures verify
    const noteFile = join(dataDir, 'witnessed.note');
    writeFileSync(noteFile, witnessed);
    const go = runCosigcheck(['verify', '-note', noteFile, ...nodeVkeys.flatMap((k) => ['-log', k]), '-witness', ours.vkey, '-witness', lwVkey]);
    expect(go).toMatchObject({ origin, unverified: 0 });
    expect(go.verified).toEqual(expect.arrayContaining([ours.name, LW_NAME]));
    expect((go.verified as string[]).filter((n) => n.startsWith(`${origin}/node-`)).length).toBeGreaterThanOrEqual(2);

    const bundleFile = join(dataDir, 'cert.bin');
    const p = await runCliAsync(['proof', '--api', url, '--cert', CERT_ID, '--witnessed', '--out', bundleFile, '--format', 'binary']);
    expect(p.status, p.stderr).toBe(0);
    const anchorArgs = ['--anchor', c.layout.genesis];
    const v = await runCliAsync(['verify', bundleFile, ...anchorArgs, '--witness-quorum', '2']);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^VALID/);
    expect(v.stdout).toContain(`cosigned by witness(es)`);
    expect(v.stdout).toContain(LW_NAME);
    const onlyLw = await runCliAsync(['verify', bundleFile, ...anchorArgs, '--witness', lwVkey, '--json']);
    expect(onlyLw.status, onlyLw.stdout + onlyLw.stderr).toBe(0);
    expect(JSON.parse(onlyLw.stdout)).toMatchObject({ verdict: 'VALID', checks: { witnesses: 'passed' }, witnesses: [LW_NAME] });
    const plainFile = join(dataDir, 'plain.bin');
    expect((await runCliAsync(['proof', '--api', url, '--cert', CERT_ID, '--out', plainFile, '--format', 'binary'])).status).toBe(0);
    const plain = await runCliAsync(['verify', plainFile, ...anchorArgs]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('witnesses were not checked');
    const missing = await runCliAsync(['verify', plainFile, ...anchorArgs, '--witness-quorum', '1', '--json']);
    expect([missing.status, JSON.parse(missing.stdout).reasons[0].code]).toEqual([1, 'WITNESS_QUORUM_MISSING']);

    // litewitness goes down: commits go on, its lag shows, ours keeps cosigning
    await lw.stop();
    lw = undefined;
    await send(issue(`${CERT_ID}-2`, 2n), dept);
    await waitFor(async () => (await statuses()).every((s) => s !== undefined && Number(s.committedEvents) >= 3), { what: 'the third event committed on every node with a witness down', timeoutMs: 120_000 });
    await waitFor(
      async () =>
        (await statuses()).every((s) => {
          const w = witnessView(s);
          const mine = w?.witnesses.find((x) => x.name === ours.name);
          const theirs = w?.witnesses.find((x) => x.name === LW_NAME);
          return mine?.cosignedSize === '3' && theirs !== undefined && Number(theirs.lag) >= 1 && theirs.lastError !== undefined;
        }),
      { what: 'our witness at size 3, litewitness lagging with an error, in every node status', timeoutMs: 120_000 },
    );
    const s1 = witnessView(await fetchStatus(url))!;
    expect(s1.witnessedSize).toBe('2');
    expect(s1.witnesses.every((w) => w.conflict === undefined)).toBe(true);
    await producer.disconnect();
  });
});

