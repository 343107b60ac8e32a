/**
 * @module api/node-api
 * A consensus node with its API: runNode (consensus/node-process.ts) with the express app on the
 * node's HTTP server (beside `/status` and the peers' ws `/peer`), the ws stream, and every commit
 * forwarded to the API and, when the genesis names witnesses, to the witness feeder
 * (witness/node-witnessing.ts: after the commit, never in it). This is what `ledger node` runs.
 */
import type { NodeConfig } from '../consensus/node-config.js';
import { runNode, type RunNodeOptions, type RunningNode } from '../consensus/node-process.js';
import { createApi, type Api, type ApiOptions } from './app.js';
import { isLedgerError } from '../errors/ledger-error.js';
import { startNodeWitnessing, type NodeWitnessing } from '../witness/node-witnessing.js';
import { signedCheckpoint } from './checkpoint-note.js';

export async function runNodeWithApi(config: NodeConfig, options: Omit<RunNodeOptions, 'onRequest' | 'onCommitted'> & { api?: ApiOptions } = {}): Promise<{ node: RunningNode; api: Api }> {
  let api: Api | undefined;
  let witnessing: NodeWitnessing | undefined;
  const node = await runNode(config, {
    ...options,
    onRequest: (req, res) => {
      if (api !== undefined) api.app(req, res);
      else res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'UNAVAILABLE', message: 'the API is starting' }));
    },
    onCommitted: (height) => {
      api?.onCommitted(height);
      witnessing?.onCommitted();
    },
    statusExtra: () => (witnessing === undefined ? {} : { witnesses: witnessing.status() }),
  });
  const stores = { genesis: config.genesis, blocks: node.core.blocks };
  witnessing = startNodeWitnessing({
    genesis: config.genesis,
    nodeDir: config.dataDir,
    headCheckpoint: async () => {
      if (node.core.blocks.head.height === 0n) return undefined;
      try {
        return (await signedCheckpoint(stores)).note;
      } catch (e) {
        // a head whose commit carries fewer than q note signatures (taken from a peer) has no checkpoint
        if (isLedgerError(e) && (e.code === 'UNAVAILABLE' || e.code === 'NOT_FOUND')) return undefined;
        throw e;
      }
    },
    headLogSize: () => BigInt(node.core.merkle.size),
    consistencyProof: async (o, n) => node.core.merkle.consistencyProof(Number(o), Number(n)),
    log: options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} node-${config.nodeIndex} ${line}\n`)),
  });
  witnessing?.onCommitted();
  api = createApi(
    {
      genesis: config.genesis,
      blocks: node.core.blocks,
      merkle: node.core.merkle,
      state: node.core.state,
      projections: node.projections,
      produce: node.produce,
      status: node.status,
      ...(witnessing !== undefined ? { witnessed: witnessing.stored } : {}),
    },
    { access: config.apiAccess, ...(options.log ? { log: options.log } : {}), ...options.api },
  );
  api.attach(node.server);
  const mode = config.apiAccess.mode === 'signed' ? 'signed requests (RFC 9421)' : 'OPEN LOCAL MODE: no authentication, loopback only';
  const line = `API at http://${config.host}:${config.port}/v1, ${mode} (OpenAPI: /v1/openapi.json; stream: ws /v1/stream; C2SP: /checkpoint, /tile/...)`;
  if (options.log) options.log(line);
  else process.stderr.write(`${new Date().toISOString()} node-${config.nodeIndex} ${line}\n`);
  const stop = node.stop;
  const a = api;
  node.stop = async () => {
    a.close(); // ws stream clients first: the server waits for its connections
    witnessing?.stop();
    await stop();
  };
  return { node, api };
}
