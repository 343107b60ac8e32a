/**
 * @module cli/commands/disclose
 * `ledger disclose --salts FILE --attr NAME [--attr NAME ...] --out FILE [--root HEX]`: the
 * holder's selective disclosure (ledger/disclosure.ts; DESIGN.md sections 5 and 10): the chosen
 * attributes with values, salts, leaf indexes and RFC 9162 proofs, as JSON. With `--root` (the
 * certificate's attributes root) a salts file that does not give it is refused.
 *
 * `--bundle FILE --qr` writes the holder's presentation instead (issue 24;
 * verifier/holder-presentation.ts): the bundle, the holder's salt and the chosen attributes as one
 * QR code (`--out` a .png or .svg), or two (`NAME-1.png`, `NAME-2.png`) when they do not fit, so
 * that the clerk scans them and types only the ID number on the holder's identity card.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { tryFromHex } from '../../ledger/bytes.js';
import { buildDisclosure, disclosureToJson } from '../../ledger/disclosure.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { parseSaltsFile } from '../../producers/payloads.js';
import { collect } from '../args.js';
import { presentationParts } from '../../verifier/holder-presentation.js';
import { readBundleFile } from './proof.js';
import { writeOut, writeQrCode } from '../../proofs/bundle-files.js';

interface DiscloseOptions {
  salts: string;
  attr: string[];
  out: string;
  root?: string;
  force?: boolean;
  bundle?: string;
  qr?: boolean;
}

/** The holder's presentation as QR code image(s); returns the files written. */
async function writePresentation(opts: DiscloseOptions, salts: ReturnType<typeof parseSaltsFile>, disclosure: ReturnType<typeof buildDisclosure> | undefined): Promise<string[]> {
  if (opts.bundle === undefined) throw new LedgerError('USAGE', '--qr needs --bundle FILE (the proof bundle of the certificate, from ledger proof)', {});
  const read = readBundleFile(opts.bundle);
  if ('error' in read) throw new LedgerError('BAD_ARGUMENT', `${opts.bundle}: ${read.error}`, { path: opts.bundle });
  const salt = tryFromHex(salts.holder.salt)!;
  let parts: Uint8Array[];
  try {
    parts = presentationParts(read.bundle, salt, disclosure, salts.certificate);
  } catch (e) {
    throw new LedgerError('PAYLOAD_TOO_LARGE', (e as Error).message, {});
  }
  const ext = extname(opts.out);
  const files = parts.length === 1 ? [opts.out] : parts.map((_, i) => `${opts.out.slice(0, opts.out.length - ext.length)}-${i + 1}${ext}`);
  for (const [i, part] of parts.entries()) await writeQrCode(part, files[i]!, opts.force);
  return files;
}

export function registerDisclose(program: Command): void {
  program
    .command('disclose')
    .description("disclose chosen certificate attributes from the holder's salts file (values, salts, Merkle proofs)")
    .requiredOption('--salts <file>', "the holder's salts file")
    .option('--attr <name>', 'an attribute to disclose (repeatable; with --qr, none is allowed: the holder check only)', collect((v: string) => v))
    .requiredOption('--out <file>', 'where to write the disclosure (JSON), or with --qr the QR image (.png or .svg)')
    .option('--bundle <file>', "the certificate's proof bundle (ledger proof), for --qr")
    .option('--qr', "write the holder's presentation (bundle, holder salt, chosen attributes) as one QR code, or two when it does not fit")
    .option('--root <hex>', "the certificate's attributes root: refuse a salts file that does not give it")
    .option('--force', 'overwrite an existing file')
    .action(async (opts: DiscloseOptions) => {
      opts.attr = opts.attr ?? [];
      let text: string;
      try {
        text = readFileSync(opts.salts, 'utf8');
      } catch (e) {
        throw new LedgerError('FILE_UNREADABLE', `cannot read ${opts.salts}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: opts.salts });
      }
      let root: Uint8Array | undefined;
      if (opts.root !== undefined) {
        root = tryFromHex(opts.root);
        if (root === undefined || root.length !== 32) throw new LedgerError('BAD_ARGUMENT', '--root must be 64 hex characters', {});
      }
      const salts = parseSaltsFile(text, opts.salts);
      if (opts.qr) {
        const chosen = opts.attr.length > 0 ? buildDisclosure(salts, opts.attr, root) : undefined;
        const files = await writePresentation(opts, salts, chosen);
        process.stdout.write(`${files.join(', ')}: the presentation of ${salts.certificate} (bundle, holder salt${chosen ? `, ${chosen.attributes.map((a) => a.name).join(', ')}` : ''}) in ${files.length} QR code(s); the clerk types only the ID number\n`);
        return;
      }
      if (opts.attr.length === 0) throw new LedgerError('USAGE', 'give --attr NAME (at least one), or --qr with --bundle', {});
      const d = buildDisclosure(salts, opts.attr, root);
      writeOut(opts.out, `${JSON.stringify(disclosureToJson(d), null, 2)}\n`, opts.force);
      process.stdout.write(`${opts.out}: ${d.attributes.map((a) => a.name).join(', ')} of ${d.leafCount} attributes of ${d.certificateId}\n`);
    });
}
