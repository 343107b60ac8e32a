/** @module stack/package-info  The package's own metadata, read from package.json next to dist/. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The project's root folder (the one holding package.json), from dist/cli or cli/. */
export const PROJECT_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'gov-audit-ledger') return dir;
    } catch {
      /* keep looking upwards */
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the project root (package.json)');
})();

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
