/**
 * @module stack/prerequisites
 * Finding the programs the system needs outside Node (java and mvn for Kafka, Debian's chromium
 * for browser tests) and saying how to install a missing one (exit code 7).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { LedgerError } from '../errors/ledger-error.js';

export type Program = 'java' | 'mvn' | 'chromium' | 'ip' | 'tc';

const INSTALL_HINT: Record<Program, string> = {
  java: 'install Java 17: apt-get install -y openjdk-17-jre-headless',
  mvn: 'install Maven: apt-get install -y maven',
  chromium: "install Debian's Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)",
  // the fault harness's network namespaces and netem (chaos/topology.ts), run as root
  ip: 'install iproute2: apt-get install -y iproute2',
  tc: 'install iproute2: apt-get install -y iproute2',
};

/** The first executable named `name` on PATH (or in `path`), or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Where a program lives; chromium honours CHROMIUM_PATH first. */
export function locate(program: Program, path?: string): string | undefined {
  if (program === 'chromium') {
    const override = process.env.CHROMIUM_PATH;
    if (override) return override;
    return findExecutable('chromium', path) ?? findExecutable('chromium-browser', path);
  }
  return findExecutable(program, path);
}

/**
 * The program's path.
 * @throws LedgerError MISSING_PREREQUISITE naming what to install
 */
export function requireProgram(program: Program, path?: string): string {
  const found = locate(program, path);
  if (found === undefined) {
    throw new LedgerError('MISSING_PREREQUISITE', `${program} was not found on PATH: ${INSTALL_HINT[program]}`, { program });
  }
  return found;
}

/** The first line a program prints for its version (java prints to stderr), or undefined. */
export function programVersion(executable: string, args: string[]): string | undefined {
  const r = spawnSync(executable, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) return undefined;
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
  return text.split('\n').find((l) => l.trim() !== '')?.trim();
}

export function installHint(program: Program): string {
  return INSTALL_HINT[program];
}
