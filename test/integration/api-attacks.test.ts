/**
 * The attacker's view of a real cluster in the signed API mode (issue 22): three node processes
 * from dist/, a real broker, LevelDB. Departments are registered on chain through the signed API;
 * then unsigned reads of every non-public route of the OpenAPI document are refused with 401 and a
 * code, a department reading another's records is refused, replayed and expired signed requests
 * are refused, a peer with a key the genesis does not pin cannot join (the nodes serve HTTPS and
 * the peer path refuses its TLS certificate), plain HTTP gets no answer, and the nodes stay up and
 * keep committing through all of it. The demo's curl form (`curl --cacert ... -H @<(ledger
 * sign-request ...)`) is run for real.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { loadKeyFile, SigningKey, writeNewKeyFile } from '../../ledger/key-file.js';
import { encode } from '../../proto/codec.js';
import type { EventBody } from '../../proto/schema.generated.js';
import { nodeIdentity } from '../../tls/identity.js';
import { CA_FILE_ENV } from '../../tls/client-trust.js';
import { signedFetch, signedHeaders, type RequestSigner } from '../../producers/signed-fetch.js';
import { runCliAsync } from '../helpers/cli.js';
import { scratchDir, waitFor } from '../helpers/kafka.js';
import { withNodeLogs } from '../helpers/cluster-logs.js';
import { peerUpgradeStatus } from '../helpers/peer-upgrade.js';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

const signerOf = (departmentId: string, key: SigningKey): RequestSigner => ({ keyid: `department/${departmentId}/1`, sign: (m) => key.sign(m) });

describe('an attacker against a cluster in the signed API mode', () => {
  it('is refused everywhere it is not allowed, and the nodes stay up', { timeout: 300_000 }, () => withNodeLogs(() => cluster, scenario));
});

async function scenario(): Promise<void> {
  const dataDir = scratchDir('api-attacks');
  cluster = await startLocalCluster({ apiAccess: 'signed', auditors: ['dept.audit'], dataDir, brokerDir: join(dataDir, 'kafka'), batchTimeoutMs: 100n, heartbeatIntervalMs: 1_000n, log: () => undefined });
  const c = cluster;
  const [n1, n2] = c.nodes.map((n) => n.url) as [string, string, string];
  const statuses = () => Promise.all(c.nodes.map((n) => fetchStatus(n.url)));
  await waitFor(async () => (await statuses()).every((s) => s?.phase === 'consuming'), { what: 'nodes consuming', timeoutMs: 90_000 });
  for (const n of [1, 2, 3]) expect(JSON.parse(readFileSync(c.layout.nodeConfig(n), 'utf8')).api).toEqual({ access: 'signed', auditors: ['dept.audit'] });

  const authorityKey = loadKeyFile(c.layout.authorityKey);
  const authority = signerOf('authority.city', authorityKey);
  const keys = { a: SigningKey.generate(), b: SigningKey.generate(), audit: writeNewKeyFile(join(dataDir, 'dept.audit.ed25519key')) };
  const ev = (dept: string, key: SigningKey, sequence: bigint, payload: Partial<EventBody>) =>
    encode('SignedEvent', buildSignedEvent({ channel: 'property', departmentId: dept, keyVersion: 1, sequence, clientTimeMs: 0n, ...payload } as EventBody, key, c.genesis.limits).signed);
  const submit = async (signer: RequestSigner, body: Uint8Array) => {
    const r = await signedFetch(signer, `${n1}/v1/events?wait=commit&timeoutMs=60000`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    const json = (await r.json()) as Record<string, unknown>;
    expect([r.status, json.resultName], JSON.stringify(json)).toEqual([200, 'OK']);
  };

  // an unsigned submission is refused before anything is read
  const unsigned = await fetch(`${n1}/v1/events`, { method: 'POST', body: Buffer.from(ev('authority.city', authorityKey, 1n, { departmentSuspended: { departmentId: 'x', reason: 'x' } })), headers: { 'content-type': 'application/octet-stream' } });
  expect([unsigned.status, ((await unsigned.json()) as { code: string }).code]).toEqual([401, 'UNAUTHENTICATED']);

  // the authority registers two departments and the auditor through the signed API
  const register = (id: string, key: SigningKey, seq: bigint, resources: string[] = []) =>
    submit(authority, ev('authority.city', authorityKey, seq, { departmentRegistered: { departmentId: id, name: id, publicKey: key.publicKey, rights: { certificateTypeIds: [], resourceIds: resources, govern: false, seize: false, audit: false } } }));
  await register('dept.a', keys.a, 1n);
  await register('dept.b', keys.b, 2n, ['res.b']);
  await register('dept.audit', keys.audit, 3n);
  const a = signerOf('dept.a', keys.a);
  const b = signerOf('dept.b', keys.b);
  const auditor = signerOf('dept.audit', keys.audit);
  // node 1 answered once committed; the others may commit a moment later
  await waitFor(async () => (await signedFetch(b, `${n2}/v1/departments/dept.b`)).status === 200, { what: 'node 2 has dept.b', timeoutMs: 30_000 });
  await submit(b, ev('dept.b', keys.b, 1n, { resourceRegistered: { resourceId: 'res.b', name: '乙资源', shareType: 2, fields: ['f'], updateCycle: 'daily' } }));
  await submit(a, ev('dept.a', keys.a, 1n, { shareRequested: { requestId: 'req.a', resourceId: 'res.b', purpose: '核对', fields: ['f'] } }));

  // 1. unsigned reads of every non-public route of the OpenAPI document: 401 with a code
  const doc = (await (await fetch(`${n2}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-roles': string[] }>> };
  const sample: Record<string, string> = { height: '1', eventId: '00'.repeat(32), certificateId: 'c', requestId: 'req.a', resourceId: 'res.b', departmentId: 'dept.b', level: '0', index: '000' };
  let refused = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op['x-roles'].includes('public')) continue;
      const url = `${n2}${path.replace(/\{([A-Za-z]+)\}/g, (_m, p: string) => sample[p]!)}`;
      const r = await fetch(url, { method: method.toUpperCase(), ...(method === 'post' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      const body = (await r.json()) as { code: string };
      expect([r.status, body.code], `${method} ${url}`).toEqual([401, 'UNAUTHENTICATED']);
      refused++;
    }
  }
  expect(refused).toBeGreaterThanOrEqual(15);
  // the public routes still answer anyone
  expect((await fetch(`${n2}/v1/head`)).status).toBe(200);
  expect((await fetch(`${n2}/checkpoint`)).status).toBe(200);

  // 2. a department reading another's records
  expect((await signedFetch(a, `${n2}/v1/grants?grantee=dept.a`)).status).toBe(200);
  expect((await signedFetch(b, `${n2}/v1/grants?grantee=dept.a`)).status).toBe(403);
  expect((await signedFetch(b, `${n2}/v1/grants/req.a`)).status).toBe(200); // the source of the resource asked for
  expect((await signedFetch(a, `${n2}/v1/rejected?department=dept.b`)).status).toBe(403);
  expect((await signedFetch(a, `${n2}/v1/access?resource=res.b`)).status).toBe(403);
  expect((await signedFetch(a, `${n2}/v1/blocks/1/raw`)).status).toBe(403);
  // the auditor reads everything
  expect((await signedFetch(auditor, `${n2}/v1/grants/req.a`)).status).toBe(200);
  expect((await signedFetch(auditor, `${n2}/v1/stats/departments`)).status).toBe(200);

  // 3. replayed and expired signed requests
  const url = `${n2}/v1/grants?grantee=dept.a`;
  const h = signedHeaders(a, 'GET', url);
  expect((await fetch(url, { headers: h })).status).toBe(200);
  const replay = await fetch(url, { headers: h });
  expect([replay.status, ((await replay.json()) as { code: string }).code]).toEqual([401, 'UNAUTHENTICATED']);
  const expired = await fetch(url, { headers: signedHeaders(a, 'GET', url, undefined, Date.now() - 3_600_000) });
  expect(expired.status).toBe(401);
  // replayed at another node: the signature names the node it was made for (@authority)
  const elsewhere = await fetch(`${c.nodes[2]!.url}/v1/grants?grantee=dept.a`, { headers: signedHeaders(a, 'GET', url) });
  expect(elsewhere.status).toBe(401);

  // 4. the nodes serve HTTPS (issue 22): plain HTTP gets no answer, and a peer whose key the
  //    genesis does not pin cannot join: the peer path refuses its TLS certificate, and none
  expect(n1.startsWith('https://')).toBe(true);
  await expect(fetch(`${n1.replace('https://', 'http://')}/v1/head`, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
  const peerUrl = `${n1.replace('https://', 'wss://')}/peer`;
  expect(await peerUpgradeStatus(peerUrl, await nodeIdentity(SigningKey.generate(), 2))).toBe(403);
  expect(await peerUpgradeStatus(peerUrl, undefined)).toBe(403);

  // 5. the nodes stay up and keep committing: a new event commits and every node reaches it
  await submit(a, ev('dept.a', keys.a, 2n, { shareRequested: { requestId: 'req.a2', resourceId: 'res.b', purpose: '核对', fields: ['f'] } }));
  const top = BigInt(((await (await fetch(`${n1}/v1/head`)).json()) as { height: string }).height);
  await waitFor(async () => (await statuses()).every((s) => s !== undefined && BigInt(s.height as string) >= top), { what: 'every node at the new head', timeoutMs: 60_000 });
  for (const s of await statuses()) {
    expect(s?.phase).toBe('consuming');
    expect(s?.alarms).toEqual([]);
  }

  // 6. the demo's curl line, for real: `ledger sign-request` writes the fields curl reads with -H @file
  const fields = join(dataDir, 'fields.txt');
  const reqUrl = `${n2}/v1/grants?grantee=dept.audit`;
  const caEnv = { ...process.env, [CA_FILE_ENV]: c.caFile! };
  const signed = await runCliAsync(['sign-request', '--key', join(dataDir, 'dept.audit.ed25519key'), '--keyid', 'department/dept.audit/1', reqUrl]);
  expect(signed.status, signed.stderr).toBe(0);
  writeFileSync(fields, signed.stdout);
  // (async: a blocked event loop would miss the servers closing idle sockets, issue 17)
  const curl = async (args: string[]) => (await promisify(execFile)('curl', args, { encoding: 'utf8' }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === 'ENOENT' ? 'this test needs curl: apt-get install curl' : e.message);
  })).stdout;
  const out = await curl(['-s', '--cacert', c.caFile!, '-w', '\n%{http_code}', '-H', `@${fields}`, reqUrl]);
  expect(out.trim().split('\n').pop()).toBe('200');
  expect(JSON.parse(out.trim().split('\n').slice(0, -1).join('\n'))).toMatchObject({ items: [], next: null });
  // the auditor's full read over the API: `ledger audit --api` signs with the auditor's key; unsigned it is refused
  const auditArgs = ['audit', '--api', n2, '--genesis', c.layout.genesis, '--level', 'merkle', '--json'];
  const audited = await runCliAsync([...auditArgs, '--key', join(dataDir, 'dept.audit.ed25519key'), '--keyid', 'department/dept.audit/1'], caEnv);
  expect(audited.status, `${audited.stdout}${audited.stderr}`).toBe(0);
  expect(JSON.parse(audited.stdout)).toMatchObject({ ok: true, findings: [] });
  const refusedAudit = await runCliAsync(auditArgs, caEnv);
  expect(refusedAudit.status).not.toBe(0);
  expect(refusedAudit.stderr).toContain('UNAUTHENTICATED');
  // the same line once more is a replay
  expect(await curl(['-s', '--cacert', c.caFile!, '-o', '/dev/null', '-w', '%{http_code}', '-H', `@${fields}`, reqUrl])).toBe('401');
  // without the stack's CA the CLI says what it could not trust, rather than calling in the clear
  const untrusted = await runCliAsync(auditArgs);
  expect(untrusted.status).not.toBe(0);
  expect(untrusted.stderr).toContain("the node's TLS certificate is not trusted here");
}

