/**
 * The QR form of a bundle (`ledger proof --format qr`, cli/commands/proof.ts): byte mode at error
 * correction L, so that the 2,953 bytes of DESIGN.md section 10 fit one version-40 code and one
 * byte more does not; a larger bundle is refused with PAYLOAD_TOO_LARGE before anything is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, describe, expect, it } from 'vitest';
import { QR_MAX_BYTES, writeBundle } from '../../proofs/bundle-files.js';
import { isLedgerError } from '../../errors/ledger-error.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('proof-qr');
afterAll(() => tmp.remove());

describe('bundles as QR codes', () => {
  it('2,953 bytes fit one version-40 code at level L; 2,954 do not', () => {
    const full = new Uint8Array(QR_MAX_BYTES).map((_, i) => (i * 131) & 0xff);
    expect(QRCode.create([{ data: full, mode: 'byte' }], { errorCorrectionLevel: 'L' }).version).toBe(40);
    expect(() => QRCode.create([{ data: new Uint8Array(QR_MAX_BYTES + 1), mode: 'byte' }], { errorCorrectionLevel: 'L' })).toThrow();
  });

  it('writeBundle refuses a bundle over one code, and writes PNG and SVG for one that fits', async () => {
    const big = join(tmp.path, 'big.png');
    await expect(writeBundle(new Uint8Array(QR_MAX_BYTES + 1), big, 'qr')).rejects.toSatisfy((e: unknown) => isLedgerError(e) && e.code === 'PAYLOAD_TOO_LARGE');
    expect(existsSync(big)).toBe(false);
    const small = new Uint8Array(1500).fill(7);
    await writeBundle(small, join(tmp.path, 'b.png'), 'qr');
    await writeBundle(small, join(tmp.path, 'b.svg'), 'qr');
    expect(readFileSync(join(tmp.path, 'b.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(tmp.path, 'b.svg'), 'utf8')).toContain('<svg');
  });
});
