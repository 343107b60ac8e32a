/**
 * @module api/routes-chain
 * The chain itself: genesis (the trust anchor), head, headers, blocks (JSON and the raw
 * BlockWithCommit protobuf the auditor reads, DESIGN.md section 11), events by id with their
 * result and RFC 9162 inclusion proof, consistency proofs between two log sizes, node status.
 */
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { eventId } from '../ledger/hash.js';
import { encode } from '../proto/codec.js';
import type { ApiContext } from './context.js';
import { toJson } from './json.js';
import { jsonObject, type RouteSpec } from './route-spec.js';
import { formatText, hex32, heightText, intText, parse, queryOf, safeIntText } from './validation.js';
import { blockAt, commitView, eventView, headerView, headHeader, inclusionView, requireCommitted } from './views.js';

/** Headers per page (each is read from its stored block, up to max_block_bytes). */
const HEADER_LIST_MAX = 256;

const heightParam = { name: 'height', in: 'path' as const, description: 'block height (decimal, from 1)', validator: heightText };
export const eventIdParam = { name: 'eventId', in: 'path' as const, description: 'event id: SHA-256("ledger:event:v1" || body), 64 hex digits', validator: hex32 };

export function chainRoutes(ctx: ApiContext): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/v1/genesis',
      tag: 'chain',
      summary: 'the genesis bytes: the trust anchor (its hash is what readers pin)',
      params: [{ name: 'format', in: 'query', description: '`binary` (default: the Genesis protobuf) or `json`', validator: formatText }],
      responses: {
        '200': { description: 'the genesis', content: { 'application/octet-stream': { type: 'string', format: 'binary' }, 'application/json': { type: 'object' } } },
      },
      handler: (req, res) => {
        const q = queryOf(req.query, ['format']);
        const format = q.format === undefined ? 'binary' : parse(formatText, q.format, 'format');
        if (format === 'json') {
          res.json({ genesisHash: toHex(ctx.genesis.hash), genesis: toJson(ctx.genesis.genesis), bytes: toHex(ctx.genesis.bytes) });
        } else if (format === 'binary') {
          res.type('application/octet-stream').send(Buffer.from(ctx.genesis.bytes));
        } else throw new LedgerError('BAD_ARGUMENT', 'format must be binary or json', { parameter: 'format' });
      },
    },
    {
      method: 'get',
      path: '/v1/head',
      tag: 'chain',
      summary: 'the committed head: height, header and its commit (quorum signatures)',
      responses: { '200': jsonObject('the head; `header` and `commit` are null before block 1', { height: { type: 'string' }, headerHash: { type: 'string' } }) },
      handler: async (_req, res) => {
        const head = ctx.blocks.head;
        const header = await headHeader(ctx);
        const commit = head.height === 0n ? undefined : await ctx.blocks.commit(head.height);
        res.json({ height: head.height.toString(), headerHash: toHex(head.headerHash), header: header ? headerView(header) : null, commit: commit ? commitView(commit) : null });
      },
    },
    {
      method: 'get',
      path: '/v1/headers',
      tag: 'chain',
      summary: 'committed headers from a height, in order',
      params: [
        { name: 'from', in: 'query', description: 'first height (default 1)', validator: heightText },
        { name: 'limit', in: 'query', description: `how many, 1..${HEADER_LIST_MAX} (default 100)`, validator: intText(1, HEADER_LIST_MAX) },
      ],
      responses: { '200': jsonObject('headers; `next` is the next height to ask for, or null at the head', { items: { type: 'array' }, next: { type: 'string', nullable: true } }) },
      handler: async (req, res) => {
        const q = queryOf(req.query, ['from', 'limit']);
        const from = q.from === undefined ? 1n : parse(heightText, q.from, 'from');
        const limit = q.limit === undefined ? 100 : parse(intText(1, HEADER_LIST_MAX), q.limit, 'limit');
        const head = ctx.blocks.head.height;
        const items = [];
        let h = from;
        for (; h <= head && items.length < limit; h++) items.push(headerView((await ctx.blocks.header(h))!));
        res.json({ items, next: h <= head ? h.toString() : null });
      },
    },
    {
      method: 'get',
      path: '/v1/headers/{height}',
      tag: 'chain',
      summary: 'one committed header with its commit',
      params: [heightParam],
      responses: { '200': jsonObject('the header and its commit') },
      handler: async (req, res) => {
        const height = parse(heightText, req.params.height, 'height');
        requireCommitted(ctx, height);
        const [header, commit] = await Promise.all([ctx.blocks.header(height), ctx.blocks.commit(height)]);
        if (header === undefined) throw new LedgerError('NOT_FOUND', `no committed block at height ${height}`, { height: height.toString() });
        res.json({ header: headerView(header), commit: commit ? commitView(commit) : null });
      },
    },
    {
      method: 'get',
      path: '/v1/blocks/{height}',
      tag: 'chain',
      summary: 'one committed block: header, commit, and every included event with its result',
      params: [heightParam],
      responses: { '200': jsonObject('the block') },
      handler: async (req, res) => {
        const height = parse(heightText, req.params.height, 'height');
        const block = await blockAt(ctx, height);
        const commit = await ctx.blocks.commit(height);
        const header = block.header!;
        const first = header.logSize - BigInt(block.events.length);
        res.json({
          header: headerView(header),
          commit: commit ? commitView(commit) : null,
          events: block.events.map((e, i) => eventView(ctx, height, i, first + BigInt(i), e, eventId(e.event!.body))),
        });
      },
    },
    {
      method: 'get',
      path: '/v1/blocks/{height}/raw',
      tag: 'chain',
      summary: 'one committed block as the protobuf BlockWithCommit (the block bytes as stored, and its Commit): what `ledger audit --api` reads',
      params: [heightParam],
      responses: { '200': { description: 'BlockWithCommit bytes', content: { 'application/octet-stream': { type: 'string', format: 'binary' } } } },
      handler: async (req, res) => {
        const height = parse(heightText, req.params.height, 'height');
        requireCommitted(ctx, height);
        const [block, commit] = await Promise.all([ctx.blocks.blockBytes(height), ctx.blocks.commit(height)]);
        if (block === undefined || commit === undefined) throw new LedgerError('NOT_FOUND', `no committed block at height ${height}`, {});
        res.type('application/octet-stream').send(Buffer.from(encode('BlockWithCommit', { block, commit })));
      },
    },
    {
      method: 'get',
      path: '/v1/events/{eventId}',
      tag: 'chain',
      summary: 'an included event: its block, log position, result code, body, and its inclusion proof against the head',
      params: [eventIdParam],
      responses: { '200': jsonObject('the event with `inclusionProof` (RFC 9162, against the head header\'s log size and root)') },
      handler: async (req, res) => {
        const id = parse(hex32, req.params.eventId, 'eventId');
        const loc = await ctx.state.eventLocation(id);
        if (loc === undefined || loc.height > ctx.blocks.head.height) throw new LedgerError('NOT_FOUND', `event ${toHex(id)} is not in the committed chain`, { eventId: toHex(id) });
        const block = await blockAt(ctx, loc.height);
        const e = block.events[loc.index];
        if (e === undefined) throw new LedgerError('INTERNAL', 'the event index points outside its block', {});
        res.json({ ...eventView(ctx, loc.height, loc.index, loc.logPosition, e, id), inclusionProof: await inclusionView(ctx, loc.logPosition) });
      },
    },
    {
      method: 'get',
      path: '/v1/proofs/consistency',
      tag: 'chain',
      summary: 'the RFC 9162 consistency proof between two log sizes (default `to`: the head\'s log size)',
      params: [
        { name: 'from', in: 'query', required: true, description: 'the older log size', validator: safeIntText },
        { name: 'to', in: 'query', description: 'the newer log size (at most the head\'s)', validator: safeIntText },
      ],
      responses: { '200': jsonObject('{ from, to, fromRoot, toRoot, hashes }') },
      handler: async (req, res) => {
        const q = queryOf(req.query, ['from', 'to']);
        if (q.from === undefined) throw new LedgerError('BAD_ARGUMENT', 'from is required', { parameter: 'from' });
        const from = parse(safeIntText, q.from, 'from');
        const to = q.to === undefined ? ctx.merkle.size : parse(safeIntText, q.to, 'to');
        // a size this node's log has not reached (yet) is absent, as a height beyond the head is
        if (to > ctx.merkle.size) throw new LedgerError('NOT_FOUND', `to ${to} is beyond the log size ${ctx.merkle.size}`, { parameter: 'to', logSize: String(ctx.merkle.size) });
        if (from > ctx.merkle.size) throw new LedgerError('NOT_FOUND', `from ${from} is beyond the log size ${ctx.merkle.size}`, { parameter: 'from', logSize: String(ctx.merkle.size) });
        if (from > to) throw new LedgerError('BAD_ARGUMENT', `from ${from} is beyond to ${to}`, { parameter: 'from' });
        const [hashes, fromRoot, toRoot] = await Promise.all([ctx.merkle.consistencyProof(from, to), ctx.merkle.rootAt(from), ctx.merkle.rootAt(to)]);
        res.json({ from: String(from), to: String(to), fromRoot: toHex(fromRoot), toRoot: toHex(toRoot), hashes: hashes.map(toHex) });
      },
    },
    {
      method: 'get',
      path: '/v1/status',
      tag: 'node',
      summary: 'the node: phase, height, offsets, lag, peers, alarms (also at /status), the log size and the projections\' height',
      responses: { '200': jsonObject('the status') },
      handler: async (_req, res) => {
        // projections behind the chain (a folder from before nodes wrote them) need `ledger rebuild --apply`
        const projectionsHeight = (await ctx.projections.height()).toString();
        res.json({ ...((ctx.status?.() as object | undefined) ?? {}), genesisHash: toHex(ctx.genesis.hash), channel: ctx.genesis.genesis.channel, height: ctx.blocks.head.height.toString(), logSize: String(ctx.merkle.size), projectionsHeight });
      },
    },
  ];
}
