/** Runs the built CLI (dist/cli/main.js), as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runNodeScript(script: string, args: string[], timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`../../${script}`, import.meta.url)), ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
