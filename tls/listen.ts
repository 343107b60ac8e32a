/**
 * @module tls/listen
 * How a service of the project other than a node listens (issue 22: TLS wherever a network is
 * crossed): the exchange point and the witness serve HTTPS with a certificate and key given to
 * them, or plain HTTP when told `plain-loopback`, which they take only on a loopback address.
 */
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { z } from 'zod';
import { LedgerError } from '../errors/ledger-error.js';
import { loadApiCertificate } from './server-tls.js';

/** A service's TLS in its configuration: certificate and key files, or plain on loopback, said. */
export const serviceTlsSchema = z.union([z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict(), z.literal('plain-loopback')]);
export type ServiceTls = z.infer<typeof serviceTlsSchema>;

export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/**
 * Listens on host:port (port 0 picks one) over HTTPS or, said and on loopback only, plain HTTP.
 * Resolves with the server and its URL once listening.
 * @throws LedgerError BAD_ARGUMENT (plain off loopback, a bad certificate), UNAVAILABLE (cannot listen)
 */
export async function listenService(handler: RequestListener, host: string, port: number, tls: ServiceTls, what: string): Promise<{ server: Server; url: string }> {
  if (tls === 'plain-loopback' && !LOOPBACK_HOSTS.includes(host)) {
    throw new LedgerError('BAD_ARGUMENT', `${what}: plain HTTP only on loopback (127.0.0.1), not on ${host}: a network is crossed, give a TLS certificate and key`, { host });
  }
  const server: Server =
    tls === 'plain-loopback'
      ? createHttpServer(handler)
      : (() => {
          const c = loadApiCertificate(tls.cert, tls.key);
          return createHttpsServer({ key: c.keyPem, cert: c.certPem, minVersion: 'TLSv1.3' }, handler);
        })();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new LedgerError('UNAVAILABLE', `${what}: cannot listen on ${host}:${port}: ${e.code ?? e.message}`, { host, port })));
    server.listen(port, host.replace(/^\[|\]$/g, ''), () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : `${host}:${port}`;
  return { server, url: `${tls === 'plain-loopback' ? 'http' : 'https'}://${bound}` };
}
