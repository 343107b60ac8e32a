/**
 * The direction of imports (DESIGN.md section 12, issue 18), checked on every `npm test`:
 *  - `errors/` imports nothing of ours; `proto/` (the wire schema) only `errors/`;
 *  - `ledger/` (pure rules, hashing, Merkle log, state) knows no node, Kafka, LevelDB or HTTP;
 *  - `verifier/` and `reader/` reach, through every import, nothing that cannot run in a browser;
 *  - `consensus/` (the node) reaches no offline tool, server, stack or command line;
 *  - nothing imports `cli/` but `cli/` itself; no import cycle between files.
 * The source files are read as text: relative imports and package names, type-only imports too
 * (they are a dependency of the design even when erased).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_FOLDERS = ['errors', 'proto', 'ledger', 'tls', 'consensus', 'producers', 'kafka', 'verifier', 'reader', 'report', 'proofs', 'replay', 'audit', 'witness', 'api', 'exchange', 'stack', 'bench', 'chaos', 'cli'];

interface SourceFile {
  /** Path from the project root, `/`-separated, with its `.ts` ending. */
  path: string;
  folder: string;
  /** Project files it imports (paths as above). */
  files: string[];
  /** Packages it imports (`node:fs`, `level`, `@noble/hashes/sha2.js`, ...). */
  packages: string[];
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...listTs(rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/** Parses the imports of the given files (`text` overrides a file's contents: the planted test). */
export function readSources(paths: string[], text: Record<string, string> = {}): Map<string, SourceFile> {
  const files = new Map<string, SourceFile>();
  for (const path of paths) {
    const src = text[path] ?? readFileSync(join(ROOT, path), 'utf8');
    const f: SourceFile = { path, folder: path.split('/')[0]!, files: [], packages: [] };
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('.')) {
        const target = normalize(join(dirname(path), spec)).split(sep).join('/').replace(/\.js$/, '.ts');
        f.files.push(target);
      } else f.packages.push(spec);
    }
    files.set(path, f);
  }
  return files;
}

/** Packages a browser cannot load (servers, Node built-ins, native stores, Kafka). */
const NOT_IN_A_BROWSER = (pkg: string) => pkg.startsWith('node:') || ['level', 'classic-level', 'memory-level', 'abstract-level', 'kafkajs', 'express', 'ws', 'commander', 'cli-progress', 'qrcode'].includes(pkg);

/** The folders each folder may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  proto: ['errors'],
  ledger: ['errors', 'proto'],
  verifier: ['errors', 'proto', 'ledger'],
  // the reader page draws the sharing report with report/'s own document (issue 25); what it
  // reaches there is held to the browser rule below like the rest of reader/
  reader: ['errors', 'proto', 'ledger', 'verifier', 'report'],
  // the sharing performance report (issue 25): one pure fold over a ChainSource
  report: ['errors', 'proto', 'ledger', 'verifier'],
  kafka: ['errors', 'proto', 'ledger', 'stack'],
  producers: ['errors', 'proto', 'ledger', 'kafka'],
  // TLS certificates, pinning and trust (issue 22): below the node, the stack and the clients
  tls: ['errors', 'ledger'],
  consensus: ['errors', 'proto', 'ledger', 'kafka', 'tls'],
  proofs: ['errors', 'proto', 'ledger', 'verifier', 'consensus'],
  replay: ['errors', 'proto', 'ledger', 'consensus'],
  audit: ['errors', 'proto', 'ledger', 'verifier', 'consensus', 'replay'],
  witness: ['errors', 'proto', 'ledger', 'tls'],
  api: ['errors', 'proto', 'ledger', 'verifier', 'report', 'consensus', 'proofs', 'producers', 'kafka', 'stack', 'witness', 'tls'],
  // the exchange point (issue 21): a department's service over a node's API and its own outbox
  exchange: ['errors', 'proto', 'ledger', 'verifier', 'producers', 'kafka', 'api', 'stack', 'tls'],
  stack: ['errors', 'proto', 'ledger', 'verifier', 'consensus', 'proofs', 'producers', 'kafka', 'api', 'witness', 'exchange', 'tls'],
  bench: ['errors', 'proto', 'ledger', 'verifier', 'report', 'consensus', 'proofs', 'replay', 'audit', 'producers', 'kafka', 'api', 'stack', 'exchange', 'tls'],
  // the fault harness (issue 26): drives a stack of processes and checks their copies
  chaos: ['errors', 'proto', 'ledger', 'consensus', 'audit', 'producers', 'kafka', 'stack', 'tls'],
  cli: SOURCE_FOLDERS,
};

/** Packages a folder must not import directly (ledger/ knows no node, Kafka, LevelDB or HTTP). */
const FORBIDDEN_PACKAGES: Record<string, (pkg: string) => boolean> = {
  errors: () => true,
  proto: (p) => p !== 'protobufjs' && p !== 'protobufjs/minimal.js',
  ledger: (p) => ['level', 'classic-level', 'kafkajs', 'express', 'ws', 'node:http', 'node:https', 'node:net', 'commander'].includes(p),
};

