/**
 * The API through the real pipeline (issue 12): a real 3-node local cluster (node processes from
 * dist/, a real broker, LevelDB). Events are submitted over HTTP with `?wait=commit` and appear in
 * another node's ws stream; a wrong sequence gets 409 with the expected one; a certificate's bundle
 * fetched from a third node verifies offline (and through `ledger proof --api` and `ledger verify`);
 * the C2SP checkpoint carries at least q verifying note signatures and the tiles reproduce its root
 * and the API's proofs; bad input answers 4xx with a code on a real node.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pruneOutboxFromApi } from '../../api/client.js';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { createKafka } from '../../kafka/client.js';
import { DepartmentClient } from '../../producers/department-client.js';
import { fromHex, toHex } from '../../ledger/bytes.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { eventId } from '../../ledger/hash.js';
import { loadKeyFile, SigningKey, writeNewKeyFile } from '../../ledger/key-file.js';
import { verifyInclusion } from '../../ledger/merkle-verify.js';
import { leafHash } from '../../ledger/merkle.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import { verifyBundle } from '../../verifier/bundle-verify.js';
import { runCliAsync } from '../helpers/cli.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';
import { TileClient, verifierKeyFromSpec, verifyCheckpointNote } from '../helpers/tlog-client.js';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

function dumpLogs(): void {
  for (const n of [1, 2, 3]) {
    try {
      console.error(`--- node ${n} ---\n${readFileSync(join(cluster!.layout.nodeDir(n), 'node.log'), 'utf8').split('\n').slice(-25).join('\n')}`);
    } catch {
      /* none */
    }
  }
}

