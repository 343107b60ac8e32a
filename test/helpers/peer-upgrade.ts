/**
 * The HTTP status an upgrade on a node's peer path gets (issue 22): 101 when the link opens, else
 * the refusal's status, for a TLS client showing this identity's certificate, or none.
 */
import WebSocket from 'ws';
import type { TlsIdentity } from '../../tls/identity.js';

export function peerUpgradeStatus(url: string, identity: TlsIdentity | undefined): Promise<number> {
  const ws = new WebSocket(url, { rejectUnauthorized: false, ...(identity ? { key: identity.keyPem, cert: identity.certPem, sigalgs: 'ed25519' } : {}) });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}
