/**
 * @module cli/commands/audit-access
 * `ledger audit access --api URL [--department D] [--from T] [--to T]`: the auditor's questions
 * about reads (verifier/access-audit.ts) over a node's committed blocks.
 */
import type { Command } from 'commander';
import { HttpChainSource } from '../../api/client.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { loadGenesis } from '../../ledger/genesis.js';
import { decode } from '../../proto/codec.js';
import { isIdentifier } from '../../proto/limits.js';
import { AccessAudit } from '../../verifier/access-audit.js';

function timeArg(flag: string, v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  if (/^\d{1,16}$/.test(v)) return BigInt(v);
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || !Number.isFinite(ms)) throw new LedgerError('BAD_ARGUMENT', `${flag} must be an ISO 8601 time (e.g. 2026-12-01T00:00:00+08:00) or milliseconds`, { parameter: flag });
  return BigInt(ms);
}

export function registerAuditAccess(audit: Command): void {
  audit
    .command('access')
    .description('the reads: served per grantee and resource, refused with reasons, outside any consent, grants used for subjects they do not name')
    // --api and --json are the `audit` command's own options too (commander hands them to the parent): read both
    .option('--api <url>', "a node's API (required)")
    .option('--department <id>', 'only reads where this department asked or served')
    .option('--from <time>', 'record time from (inclusive; ISO 8601 or ms)')
    .option('--to <time>', 'record time to (exclusive)')
    .option('--json', 'print JSON')
    .action(async (opts: { api?: string; department?: string; from?: string; to?: string; json?: boolean }, cmd: Command) => {
      const parent = (cmd.parent?.opts() ?? {}) as { api?: string; json?: boolean };
      const url = opts.api ?? parent.api;
      const json = opts.json === true || parent.json === true;
      if (url === undefined) throw new LedgerError('USAGE', "ledger audit access needs --api <url> (a node's API)", {});
      if (opts.department !== undefined && !isIdentifier(opts.department)) throw new LedgerError('BAD_ARGUMENT', '--department must be a department id', { parameter: 'department' });
      const source = new HttpChainSource(url);
      const genesis = loadGenesis(await source.genesisBytes());
      const a = new AccessAudit({ departmentId: opts.department, fromMs: timeArg('--from', opts.from), toMs: timeArg('--to', opts.to) }, genesis.limits);
      const head = await source.headHeight();
      for (let h = 1n; h <= head; h++) {
        const raw = await source.block(h);
        if (raw === undefined) throw new LedgerError('NOT_FOUND', `no committed block ${h}`, {});
        a.addBlock(decode('Block', raw.block, genesis.limits));
      }
      const r = a.report();
      if (json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const lines = ['已提供的查询 reads served (grantee, resource: via exchange point / self-reported):'];
      for (const s of r.served) lines.push(`  ${s.granteeDepartmentId}  ${s.resourceId}: ${s.exchange} / ${s.selfReported}`);
      lines.push(`已拒绝 reads refused: ${r.refused.length}`);
      for (const x of r.refused) lines.push(`  ${new Date(Number(x.recordTimeMs)).toISOString()} ${x.granteeDepartmentId} -> ${x.resourceId} grant ${x.grantId || '-'}: ${x.resultName}${x.refusal ? ` (${x.refusal})` : ''}  event ${x.eventId.slice(0, 16)}…`);
      lines.push(`无同意书的查询 reads outside any consent: ${r.outsideConsent.length}`);
      for (const x of r.outsideConsent) lines.push(`  ${x.granteeDepartmentId} -> ${x.resourceId} (${x.kind})  event ${x.eventId.slice(0, 16)}…`);
      lines.push(`授权对象不符 grants used for subjects they do not name: ${r.subjectNotCovered.length}`);
      for (const x of r.subjectNotCovered) lines.push(`  ${x.granteeDepartmentId} grant ${x.grantId || '-'} on ${x.resourceId}  event ${x.eventId.slice(0, 16)}…`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
