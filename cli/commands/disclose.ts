/**
 * @module cli/commands/disclose
 * `ledger disclose --salts FILE --attr NAME [--attr NAME ...] --out FILE [--root HEX]`: the
 * holder's selective disclosure (ledger/disclosure.ts; DESIGN.md sections 5 and 10): the chosen
 * attributes with values, salts, leaf indexes and RFC 9162 proofs, as JSON. With `--root` (the
 * certificate's attributes root) a salts file that does not give it is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { tryFromHex } from '../../ledger/bytes.js';
import { buildDisclosure, disclosureToJson } from '../../ledger/disclosure.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { parseSaltsFile } from '../../producers/payloads.js';
import { collect } from '../args.js';

export function registerDisclose(program: Command): void {
  program
    .command('disclose')
    .description("disclose chosen certificate attributes from the holder's salts file (values, salts, Merkle proofs)")
    .requiredOption('--salts <file>', "the holder's salts file")
    .requiredOption('--attr <name>', 'an attribute to disclose (repeatable)', collect((v: string) => v))
    .requiredOption('--out <file>', 'where to write the disclosure (JSON)')
    .option('--root <hex>', "the certificate's attributes root: refuse a salts file that does not give it")
    .option('--force', 'overwrite an existing file')
    .action((opts: { salts: string; attr: string[]; out: string; root?: string; force?: boolean }) => {
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
      const d = buildDisclosure(parseSaltsFile(text, opts.salts), opts.attr, root);
      try {
        writeFileSync(opts.out, `${JSON.stringify(disclosureToJson(d), null, 2)}\n`, { flag: opts.force ? 'w' : 'wx' });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new LedgerError('FILE_EXISTS', `${opts.out} exists; use --force to overwrite`, { path: opts.out });
        throw new LedgerError('FILE_UNREADABLE', `cannot write ${opts.out}: ${code ?? (e as Error).message}`, { path: opts.out });
      }
      process.stdout.write(`${opts.out}: ${d.attributes.map((a) => a.name).join(', ')} of ${d.leafCount} attributes of ${d.certificateId}\n`);
    });
}
