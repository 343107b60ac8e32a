/**
 * @module bench/tessera-posix
 * The reference the `merkle` group measures its append rate against (issue 28): Tessera
 * (transparency-dev, Go) with its POSIX storage, run by the small program in bench/tessera/. It
 * is built here with `go build` from the Go module proxy into `<project>/.cache/go/bin` (the way
 * Kafka comes from Maven; Go's build cache makes later builds a no-op). No `go`, or a build that
 * fails, makes the figure *unavailable* with the reason and what to install: never skipped silently.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../stack/package-info.js';
import { findExecutable } from '../stack/prerequisites.js';

const run = promisify(execFile);

/** The Tessera release bench/tessera/go.mod pins. */
export const TESSERA_VERSION = 'v1.0.4';
export const INSTALL_GO = 'install Go 1.24 or later (go.dev, or Debian trixie: apt-get install golang-go), which fetches Tessera from the Go module proxy';

/** The built program, or why there is none. */
export type TesseraBench = { ok: true; program: string } | { ok: false; unavailable: string };

/** Builds bench/tessera (quick when nothing changed). */
export async function buildTesseraBench(): Promise<TesseraBench> {
  const go = findExecutable('go');
  if (go === undefined) return { ok: false, unavailable: `unavailable: go is not on PATH; ${INSTALL_GO}` };
  const bin = join(PROJECT_ROOT, '.cache', 'go', 'bin');
  const program = join(bin, 'tessera-posix-bench');
  mkdirSync(bin, { recursive: true });
  try {
    await run(go, ['build', '-o', program, '.'], { cwd: join(PROJECT_ROOT, 'bench', 'tessera'), env: { ...process.env, CGO_ENABLED: '0' }, maxBuffer: 16 << 20 });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? (e as Error).message).trim().split('\n').slice(-3).join(' / ');
    return { ok: false, unavailable: `unavailable: go build of bench/tessera (Tessera ${TESSERA_VERSION}) failed: ${stderr}` };
  }
  return { ok: true, program };
}

/**
 * Appends `entries` random 32-byte entries to a fresh Tessera POSIX log in `dir` (which must not
 * exist yet) and returns entries per second, from the first add to a signed checkpoint covering
 * the last entry.
 * @throws Error when the program fails or prints something else than its one JSON line
 */
export async function runTesseraBench(program: string, dir: string, entries: number): Promise<number> {
  const { stdout } = await run(program, ['-dir', dir, '-entries', String(entries)], { maxBuffer: 16 << 20 });
  const line = stdout.trim().split('\n').pop() ?? '';
  let parsed: { entries?: unknown; per_s?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new Error(`tessera-posix-bench printed no JSON result: ${line.slice(0, 200)}`);
  }
  if (parsed.entries !== entries || typeof parsed.per_s !== 'number' || !(parsed.per_s > 0)) {
    throw new Error(`tessera-posix-bench printed an unexpected result: ${line.slice(0, 200)}`);
  }
  return parsed.per_s;
}