async function post(url: string, bytes: Uint8Array, query = ''): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}/v1/events${query}`, { method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': 'application/octet-stream' } });
  return { status: r.status, json: await r.json() };
}

describe('the API on a running cluster', () => {
  it('submits, streams, proves, checkpoints and tiles through the real pipeline', { timeout: 240_000 }, async () => {
    try {
      await scenario();
    } catch (e) {
      dumpLogs();
      throw e;
    }
  });
});

async function scenario(): Promise<void> {
  const dataDir = scratchDir('api-cluster');
  cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir, brokerDir: join(dataDir, 'kafka'), batchTimeoutMs: 100n, heartbeatIntervalMs: 1_000n, log: () => undefined });
  const c = cluster;
  const [n1, n2, n3] = c.nodes.map((n) => n.url) as [string, string, string];
  await waitFor(async () => (await Promise.all(c.nodes.map((n) => fetchStatus(n.url)))).every((s) => s?.phase === 'consuming'), { what: 'nodes consuming', timeoutMs: 60_000 });
  const genesis = c.genesis;
  const authority = loadKeyFile(c.layout.authorityKey);
  const bdcKey = SigningKey.generate();
  const ev = (dept: string, key: SigningKey, sequence: bigint, payload: Partial<EventBody>) =>
    buildSignedEvent({ channel: 'property', departmentId: dept, keyVersion: 1, sequence, clientTimeMs: 0n, ...payload } as EventBody, key, genesis.limits).signed;

  // the stream of node 2, for dept.bdc's events
  const messages: any[] = [];
  const ws = new WebSocket(`${n2.replace('http', 'ws')}/v1/stream?department=dept.bdc`);
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));

  // the authority registers dept.bdc through node 1, waiting for the commit
  const next = await (await fetch(`${n1}/v1/departments/authority.city/next-sequence`)).json();
  expect(next.nextSequence).toBe('1');
  const reg = ev('authority.city', authority, 1n, {
    departmentRegistered: { departmentId: 'dept.bdc', name: '不动产登记中心', publicKey: bdcKey.publicKey, rights: { certificateTypeIds: ['BDC'], resourceIds: [], govern: false, seize: false, audit: false } },
  });
  const r1 = await post(n1, encode('SignedEvent', reg), '?wait=commit');
  expect(r1.status, JSON.stringify(r1.json)).toBe(200);
  expect(r1.json).toMatchObject({ status: 'committed', resultName: 'OK', departmentId: 'authority.city', sequence: '1' });

  // a wrong sequence: 409 with the expected number
  const wrong = ev('authority.city', authority, 5n, { departmentSuspended: { departmentId: 'dept.bdc', reason: 'x' } } as Partial<EventBody>);
  const r409 = await post(n1, encode('SignedEvent', wrong));
  expect(r409.status).toBe(409);
  expect(r409.json).toMatchObject({ code: 'CONFLICT', details: { expected: '2' } });

  // dept.bdc issues a certificate through node 3; it commits and shows up in node 2's stream
  const cert = ev('dept.bdc', bdcKey, 1n, {
    certificateIssued: {
      certificateId: 'BDC:110105:2026-0001',
      certificateTypeId: 'BDC',
      holderCommitment: new Uint8Array(32).fill(1),
      attributesRoot: new Uint8Array(32).fill(2),
      documentSha256: new Uint8Array(32).fill(3),
      validUntilMs: 4_102_444_800_000n,
      attributeNames: ['坐落'],
      certificateTypeName: '',
    },
  });
  // node 3 checks submissions against its own committed state: wait until it has the registration
  // (node 1 answered once it had committed; node 3 may commit a moment later)
  await waitFor(async () => (await fetch(`${n3}/v1/departments/dept.bdc`)).status === 200, { what: 'node 3 has dept.bdc', timeoutMs: 30_000 });
  const r2 = await post(n3, encode('SignedEvent', cert), '?wait=commit&timeoutMs=60000');
  expect(r2.status, JSON.stringify(r2.json)).toBe(200);
  expect(r2.json.resultName).toBe('OK');
  const certId = toHex(eventId(cert.body));
  // a byte-identical resend gets the same receipt (from node 1 once it has committed the block too)
  await waitFor(async () => (await fetch(`${n1}/v1/events/${certId}`)).status === 200, { what: 'node 1 has the certificate event', timeoutMs: 30_000 });
  const again = await post(n1, encode('SignedEvent', cert));
  expect([again.status, again.json.eventId, again.json.height]).toEqual([200, certId, r2.json.height]);
  await waitFor(() => messages.some((m) => m.type === 'event' && m.eventId === certId), { what: 'the event in node 2\'s stream', timeoutMs: 30_000 });
  const streamed = messages.find((m) => m.type === 'event' && m.eventId === certId);
  expect(streamed).toMatchObject({ departmentId: 'dept.bdc', resultName: 'OK', payloadType: 'certificateIssued', height: r2.json.height });
  expect(messages.some((m) => m.type === 'header' && m.height === r2.json.height)).toBe(true);
  ws.close();

  // the bundle, fetched from another node, verifies offline against the genesis
  await waitFor(async () => (await fetch(`${n2}/v1/certificates/BDC:110105:2026-0001`)).status === 200, { what: 'node 2 has the certificate', timeoutMs: 30_000 });
  const bundle = new Uint8Array(await (await fetch(`${n2}/v1/certificates/BDC:110105:2026-0001/bundle`)).arrayBuffer());
  const verdict = verifyBundle(bundle, genesis.bytes, { nowMs: BigInt(Date.now()) });
  expect(verdict.verdict, JSON.stringify(verdict.reasons)).toBe('VALID');
  expect(verdict.header!.signers.length).toBeGreaterThanOrEqual(2);
  // ... and through the CLI: ledger proof --api, then ledger verify
  const out = join(dataDir, 'cert.bundle.json');
  const proof = await runCliAsync(['proof', '--cert', 'BDC:110105:2026-0001', '--api', n3, '--out', out]);
  expect(proof.status, proof.stderr).toBe(0);
  const verify = await runCliAsync(['verify', out, '--anchor', c.layout.genesis]);
  expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  expect((await runCliAsync(['proof', '--cert', 'X', '--api', 'http://127.0.0.1:1', '--out', join(dataDir, 'x.json')])).stderr).toMatch(/UNAVAILABLE/);

  // the auditor over the API: every block from the genesis, at the merkle level
  const auditRun = await runCliAsync(['audit', '--api', n2, '--genesis', c.layout.genesis, '--level', 'merkle']);
  expect(auditRun.status, auditRun.stdout + auditRun.stderr).toBe(0);
  expect(auditRun.stdout).toMatch(/verified up to height [1-9]/);
  const auditFull = await runCliAsync(['audit', '--api', n2, '--json']);
  expect(auditFull.status, auditFull.stderr).toBe(0);
  expect(JSON.parse(auditFull.stdout).notChecked.join(' ')).toMatch(/level full needs the node's data folder.*the genesis itself/s);

  // `ledger event` waits for the chain's result (issue 17): a department issuing a type it has no
  // right to is rejected UNAUTHORIZED (exit 1, no salts file); one it has the right to is OK (exit 0)
  const civilKeyFile = join(dataDir, 'civil.ed25519key');
  const civilKey = writeNewKeyFile(civilKeyFile);
  const regCivil = ev('authority.city', authority, 2n, {
    departmentRegistered: { departmentId: 'dept.civil', name: '民政局', publicKey: civilKey.publicKey, rights: { certificateTypeIds: ['MZ'], resourceIds: [], govern: false, seize: false, audit: false } },
  });
  expect((await post(n1, encode('SignedEvent', regCivil), '?wait=commit')).json).toMatchObject({ status: 'committed', resultName: 'OK' });
  const civil = ['--channel', 'property', '--department', 'dept.civil', '--key', civilKeyFile, '--state', join(dataDir, 'outbox-civil'), '--brokers', c.brokers.join(','), '--api', n2, '--timeout', '60s'];
  const certFlags = (id: string, type: string, salts: string) => ['--certificate', id, '--certificate-type', type, '--holder', '110105194912310021', '--attr', '面积=89.5', '--document-sha256', 'ab'.repeat(32), '--valid-until', '2036-01-01T00:00:00+08:00', '--salts-out', salts];
  const refusedSalts = join(dataDir, 'refused.salts.json');
  const refused = await runCliAsync(['event', 'issue-certificate', ...civil, ...certFlags('BDC:110105:2026-0099', 'BDC', refusedSalts)]);
  expect(refused.status, refused.stdout + refused.stderr).toBe(1);
  expect(refused.stdout).toMatch(/issue-certificate sequence 1: REJECTED UNAUTHORIZED \(result code \d+\) at height \d+/);
  expect(existsSync(refusedSalts)).toBe(false);
  // the catalogue names the type (issue 24): `ledger event` fills the name in from the node
  const regType = ev('authority.city', authority, 3n, { certificateTypeRegistered: { certificateTypeId: 'MZ', name: '民政证明' } });
  expect((await post(n1, encode('SignedEvent', regType), '?wait=commit')).json).toMatchObject({ status: 'committed', resultName: 'OK' });
  const okSalts = join(dataDir, 'ok.salts.json');
  const ok = await runCliAsync(['event', 'issue-certificate', ...civil, '--json', ...certFlags('MZ:110105:2026-0001', 'MZ', okSalts)]);
  expect(ok.status, ok.stdout + ok.stderr).toBe(0);
  expect(JSON.parse(ok.stdout)).toMatchObject({ waited: true, events: [{ type: 'issue-certificate', sequence: '2', result: 'OK', resultCode: 0, saltsFile: okSalts }] });
  expect(statSync(okSalts).mode & 0o777).toBe(0o600);
  const issuedRecord = (await (await fetch(`${n2}/v1/certificates/${encodeURIComponent('MZ:110105:2026-0001')}`)).json()) as { certificate: { record: { certificateTypeName: string } } };
  expect(issuedRecord.certificate.record.certificateTypeName).toBe('民政证明');

  // the C2SP checkpoint: at least q verifying note signatures; tiles reproduce its root and the API's proofs
  // the verifier keys come from the genesis alone (the client's trust anchor), not from the node
  const origin = `ledger/property/${toHex(genesis.hash).slice(0, 16)}`;
  const keys = genesis.genesis.nodes.map((n) => verifierKeyFromSpec(`${origin}/node-${n.index}`, n.publicKey));
  expect((await (await fetch(`${n1}/v1/note-keys`)).json()).verifierKeys).toEqual(keys);
  const note = await (await fetch(`${n1}/checkpoint`)).text();
  const cp = verifyCheckpointNote(note, keys);
  expect(cp.signedBy.length).toBeGreaterThanOrEqual(genesis.genesis.quorum);
  expect(cp.origin).toBe(`ledger/property/${toHex(genesis.hash).slice(0, 16)}`);
  const tiles = new TileClient(n1, cp.size);
  expect(toHex(await tiles.range(0, cp.size))).toBe(toHex(cp.root));
  const entries = await tiles.entries(0);
  expect(entries.map(toHex)).toContain(certId);
  const position = entries.map(toHex).indexOf(certId);
  const proofFromTiles = await tiles.inclusionProof(position);
  expect(verifyInclusion(leafHash(fromHex(certId)), position, cp.size, proofFromTiles, cp.root).ok).toBe(true);
  const apiEvent = await (await fetch(`${n1}/v1/events/${certId}`)).json();
  if (apiEvent.inclusionProof.logSize === String(cp.size)) expect(apiEvent.inclusionProof.hashes).toEqual(proofFromTiles.map(toHex));

  // bad input on a real node: 4xx with a code, never a 5xx; the peers' ws path is not the API's
  for (const [path, status] of [['/v1/blocks/abc', 400], ['/v1/events/zz', 400], ['/v1/certificates/%ZZ', 400], ['/tile/0/1', 400], ['/v1/nothing', 404]] as const) {
    const r = await fetch(`${n2}${path}`);
    expect([path, r.status, typeof (await r.json()).code]).toEqual([path, status, 'string']);
  }
  const big = await fetch(`${n2}/v1/events`, { method: 'POST', body: Buffer.alloc(100_000), headers: { 'content-type': 'application/octet-stream' } });
  expect(big.status).toBe(413);
  // the department client (Kafka directly) prunes its outbox once the API says its events are committed
  const dept = await DepartmentClient.open({ kafka: createKafka({ brokers: c.brokers }), channel: 'property', departmentId: 'dept.bdc', keyVersion: 1, key: bdcKey, stateDir: join(dataDir, 'outbox-bdc'), initialSequence: 2n });
  try {
    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(await dept.enqueue({ certificateRevoked: { certificateId: `BDC:none:${i}`, reason: 'test' } } as never));
    for (const q of queued) await q.receipt;
    expect(dept.outbox.counts().acknowledged).toBe(5);
    await waitFor(async () => (await pruneOutboxFromApi(dept.outbox, n2)) > 0 && dept.outbox.counts().acknowledged === 0, { what: 'the outbox pruned', timeoutMs: 30_000 });
    expect(dept.outbox.counts()).toMatchObject({ pending: 0, acknowledged: 0, nextSequence: 7n });
    // node 1 may commit that block a moment after node 2 (which the pruning read): wait for it
    await waitFor(async () => (await (await fetch(`${n1}/v1/departments/dept.bdc/next-sequence`)).json()).nextSequence === '7', { what: "node 1's next sequence of dept.bdc at 7", timeoutMs: 30_000 });
    // two more, pruned by the CLI once the client has closed its outbox
    const more = [];
    for (let i = 5; i < 7; i++) more.push(await dept.enqueue({ certificateRevoked: { certificateId: `BDC:none:${i}`, reason: 'test' } } as never));
    for (const q of more) await q.receipt;
  } finally {
    await dept.close();
  }
  const pruneArgs = ['event', 'prune', '--channel', 'property', '--department', 'dept.bdc', '--state', join(dataDir, 'outbox-bdc'), '--api', n3, '--json'];
  const pruned = await waitFor(async () => {
    const r = await runCliAsync(pruneArgs);
    if (r.status !== 0) throw new Error(r.stderr);
    const j = JSON.parse(r.stdout);
    return j.acknowledged === 0 ? j : undefined;
  }, { what: 'ledger event prune', timeoutMs: 30_000 });
  expect(pruned).toMatchObject({ pending: 0, acknowledged: 0, nextSequence: '9' });
  for (const n of [1, 2, 3]) expect((await fetchStatus(c.nodes[n - 1]!.url))!.alarms).toEqual([]);
  // where the time went (issue 19): every node exports its stage durations in its status and at /metrics
  const metrics = await (await fetch(`${n1}/metrics`)).text();
  expect(metrics).toMatch(/^ledger_height\{node="1",channel="property"\} \d+$/m);
  for (const stage of ['consume_to_vote', 'vote_persist', 'vote_to_commit', 'commit_write', 'broker_to_commit']) {
    expect(metrics, stage).toMatch(new RegExp(`^ledger_stage_ms\\{node="1",channel="property",stage="${stage}",quantile="0.99"\\} [0-9.]+$`, 'm'));
  }
  const stages = (await fetchStatus(c.nodes[0]!.url))!.stages as Record<string, { count: number }>;
  expect(stages.commit_write!.count).toBeGreaterThan(0);
  expect((await fetch(`${n1}/status?since=yesterday`)).status).toBe(400);
}