/** Every broken rule, as one line each. */
export function layeringViolations(files: Map<string, SourceFile>): string[] {
  const problems: string[] = [];
  for (const f of files.values()) {
    for (const target of f.files) {
      const to = target.split('/')[0]!;
      if (to === f.folder) continue;
      if (to === 'cli') problems.push(`${f.path} imports ${target}: nothing outside cli/ imports the command line`);
      else if (!(MAY_IMPORT[f.folder] ?? []).includes(to)) problems.push(`${f.path} imports ${target}: ${f.folder}/ may import only ${(MAY_IMPORT[f.folder] ?? []).join(', ') || 'nothing of ours'}`);
    }
    for (const pkg of f.packages) {
      if (FORBIDDEN_PACKAGES[f.folder]?.(pkg) === true) problems.push(`${f.path} imports the package ${pkg}, which ${f.folder}/ must not know`);
    }
  }
  // verifier/ and reader/ run in a browser: nothing they reach may need Node or a server.
  const seen = new Set<string>();
  const visit = (path: string, via: string[]) => {
    if (seen.has(path)) return;
    seen.add(path);
    const f = files.get(path);
    if (f === undefined) return;
    for (const pkg of f.packages) if (NOT_IN_A_BROWSER(pkg)) problems.push(`${[...via, path].join(' -> ')} imports ${pkg}: verifier/ and reader/ must run in a browser`);
    for (const t of f.files) visit(t, [...via, path]);
  };
  for (const f of files.values()) if (f.folder === 'verifier' || f.folder === 'reader') visit(f.path, []);
  // No cycles between files (Tarjan's strongly connected components, in path order).
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of files.get(v)?.files ?? []) {
      if (!files.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) problems.push(`import cycle: ${component.sort().join(', ')}`);
    }
  };
  for (const v of [...files.keys()].sort()) if (!idx.has(v)) strong(v);
  return problems;
}

const sourcePaths = () => SOURCE_FOLDERS.flatMap((d) => listTs(d));

describe('the direction of imports (DESIGN.md section 12)', () => {
  it('every source folder is in the layering table', () => {
    const top = readdirSync(ROOT).filter((n) => statSync(join(ROOT, n)).isDirectory() && !n.startsWith('.') && !['node_modules', 'dist', 'test', 'docs', 'scripts'].includes(n));
    const withTs = top.filter((d) => listTs(d).length > 0);
    expect(withTs.filter((d) => !SOURCE_FOLDERS.includes(d))).toEqual([]);
  });

  it('no import breaks the layering, reaches Node from the browser verifier, or closes a cycle', () => {
    expect(layeringViolations(readSources(sourcePaths()))).toEqual([]);
  });

  it('catches planted wrong-way imports', () => {
    const paths = sourcePaths();
    const plant = (path: string, line: string) => readSources(paths, { [path]: `${line}\n${readFileSync(join(ROOT, path), 'utf8')}` });
    expect(layeringViolations(plant('ledger/hash.ts', "import { NodeCore } from '../consensus/node-core.js';")).join('\n')).toMatch(/ledger\/hash\.ts imports consensus\/node-core\.ts: ledger\/ may import only errors, proto/);
    expect(layeringViolations(plant('api/app.ts', "import { registerUp } from '../cli/commands/up.js';")).join('\n')).toMatch(/nothing outside cli\/ imports the command line/);
    expect(layeringViolations(plant('ledger/bytes.ts', "import { Level } from 'level';")).join('\n')).toMatch(/ledger\/bytes\.ts imports the package level/);
    expect(layeringViolations(plant('ledger/bytes.ts', "import { readFileSync } from 'node:fs';")).join('\n')).toMatch(/verifier\/.* -> ledger\/bytes\.ts imports node:fs: verifier\/ and reader\/ must run in a browser/);
    expect(layeringViolations(plant('proto/limits.ts', "import { sha256 } from '../ledger/hash.js';")).join('\n')).toMatch(/proto\/limits\.ts imports ledger\/hash\.ts/);
    expect(layeringViolations(plant('ledger/merkle.ts', "import type { MerkleStage } from './merkle-log.js';")).join('\n')).toMatch(/import cycle: .*ledger\/merkle-log\.ts.*ledger\/merkle\.ts|import cycle: .*ledger\/merkle\.ts/);
  });
});
