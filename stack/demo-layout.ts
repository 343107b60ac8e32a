/**
 * @module stack/demo-layout
 * Where the demo keeps its files under a stack folder (`DATA/demo/`): department keys, outboxes,
 * holders' salts and subject secrets, documents and the sample bundles.
 */
import { join } from 'node:path';
import { KEY_FILE_EXTENSION } from '../ledger/key-file.js';

export interface DemoLayout {
  root: string;
  keysDir: string;
  outboxDir: string;
  holdersDir: string;
  documentsDir: string;
  samplesDir: string;
  key(departmentId: string): string;
  salts(certificateId: string): string;
  document(certificateId: string): string;
}

/** File-name form of an id (ids may hold ':'). */
export function fileNameOf(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function demoLayout(stackRoot: string): DemoLayout {
  const root = join(stackRoot, 'demo');
  return {
    root,
    keysDir: join(root, 'keys'),
    outboxDir: join(root, 'outbox'),
    holdersDir: join(root, 'holders'),
    documentsDir: join(root, 'documents'),
    samplesDir: join(root, 'samples'),
    key: (d) => join(root, 'keys', `${d}${KEY_FILE_EXTENSION}`),
    salts: (c) => join(root, 'holders', `${fileNameOf(c)}.salts.json`),
    document: (c) => join(root, 'documents', `${fileNameOf(c)}.txt`),
  };
}

