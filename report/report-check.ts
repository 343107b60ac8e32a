/**
 * @module report/report-check
 * `ledger audit --report FILE`: recomputes a published sharing report from the chain, at the
 * header it names, through the same fold (report/report-fold.ts), and names the first figure that
 * differs. The report's anchor must be a header of this chain: a report computed on another chain,
 * or on a header the chain does not hold, is a finding too.
 */
import type { ChainSource } from '../verifier/audit-source.js';
import { computeReport } from './report-chain.js';
import { firstDifferentFigure, type SharingReport } from './report-fold.js';

export interface ReportCheck {
  ok: boolean;
  /** REPORT_MATCHES, REPORT_ANCHOR_MISMATCH (another header at that height), REPORT_BEYOND_HEAD, REPORT_FIGURE_DIFFERS */
  code: 'REPORT_MATCHES' | 'REPORT_ANCHOR_MISMATCH' | 'REPORT_BEYOND_HEAD' | 'REPORT_FIGURE_DIFFERS';
  message: string;
  figures: number;
  key?: string;
  published?: number | null;
  recomputed?: number | null;
}

export async function checkPublishedReport(source: ChainSource, published: SharingReport): Promise<ReportCheck> {
  const height = BigInt(published.anchor.height);
  const head = await source.headHeight();
  const figures = Object.keys(published.figures).length;
  if (height > head || height < 1n) {
    return { ok: false, code: 'REPORT_BEYOND_HEAD', figures, message: `the report is anchored at height ${height}; the chain's head is ${head}` };
  }
  const window = {
    fromMs: BigInt(published.window.fromMs),
    toMs: BigInt(published.window.toMs),
    ...(published.window.department !== null ? { department: published.window.department } : {}),
  };
  const recomputed = await computeReport(source, window, { height });
  if (recomputed.anchor.headerHash !== published.anchor.headerHash) {
    return { ok: false, code: 'REPORT_ANCHOR_MISMATCH', figures, message: `the report names header ${published.anchor.headerHash} at height ${height}; this chain's header there is ${recomputed.anchor.headerHash}` };
  }
  const diff = firstDifferentFigure(published, recomputed);
  if (diff !== undefined) {
    return {
      ok: false,
      code: 'REPORT_FIGURE_DIFFERS',
      figures,
      key: diff.key,
      published: diff.published ?? null,
      recomputed: diff.recomputed ?? null,
      message: `figure ${diff.key}: the report says ${diff.published ?? '(absent)'}, the chain gives ${diff.recomputed ?? '(absent)'}`,
    };
  }
  return { ok: true, code: 'REPORT_MATCHES', figures, message: `every figure of the report (${figures}) recomputed from the chain at height ${height} matches` };
}
