/**
 * An API node over a real chain core without Kafka (test/helpers/chain.ts): the express app of
 * api/app.ts on a free port, its `produce` feeding the same core so that `?wait=commit` commits
 * for real. Returns the base URL and a stop function.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi, type Api, type ApiAccess } from '../../api/app.js';
import { decode } from '../../proto/codec.js';
import type { TestChain } from './chain.js';

export interface TestApi {
  api: Api;
  base: string;
  stop(): Promise<void>;
}

/**
 * `log`: where the API's log lines go (default: stderr); `readerDir`: serve the reader page from
 * there (default: none); `observe`: called with every request once its answer is done (sent, or
 * the connection closed), with the express request (`req.route`: the route it matched, if any).
 */
export async function startTestApi(
  chain: TestChain,
  opts: { log?: (line: string) => void; access?: ApiAccess; readerDir?: string; observe?: (req: IncomingMessage, res: ServerResponse) => void } = {},
): Promise<TestApi> {
  const api: Api = createApi(
    {
      genesis: chain.genesis,
      blocks: chain.core.blocks,
      merkle: chain.core.merkle,
      state: chain.core.state,
      projections: chain.projections!,
      // Kafka's stand-in: the records go to the same core, in one block, as a node would consume them
      produce: async (values) => {
        const baseOffset = (chain as unknown as { nextOffset: bigint }).nextOffset;
        const events = values.map((v) => decode('TopicRecord', v).event!);
        const r = await chain.block(events);
        setImmediate(() => r.heights.forEach((h) => api.onCommitted(h)));
        return { partition: 0, baseOffset };
      },
      status: () => ({ phase: 'consuming' }),
    },
    // the open local mode unless a test asks for the production mode (test/unit/api-auth.test.ts, test/integration/api-fuzz.test.ts)
    { access: opts.access ?? { mode: 'open-loopback' }, readerDir: opts.readerDir ?? null, log: opts.log ?? ((l) => process.stderr.write(`${l}\n`)) },
  );
  const server = createServer(api.app);
  const observe = opts.observe;
  if (observe !== undefined) server.on('request', (req: IncomingMessage, res: ServerResponse) => res.once('close', () => observe(req, res)));
  api.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    api,
    base,
    stop: async () => {
      api.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
