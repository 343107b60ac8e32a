/**
 * @module cli/commands/trail
 * `ledger trail --subject-secret FILE --api URL`: the citizen's own trail (谁查询了我的数据): every
 * read an exchange point recorded about the holder of the subject secret (issued with the consent),
 * with who asked, who served, what, when, under which grant, consent and purpose, and whether it
 * was served or refused, each with its inclusion proof checked (exchange/trail-scan.ts).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LedgerError } from '../../errors/ledger-error.js';
import { parseSubjectSecretFile } from '../../ledger/subject.js';
import { scanTrail } from '../../exchange/trail-scan.js';

export function registerTrail(program: Command): void {
  program
    .command('trail')
    .description('list every read about you that an exchange point recorded (谁查询了我的数据), found with your subject secret; the node never learns whose trail is listed')
    .requiredOption('--subject-secret <file>', 'your subject secret file (JSON { subject, secret }, given to you with your consent)')
    .requiredOption('--api <url>', "a node's API (e.g. http://127.0.0.1:7101)")
    .option('--no-proofs', 'do not fetch the inclusion proofs (fetching them tells the node which events you look at)')
    .option('--json', 'print JSON')
    .action(async (opts: { subjectSecret: string; api: string; proofs: boolean; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(opts.subjectSecret, 'utf8');
      } catch (e) {
        throw new LedgerError('FILE_UNREADABLE', `--subject-secret ${opts.subjectSecret} cannot be read: ${(e as Error).message}`, {});
      }
      const { secret } = parseSubjectSecretFile(text, `--subject-secret ${opts.subjectSecret}`);
      const trail = await scanTrail(opts.api, secret, { proofs: opts.proofs });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ reads: trail }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${trail.length} 条关于您的数据查询记录 (reads about you)\n`);
      for (const e of trail) {
        const when = new Date(Number(e.recordTimeMs)).toISOString();
        const proof = e.inclusion === undefined ? '' : e.inclusion.verified ? ' 包含证明✓' : ' 包含证明✗ (INCLUSION PROOF FAILED)';
        process.stdout.write(
          `${when}  ${e.granteeDepartmentId} 查询 ${e.sourceDepartmentId}/${e.resourceId} [${e.fields.join(', ')}] 用途 ${e.purpose || '-'} 授权 ${e.grantId || '-'} 同意书 ${e.consentId || '-'}: ${e.resultName === 'OK' ? '已提供 served' : `已拒绝 refused (${e.resultName})`}  block ${e.height} event ${e.eventId.slice(0, 16)}…${proof}\n`,
        );
      }
      if (trail.some((e) => e.inclusion !== undefined && !e.inclusion.verified)) throw new LedgerError('CHECK_FAILED', 'an inclusion proof does not verify', {});
    });
}
