/**
 * @module cli/commands/trail
 * `ledger trail --subject-secret FILE --api URL`: the citizen's own trail (谁查询了我的数据): every
 * read an exchange point recorded about the holder of the subject secret (issued with the consent),
 * with who asked, who served, what, when, under which grant, consent and purpose, and whether it
 * was served or refused, each with its inclusion proof checked (exchange/trail-scan.ts), through
 * the node's public trail index (a node whose API is signed serves it to anyone).
 * `ledger trail --certificate ID --api URL`: who verified the certificate online (用证留痕, issue
 * 24): every CertificateVerified event naming it, with the verifying department, purpose and time.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LedgerError } from '../../errors/ledger-error.js';
import { parseSubjectSecretFile } from '../../ledger/subject.js';
import { scanTrail, scanVerifications } from '../../exchange/trail-scan.js';
import { identifierArg } from '../args.js';

export function registerTrail(program: Command): void {
  program
    .command('trail')
    .description('list every read about you that an exchange point recorded (谁查询了我的数据), found with your subject secret (the node never learns whose trail is listed); or, with --certificate, every online verification of your certificate (用证留痕: who checked it, when, why)')
    .option('--subject-secret <file>', 'your subject secret file (JSON { subject, secret }, given to you with your consent)')
    .option('--certificate <id>', "a certificate's id: list its recorded verifications instead", identifierArg)
    .requiredOption('--api <url>', "a node's API (e.g. http://127.0.0.1:7101)")
    .option('--json', 'print JSON')
    .action(async (opts: { subjectSecret?: string; certificate?: string; api: string; json?: boolean }) => {
      if ((opts.subjectSecret === undefined) === (opts.certificate === undefined)) {
        throw new LedgerError('BAD_ARGUMENT', 'give exactly one of --subject-secret <file> (reads about you) and --certificate <id> (verifications of a certificate)', {});
      }
      if (opts.certificate !== undefined) {
        await printVerifications(opts.api, opts.certificate, opts);
        return;
      }
      const secretFile = opts.subjectSecret!;
      let text: string;
      try {
        text = readFileSync(secretFile, 'utf8');
      } catch (e) {
        throw new LedgerError('FILE_UNREADABLE', `--subject-secret ${secretFile} cannot be read: ${(e as Error).message}`, {});
      }
      const { secret } = parseSubjectSecretFile(text, `--subject-secret ${secretFile}`);
      const trail = await scanTrail(opts.api, secret);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ reads: trail }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${trail.length} 条关于您的数据查询记录 (reads about you)\n`);
      for (const e of trail) {
        const when = new Date(Number(e.recordTimeMs)).toISOString();
        const proof = e.inclusion.verified ? ' 包含证明✓' : ' 包含证明✗ (INCLUSION PROOF FAILED)';
        process.stdout.write(
          `${when}  ${e.granteeDepartmentId} 查询 ${e.sourceDepartmentId}/${e.resourceId} [${e.fields.join(', ')}] 用途 ${e.purpose || '-'} 授权 ${e.grantId || '-'} 同意书 ${e.consentId || '-'}: ${e.resultName === 'OK' ? '已提供 served' : `已拒绝 refused (${e.resultName})`}  block ${e.height} event ${e.eventId.slice(0, 16)}…${proof}\n`,
        );
      }
      if (trail.some((e) => !e.inclusion.verified)) throw new LedgerError('CHECK_FAILED', 'an inclusion proof does not verify', {});
    });
}

/** The recorded verifications of a certificate, each with its inclusion proof checked. */
async function printVerifications(api: string, certificateId: string, opts: { json?: boolean }): Promise<void> {
  const found = await scanVerifications(api, certificateId);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ certificateId, verifications: found }, null, 2)}\n`);
  } else {
    process.stdout.write(`${found.length} 条用证记录 (recorded verifications) of ${certificateId}\n`);
    for (const e of found) {
      const when = new Date(Number(e.recordTimeMs)).toISOString();
      const proof = e.inclusion.verified ? ' 包含证明✓' : ' 包含证明✗ (INCLUSION PROOF FAILED)';
      const fate = e.resultName === 'OK' ? '' : ` (已拒绝 rejected: ${e.resultName})`;
      process.stdout.write(`${when}  ${e.verifierDepartmentId} 核验 verified, 用途 purpose ${e.purpose}${fate}  block ${e.height} event ${e.eventId.slice(0, 16)}…${proof}\n`);
    }
  }
  if (found.some((e) => !e.inclusion.verified)) throw new LedgerError('CHECK_FAILED', 'an inclusion proof does not verify', {});
}
