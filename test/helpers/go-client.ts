/**
 * The stock C2SP client of the witness tests (issue 23): test/go/cosigcheck, a small Go program
 * over golang.org/x/mod/sumdb/note and filippo.io/torchwood v0.6.1 from the Go module proxy, built
 * once into `<project>/.cache/go/bin`. A missing `go` fails the test with what to install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from '../../stack/prerequisites.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE = join(ROOT, 'test', 'go', 'cosigcheck');

/** Builds (when missing or older than its source) and returns the path of cosigcheck. */
export function buildCosigcheck(): string {
  const out = join(ROOT, '.cache', 'go', 'bin', 'cosigcheck');
  const source = join(SOURCE, 'main.go');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return out;
  const go = findExecutable('go');
  if (go === undefined) throw new Error('go is needed by the witness interoperability tests: install Go 1.24 or later (https://go.dev/dl; Debian: apt-get install golang-go)');
  mkdirSync(dirname(out), { recursive: true });
  execFileSync(go, ['build', '-o', out, '.'], { cwd: SOURCE, env: { ...process.env, CGO_ENABLED: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

/** Runs cosigcheck; returns its JSON line, or throws with its stderr. */
export function runCosigcheck(args: string[]): Record<string, unknown> {
  const out = execFileSync(buildCosigcheck(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as Record<string, unknown>;
}
