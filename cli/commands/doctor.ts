/** @module cli/commands/doctor  `ledger doctor`: are the prerequisites here, and does the Ed25519 self-test pass? */
import type { Command } from 'commander';
import { LedgerError } from '../../errors/ledger-error.js';
import { selfTestEd25519 } from '../../ledger/signature.js';
import { installHint, locate, programVersion, type Program } from '../../stack/prerequisites.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const VERSION_ARGS: Record<Program, string[]> = { java: ['-version'], mvn: ['--version'], chromium: ['--version'], ip: ['-V'], tc: ['-V'] };

export function runDoctor(): Check[] {
  const checks: Check[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'node', ok: nodeMajor >= 20, detail: `v${process.versions.node}${nodeMajor >= 20 ? '' : ' (Node 20 or later is required)'}` });
  for (const program of ['java', 'mvn', 'chromium'] as const) {
    const path = locate(program);
    const version = path ? programVersion(path, VERSION_ARGS[program]) : undefined;
    checks.push({ name: program, ok: version !== undefined, detail: path ? `${path}: ${version ?? 'does not run'}` : installHint(program) });
  }
  try {
    selfTestEd25519();
    checks.push({ name: 'ed25519 self-test', ok: true, detail: `OpenSSL ${process.versions.openssl} agrees with the rule` });
  } catch (e) {
    checks.push({ name: 'ed25519 self-test', ok: false, detail: (e as Error).message });
  }
  return checks;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the prerequisites (Node 20, Java 17, Maven, Chromium) and the Ed25519 self-test')
    .option('--json', 'print the checks as JSON')
    .action((opts: { json?: boolean }) => {
      const checks = runDoctor();
      if (opts.json) process.stdout.write(`${JSON.stringify({ ok: checks.every((c) => c.ok), checks }, null, 2)}\n`);
      else for (const c of checks) process.stdout.write(`${c.ok ? 'ok     ' : 'MISSING'} ${c.name.padEnd(18)} ${c.detail}\n`);
      const missing = checks.filter((c) => !c.ok).map((c) => c.name);
      if (missing.length > 0) {
        throw new LedgerError('MISSING_PREREQUISITE', `missing or failing: ${missing.join(', ')}`, { missing });
      }
    });
}
