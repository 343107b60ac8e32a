/**
 * @module proofs/bundle-files
 * Writing a proof bundle to a file in the form a reader takes (DESIGN.md section 10): the binary
 * bundle, its JSON view, or one QR code (byte mode, version 40 at most, error correction L).
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import QRCode from 'qrcode';
import { LedgerError } from '../errors/ledger-error.js';
import { bundleToJson } from '../verifier/bundle-verify.js';

/** The most a version-40 QR code holds in byte mode at error correction L. */
export const QR_MAX_BYTES = 2953;

/** Writes a file, refusing to overwrite one unless `force` (FILE_EXISTS). */
export function writeOut(path: string, data: Uint8Array | string, force: boolean | undefined): void {
  try {
    writeFileSync(path, data, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new LedgerError('FILE_EXISTS', `${path} exists; use --force to overwrite`, { path });
    throw new LedgerError('FILE_UNREADABLE', `cannot write ${path}: ${code ?? (e as Error).message}`, { path });
  }
}

/**
 * Writes bytes as one QR code (byte mode, the smallest version that fits, error correction L): an
 * SVG for a .svg file, else a PNG. Returns 'SVG' or 'PNG'.
 */
export async function writeQrCode(bytes: Uint8Array, out: string, force: boolean | undefined): Promise<'SVG' | 'PNG'> {
  const svg = extname(out).toLowerCase() === '.svg';
  const segments = [{ data: bytes, mode: 'byte' as const }];
  if (svg) writeOut(out, await QRCode.toString(segments, { type: 'svg', errorCorrectionLevel: 'L', margin: 4 }), force);
  else writeOut(out, await QRCode.toBuffer(segments, { type: 'png', errorCorrectionLevel: 'L', margin: 4, scale: 4 }), force);
  return svg ? 'SVG' : 'PNG';
}

/** Writes the bundle in the chosen format: json (the JSON view), binary, or qr (PNG, or SVG for a .svg file). */
export async function writeBundle(bundle: Uint8Array, out: string, format: string, force?: boolean): Promise<string> {
  if (format === 'binary') {
    writeOut(out, bundle, force);
    return `binary, ${bundle.length} bytes`;
  }
  if (format === 'json') {
    writeOut(out, `${JSON.stringify(bundleToJson(bundle), null, 2)}\n`, force);
    return `JSON view of ${bundle.length} binary bytes`;
  }
  if (format === 'qr') {
    if (bundle.length > QR_MAX_BYTES) {
      throw new LedgerError('PAYLOAD_TOO_LARGE', `the bundle is ${bundle.length} bytes; one QR code (version 40, level L) holds ${QR_MAX_BYTES}: use --format binary or json`, { length: bundle.length });
    }
    return `QR code (${await writeQrCode(bundle, out, force)}) of ${bundle.length} binary bytes`;
  }
  throw new LedgerError('USAGE', `--format must be json, binary or qr, not ${format}`, {});
}
