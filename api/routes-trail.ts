/**
 * @module api/routes-trail
 * The public trail (issues 21, 22, 24): what lets a citizen list the reads about them, and a
 * certificate holder the online checks of their certificate, from a node that serves whole blocks
 * only to auditors (api/access-policy.ts). The index says, per committed block, where each
 * ExchangeRead sits with its published salt and trail tag, and where each CertificateVerified sits
 * with its certificate's hash: random-looking values that link nothing (ledger/subject.ts). A
 * read's event is served only to whoever shows its opening (the preimage of its tag, which only
 * the subject secret's holder can compute); a verification only to whoever names its certificate,
 * as the certificate's proof bundle is. Anything else is the same 404 as an event that does not
 * exist, so that the routes do not tell which events are reads. The matching runs at the caller
 * (verifier/trail.ts).
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { trailTagOfOpening } from '../ledger/subject.js';
import type { Response } from 'express';
import { decode } from '../proto/codec.js';
import type { EventBody } from '../proto/schema.generated.js';
import { TRAIL_INDEX_MAX_BLOCKS, TRAIL_INDEX_MAX_ENTRIES, trailIndexOfBlock, type TrailIndexEntry } from '../verifier/trail.js';
import type { ApiContext } from './context.js';
import { eventIdParam } from './routes-chain.js';
import { jsonObject, type RouteSpec } from './route-spec.js';
import { hex32, heightText, identifier, parse, queryOf } from './validation.js';
import { blockAt, eventView, inclusionView } from './views.js';


export function trailRoutes(ctx: ApiContext): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/v1/trail/index',
      tag: 'trail',
      summary: `the public trail index of up to ${TRAIL_INDEX_MAX_BLOCKS} committed blocks from \`from\`: each exchange read's salt and trail tag, each recorded verification's certificate key; nothing else of any event`,
      params: [
        { name: 'from', in: 'query', description: 'the first height (default 1)', validator: heightText },
        { name: 'to', in: 'query', description: `the last height (default: the head, or from + ${TRAIL_INDEX_MAX_BLOCKS - 1} if less)`, validator: heightText },
      ],
      responses: { '200': jsonObject(`{ head, from, to, entries: [{ eventId, height, logPosition, kind: read | verification, salt?, tag?, certificateKey? }] }; \`to\` ends the page early after the block that brings it to ${TRAIL_INDEX_MAX_ENTRIES} entries, and is below \`from\` when the chain is empty`) },
      handler: async (req, res) => {
        const q = queryOf(req.query, ['from', 'to']);
        const head = ctx.blocks.head.height;
        const from = q.from === undefined ? 1n : parse(heightText, q.from, 'from');
        const last = from + BigInt(TRAIL_INDEX_MAX_BLOCKS) - 1n;
        const to = q.to === undefined ? (head < last ? head : last) : parse(heightText, q.to, 'to');
        if (to > last) throw new LedgerError('BAD_ARGUMENT', `to ${to}: at most ${TRAIL_INDEX_MAX_BLOCKS} blocks per page`, { parameter: 'to' });
        if (from > head && head > 0n) throw new LedgerError('NOT_FOUND', `from ${from} is beyond the head ${head}`, { parameter: 'from', head: head.toString() });
        if (to > head) throw new LedgerError('NOT_FOUND', `to ${to} is beyond the head ${head}`, { parameter: 'to', head: head.toString() });
        if (to < from && head > 0n) throw new LedgerError('BAD_ARGUMENT', `from ${from} is beyond to ${to}`, { parameter: 'from' });
        // a page ends early after the block that brings it to TRAIL_INDEX_MAX_ENTRIES (a block adds at
        // most max_block_events), so that a page of busy blocks stays within the clients' JSON bound
        const entries: TrailIndexEntry[] = [];
        let end = to;
        for (let h = from; h <= to; h++) {
          entries.push(...trailIndexOfBlock(await blockAt(ctx, h), ctx.genesis.limits));
          if (entries.length >= TRAIL_INDEX_MAX_ENTRIES) {
            end = h;
            break;
          }
        }
        res.json({ head: head.toString(), from: from.toString(), to: end.toString(), entries });
      },
    },
    {
      method: 'get',
      path: '/v1/trail/reads/{eventId}',
      tag: 'trail',
      summary: "an exchange read's event for whoever shows its opening (the 32-byte preimage of its trail tag): the event view of GET /v1/events/{eventId} with its inclusion proof",
      description: 'An event that is not an exchange read, or whose tag the opening does not hash to, is 404 like an event that does not exist.',
      params: [eventIdParam, { name: 'opening', in: 'query', required: true, description: "the read's trail opening, 64 hex digits (ledger/subject.ts trailOpening)", validator: hex32 }],
      responses: { '200': jsonObject("the event with `inclusionProof` (RFC 9162, against the head header's log size and root)") },
      handler: async (req, res) => {
        const q = queryOf(req.query, ['opening']);
        if (q.opening === undefined) throw new LedgerError('BAD_ARGUMENT', 'opening is required', { parameter: 'opening' });
        const opening = parse(hex32, q.opening, 'opening');
        await serveIf(ctx, req.params.eventId, res, (body) => body.exchangeRead !== undefined && bytesEqual(trailTagOfOpening(opening), body.exchangeRead.subjectCommitment));
      },
    },
    {
      method: 'get',
      path: '/v1/trail/verifications/{eventId}',
      tag: 'trail',
      summary: "a recorded certificate verification's event for whoever names its certificate (as its proof bundle is): the event view of GET /v1/events/{eventId} with its inclusion proof",
      description: 'An event that is not a verification of the named certificate is 404 like an event that does not exist.',
      params: [eventIdParam, { name: 'certificateId', in: 'query', required: true, description: 'the certificate the verification names', validator: identifier }],
      responses: { '200': jsonObject("the event with `inclusionProof` (RFC 9162, against the head header's log size and root)") },
      handler: async (req, res) => {
        const q = queryOf(req.query, ['certificateId']);
        if (q.certificateId === undefined) throw new LedgerError('BAD_ARGUMENT', 'certificateId is required', { parameter: 'certificateId' });
        const certificateId = parse(identifier, q.certificateId, 'certificateId');
        await serveIf(ctx, req.params.eventId, res, (body) => body.certificateVerified?.certificateId === certificateId);
      },
    },
  ];
}

/** Serves the committed event `eventIdText` with its inclusion proof if `fits` its body; else the 404 of no event. */
async function serveIf(ctx: ApiContext, eventIdText: unknown, res: Response, fits: (body: EventBody) => boolean): Promise<void> {
  const id = parse(hex32, eventIdText, 'eventId');
  const notFound = new LedgerError('NOT_FOUND', `no committed read or verification ${toHex(id)} fits what was shown`, { eventId: toHex(id) });
  const loc = await ctx.state.eventLocation(id);
  if (loc === undefined || loc.height > ctx.blocks.head.height) throw notFound;
  const block = await blockAt(ctx, loc.height);
  const e = block.events[loc.index];
  if (e === undefined) throw new LedgerError('INTERNAL', 'the event index points outside its block', {});
  if (!fits(decode('EventBody', e.event!.body, ctx.genesis.limits))) throw notFound;
  res.json({ ...eventView(ctx, loc.height, loc.index, loc.logPosition, e, id), inclusionProof: await inclusionView(ctx, loc.logPosition) });
}
