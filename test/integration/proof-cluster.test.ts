/**
 * Proof bundles from a real three-node cluster (stack/local-cluster.ts on the real broker, quorum 2):
 * a department is registered and issues a certificate, the nodes commit it with their real vote
 * signatures, the nodes stop, `ledger proof` reads a node's data folder (`<data>/nodes/<n>/db`),
 * and `ledger verify` checks the bundle against the stack's genesis: VALID with at least two
 * signers; an unknown id UNKNOWN; the same bundle against another genesis INVALID.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { createKafka, createProducer } from '../../kafka/client.js';
import { channelTopic } from '../../kafka/topics.js';
import { sha256 } from '../../ledger/hash.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import { utf8 } from '../../ledger/bytes.js';
import { createGenesis } from '../../ledger/genesis.js';
import type { EventBody } from '../../proto/schema.generated.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

const CERT_ID = '11100000MB0000000X:BDC:2026-900001';

describe('proof bundles from a real cluster', () => {
  it('ledger proof on a stopped node folder, ledger verify with the genesis: VALID with q = 2 signatures', { timeout: 240_000 }, async () => {
    const dataDir = scratchDir('proof-cluster');
    cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir, brokerDir: join(dataDir, 'kafka'), batchTimeoutMs: 100n, heartbeatIntervalMs: 2_000n, log: () => undefined });
    const c = cluster;
    const statuses = () => Promise.all(c.nodes.map((n) => fetchStatus(n.url)));
    await waitFor(async () => (await statuses()).every((s) => s?.phase === 'consuming'), { what: 'nodes consuming', timeoutMs: 60_000 });
    const producer = createProducer(createKafka({ brokers: c.brokers }));
    await producer.connect();
    const authority = loadKeyFile(c.layout.authorityKey);
    const dept = new SigningKey(sha256(utf8('proof-cluster:dept')));
    const channel = c.genesis.genesis.channel;
    const authorityId = c.genesis.genesis.authorities[0]!.departmentId;
    const events: EventBody[] = [
      { channel, departmentId: authorityId, keyVersion: 1, sequence: 1n, clientTimeMs: 0n, departmentRegistered: { departmentId: 'dept.realestate', name: '不动产登记中心', publicKey: dept.publicKey, rights: { certificateTypeIds: ['BDC'], resourceIds: [], govern: false, seize: false, audit: false } } },
    ];
    const issue: EventBody = {
      channel,
      departmentId: 'dept.realestate',
      keyVersion: 1,
      sequence: 1n,
      clientTimeMs: 0n,
      certificateIssued: { certificateId: CERT_ID, certificateTypeId: 'BDC', holderCommitment: sha256(utf8('h')), attributesRoot: sha256(utf8('a')), documentSha256: sha256(utf8('d')), validUntilMs: 0n, attributeNames: ['面积'], certificateTypeName: '' },
    };
    await producer.send({ topic: channelTopic(channel), acks: -1, messages: [{ value: Buffer.from(buildSignedEvent(events[0]!, authority).recordValue) }] });
    await producer.send({ topic: channelTopic(channel), acks: -1, messages: [{ value: Buffer.from(buildSignedEvent(issue, dept).recordValue) }] });
    await waitFor(async () => (await statuses()).every((s) => s !== undefined && Number(s.committedEvents) >= 2), { what: 'both events committed on all nodes', timeoutMs: 60_000 });
    await producer.disconnect();
    await Promise.all([1, 2, 3].map((n) => c.stopNode(n)));

    const out = join(dataDir, 'cert.bin');
    const p = runCli(['proof', '--cert', CERT_ID, '--data', dataDir, '--node', '2', '--out', out, '--format', 'binary']);
    expect(p.status, p.stderr).toBe(0);
    const v = runCli(['verify', out, '--anchor', c.layout.genesis, '--json']);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    const r = JSON.parse(v.stdout);
    expect(r.verdict).toBe('VALID');
    expect(r.header.signers.length).toBeGreaterThanOrEqual(c.genesis.genesis.quorum);
    expect(c.genesis.genesis.quorum).toBe(2);

    expect(runCli(['proof', '--cert', 'no-such', '--data', dataDir, '--node', '1', '--out', join(dataDir, 'u.bin'), '--format', 'binary']).status).toBe(0);
    expect(runCli(['verify', join(dataDir, 'u.bin'), '--anchor', c.layout.genesis]).status).toBe(4);

    const other = createGenesis({ channel, authorities: [{ departmentId: authorityId, name: 'x', publicKey: authority.publicKey }], nodes: [SigningKey.generate().publicKey], quorum: 1 });
    writeFileSync(join(dataDir, 'other-genesis.bin'), other.bytes);
    const w = runCli(['verify', out, '--anchor', join(dataDir, 'other-genesis.bin'), '--json']);
    expect([w.status, JSON.parse(w.stdout).reasons[0].code]).toEqual([1, 'WRONG_GENESIS']);
    expect(readFileSync(out).length).toBeLessThan(2953);
  });
});
