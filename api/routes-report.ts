/**
 * @module api/routes-report
 * GET /v1/report: the sharing performance report (issue 25) over this node's committed chain,
 * computed by the same fold as `ledger report` and `ledger audit --report` (report/), so the three
 * cannot disagree. The last few reports are kept per (window, department, head height): a new
 * block makes a new one.
 */
import { z } from 'zod';
import { encode } from '../proto/codec.js';
import { LedgerError } from '../errors/ledger-error.js';
import { computeReport } from '../report/report-chain.js';
import { reportCsv } from '../report/report-files.js';
import type { SharingReport } from '../report/report-fold.js';
import { reportHtml } from '../report/report-html.js';
import { reportWindow } from '../report/report-window.js';
import type { ChainSource } from '../verifier/audit-source.js';
import type { ApiContext } from './context.js';
import { type RouteSpec } from './route-spec.js';
import { identifier, parse, queryOf } from './validation.js';

const dateText = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date YYYY-MM-DD (a day in China Standard Time)');
const reportFormat = z.enum(['json', 'html', 'csv']);
const CACHE_ENTRIES = 8;

/** The node's own chain as the auditor's ChainSource: committed blocks only. */
function nodeChainSource(ctx: ApiContext): ChainSource {
  return {
    genesisBytes: async () => ctx.genesis.bytes,
    headHeight: async () => ctx.blocks.head.height,
    block: async (height) => {
      if (height < 1n || height > ctx.blocks.head.height) return undefined;
      const [block, commit] = await Promise.all([ctx.blocks.blockBytes(height), ctx.blocks.commit(height)]);
      return block === undefined || commit === undefined ? undefined : { block, commit: encode('Commit', commit) };
    },
  };
}

export function reportRoutes(ctx: ApiContext): RouteSpec[] {
  const cache = new Map<string, SharingReport>();
  return [
    {
      method: 'get',
      path: '/v1/report',
      tag: 'report',
      summary: 'the sharing performance report (政务信息资源共享绩效评估) over [from, to] (days in China Standard Time; `to` must not be before `from`), per department, anchored at the head: JSON, printable HTML or CSV',
      params: [
        { name: 'from', in: 'query', required: true, description: 'first day counted, YYYY-MM-DD (China Standard Time)', validator: dateText },
        { name: 'to', in: 'query', required: true, description: 'last day counted (inclusive), YYYY-MM-DD', validator: dateText },
        { name: 'department', in: 'query', description: "only this department's figures", validator: identifier },
        { name: 'format', in: 'query', description: 'json (default) | html | csv', validator: reportFormat },
      ],
      responses: {
        '200': {
          description: 'the report',
          content: { 'application/json': { type: 'object' }, 'text/html': { type: 'string' }, 'text/csv': { type: 'string' } },
        },
      },
      handler: async (req, res) => {
        const q = queryOf(req.query, ['from', 'to', 'department', 'format']);
        if (q.from === undefined || q.to === undefined) throw new LedgerError('BAD_ARGUMENT', 'give the period: ?from=YYYY-MM-DD&to=YYYY-MM-DD', { parameter: q.from === undefined ? 'from' : 'to' });
        const from = parse(dateText, q.from, 'from');
        const to = parse(dateText, q.to, 'to');
        const department = q.department === undefined ? undefined : parse(identifier, q.department, 'department');
        const format = q.format === undefined ? 'json' : parse(reportFormat, q.format, 'format');
        const window = reportWindow(from, to, department);
        const key = `${window.fromMs}:${window.toMs}:${department ?? ''}:${ctx.blocks.head.height}`;
        let report = cache.get(key);
        if (report === undefined) {
          report = await computeReport(nodeChainSource(ctx), window);
          if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
          cache.set(key, report);
        }
        if (format === 'html') res.type('text/html; charset=utf-8').send(reportHtml(report));
        else if (format === 'csv') res.type('text/csv; charset=utf-8').send(reportCsv(report));
        else res.json(report);
      },
    },
  ];
}
