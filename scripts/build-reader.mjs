// Builds the reader page (issue 13): reader/main.ts and the verifier it imports, bundled for the
// browser with esbuild (platform browser: a Node import fails the build), into dist/reader/
// reader.js beside a copy of reader/index.html. Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'reader');
// the folder is served as is (api/app.ts): only the page and its bundle, not tsc's per-module
// output of reader/*.ts (type-checked by tsc, but useless to a browser)
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'reader', 'main.ts')],
  outfile: join(out, 'reader.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(root, 'reader', 'index.html'), join(out, 'index.html'));
if (!process.argv.includes('--quiet')) {
  process.stdout.write(`reader page: ${join('dist', 'reader', 'index.html')} + reader.js (${Math.round(statSync(join(out, 'reader.js')).size / 1024)} KiB)\n`);
}
