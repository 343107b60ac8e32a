/**
 * The exchange point's department lookups (exchange/chain-view.ts, issue 21): requests in flight
 * together share one lookup of a department's keys at the node, the answer is reused for the
 * cache time, and asked again after it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiChainView } from '../../exchange/chain-view.js';
import { toHex } from '../../ledger/bytes.js';
import { SigningKey } from '../../ledger/key-file.js';
import { DEFAULT_LIMITS } from '../../proto/limits.js';

const key = SigningKey.generate();
let asked = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  // a node's GET /v1/departments/{id}, answering slowly enough that the lookups overlap
  server = createServer((req, res) => {
    if (req.url !== '/v1/departments/dept.civil') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: 'no such department' }));
      return;
    }
    asked++;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ record: { suspended: false }, keys: [{ version: 1, publicKey: toHex(key.publicKey), retiredAt: null, compromisedFrom: null }] }));
    }, 50);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('ApiChainView.department (exchange/chain-view.ts)', () => {
  it('shares one lookup among concurrent requests, reuses it for the cache time, then asks again', async () => {
    const view = new ApiChainView(url, DEFAULT_LIMITS, 300);
    const answers = await Promise.all(Array.from({ length: 50 }, () => view.department('dept.civil')));
    expect(asked).toBe(1);
    expect(answers.every((a) => a !== undefined && a.activeKeys.get(1)?.length === 32 && !a.suspended)).toBe(true);
    await view.department('dept.civil');
    expect(asked).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    await Promise.all([view.department('dept.civil'), view.department('dept.civil')]);
    expect(asked).toBe(2);
    expect(await view.department('dept.nobody')).toBeUndefined();
    view.close();
  });
});
