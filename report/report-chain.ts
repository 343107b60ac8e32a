/**
 * @module report/report-chain
 * Feeds the report fold (report/report-fold.ts) from a chain: a node's LevelDB folder or its API,
 * through the auditor's ChainSource (verifier/audit-source.ts), block by block up to a committed
 * header that becomes the report's anchor. The node's API, `ledger report` and
 * `ledger audit --report` all compute through computeReport.
 */
import { toHex } from '../ledger/bytes.js';
import { loadGenesis } from '../ledger/genesis.js';
import { eventId, headerHash } from '../ledger/hash.js';
import { LedgerError } from '../errors/ledger-error.js';
import { decode, encode } from '../proto/codec.js';
import type { ChainSource } from '../verifier/audit-source.js';
import { ReportFold, type ReportAnchor, type ReportWindow, type SharingReport } from './report-fold.js';

export interface ComputeReportOptions {
  /** List the event ids behind every figure. */
  evidence?: boolean;
  /** Compute at this committed height (default: the source's head). */
  height?: bigint;
  /** Called after each block with (height, head, events folded so far). */
  progress?: (height: bigint, head: bigint, events: number) => void;
}

/** The report over `source` for `window`, anchored at the head (or `opts.height`). */
export async function computeReport(source: ChainSource, window: ReportWindow, opts: ComputeReportOptions = {}): Promise<SharingReport> {
  const genesis = loadGenesis(await source.genesisBytes());
  const head = await source.headHeight();
  const at = opts.height ?? head;
  if (at > head) throw new LedgerError('NOT_FOUND', `the chain's head is at height ${head}, below the asked height ${at}`, { height: at.toString(), head: head.toString() });
  if (at < 1n) throw new LedgerError('NOT_FOUND', 'the chain has no committed block yet: there is nothing to report', { height: '0' });
  const fold = new ReportFold(window, { evidence: opts.evidence, authorities: genesis.genesis.authorities.map((a) => ({ departmentId: a.departmentId, name: a.name })) });
  let anchor: ReportAnchor | undefined;
  let events = 0;
  for (let h = 1n; h <= at; h++) {
    const stored = await source.block(h);
    if (stored === undefined) throw new LedgerError('NOT_FOUND', `block ${h} is missing from the source`, { height: h.toString() });
    const block = decode('Block', stored.block, genesis.limits);
    const header = block.header;
    if (header === undefined || header.height !== h) throw new LedgerError('MALFORMED', `the block stored at height ${h} has no header for that height`, { height: h.toString() });
    for (const inc of block.events) {
      const body = decode('EventBody', inc.event!.body, genesis.limits);
      fold.add({ eventId: eventId(inc.event!.body), height: h, recordTimeMs: inc.recordTimeMs, departmentId: body.departmentId, resultCode: inc.resultCode, body });
      events++;
    }
    if (h === at) {
      const commit = decode('Commit', stored.commit, genesis.limits);
      anchor = {
        height: h.toString(),
        headerHash: toHex(headerHash(encode('BlockHeader', header))),
        blockTimeMs: header.blockTimeMs.toString(),
        logSize: header.logSize.toString(),
        logRoot: toHex(header.logRoot),
        stateRoot: toHex(header.stateRoot),
        genesisHash: toHex(genesis.hash),
        channel: genesis.genesis.channel,
        signatures: commit.signatures.map((s) => ({ nodeIndex: s.nodeIndex, signature: toHex(s.signature) })),
      };
    }
    opts.progress?.(h, at, events);
  }
  return fold.result(anchor!);
}
