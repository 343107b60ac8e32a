/**
 * @module witness/witness-server
 * The witness over HTTP: `POST /add-checkpoint` (C2SP tlog-witness; the submission prefix is the
 * server root). Bodies are read as text up to MAX_BODY_BYTES.
 */
import express from 'express';
import type { Server } from 'node:http';
import { MAX_BODY_BYTES } from './add-checkpoint-body.js';
import { listenService, type ServiceTls } from '../tls/listen.js';
import type { Witness } from './witness.js';

export function witnessApp(witness: Witness): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.post('/add-checkpoint', express.text({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res, next) => {
    try {
      const body = typeof req.body === 'string' ? req.body : '';
      const answer = await witness.addCheckpoint(body);
      res.status(answer.status).type(answer.contentType).send(answer.body);
    } catch (e) {
      next(e);
    }
  });
  return app;
}

/**
 * Listens on `host:port` (port 0 picks a free one) over HTTPS, or plain HTTP on loopback when said
 * (issue 22, tls/listen.ts); resolves with the server once listening.
 */
export async function listenWitness(witness: Witness, host: string, port: number, tls: ServiceTls): Promise<Server> {
  return (await listenService(witnessApp(witness), host, port, tls, 'witness')).server;
}
