/**
 * The holder's presentation (issue 24; verifier/holder-presentation.ts): one QR code when the
 * bundle, the holder's salt and the chosen attributes fit, two when they do not (a bundle of a
 * chain of 10^6 events with encumbrances is near the limit), each part strictly decoded, and the
 * joined presentation carrying only what the holder chose. The Chromium round trip from a camera
 * image is in test/integration/reader-page.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { buildDisclosure, type HolderSalts } from '../../ledger/disclosure.js';
import { sha256 } from '../../ledger/hash.js';
import { utf8 } from '../../ledger/bytes.js';
import { HOLDER_PRESENTATION_MAGIC, isPresentation, joinPresentation, PRESENTATION_QR_BYTES, presentationParts, readPresentationPart } from '../../verifier/holder-presentation.js';

const hex32 = (label: string) => toHex(sha256(utf8(label)));
const SALTS: HolderSalts = {
  certificate: 'BDC:1',
  holder: { value: '110105198001010011', salt: hex32('holder') },
  attributes: ['产权人', '共有情况', '坐落', '用途', '面积'].map((name) => ({ name, value: `${name}的值`, salt: hex32(`attr:${name}`) })),
};
const HOLDER_SALT = sha256(utf8('holder'));
const bundleOf = (n: number) => new Uint8Array(n).fill(0x5a);

function read(bytes: Uint8Array) {
  const r = readPresentationPart(bytes);
  if (!r.ok) throw new Error(r.error);
  return r.part;
}

describe("the holder's presentation", () => {
  it('fits one QR code with a small bundle: the bundle, the salt and only the chosen attributes come back', () => {
    const parts = presentationParts(bundleOf(1500), HOLDER_SALT, buildDisclosure(SALTS, ['坐落']), 'BDC:1');
    expect(parts).toHaveLength(1);
    expect(isPresentation(parts[0]!)).toBe(true);
    const joined = joinPresentation([read(parts[0]!)]);
    if (!('complete' in joined)) throw new Error(JSON.stringify(joined));
    expect(joined.complete.bundle).toEqual(bundleOf(1500));
    expect(toHex(joined.complete.holderSalt)).toBe(SALTS.holder.salt);
    expect(joined.complete.disclosure!.attributes.map((a) => a.name)).toEqual(['坐落']);
    expect(joined.complete.disclosure!.leafCount).toBe(5);
    // neither the ID number nor the other attributes' values or salts travel
    const text = new TextDecoder().decode(parts[0]!);
    expect(text).not.toContain(SALTS.holder.value);
    expect(text).not.toContain('面积的值');
    expect(toHex(parts[0]!)).not.toContain(hex32('attr:面积'));
  });

  it('splits into two QR codes when the bundle is near one QR code (10^6 events, two encumbrances)', () => {
    const parts = presentationParts(bundleOf(2839), HOLDER_SALT, buildDisclosure(SALTS, ['坐落', '面积']), 'BDC:1');
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(PRESENTATION_QR_BYTES);
    const [one, two] = parts.map(read);
    expect(joinPresentation([two!])).toEqual({ missing: [1] });
    expect(joinPresentation([one!])).toEqual({ missing: [2] });
    const joined = joinPresentation([two!, one!]);
    if (!('complete' in joined)) throw new Error(JSON.stringify(joined));
    expect(joined.complete.bundle.length).toBe(2839);
    expect(joined.complete.disclosure!.attributes.map((a) => a.name)).toEqual(['坐落', '面积']);
  });

  it('holder check only: no attributes, one code', () => {
    const parts = presentationParts(bundleOf(2800), HOLDER_SALT, undefined, 'BDC:1');
    expect(parts).toHaveLength(1);
    const joined = joinPresentation([read(parts[0]!)]);
    expect('complete' in joined && joined.complete.disclosure).toBe(undefined);
  });

  it('refuses what is not a presentation part, a part number out of range, parts of two presentations, and a bundle too large', () => {
    expect(readPresentationPart(Uint8Array.of(0x08, 0x01))).toMatchObject({ ok: false });
    expect(readPresentationPart(Uint8Array.from([...HOLDER_PRESENTATION_MAGIC, 0xff, 0xff]))).toMatchObject({ ok: false });
    const ok = presentationParts(bundleOf(100), HOLDER_SALT, undefined, 'BDC:1')[0]!;
    const bad = ok.slice();
    // part = 1 is the first field after the magic (0x08 0x01): make it part 3 of 1
    expect(bad[HOLDER_PRESENTATION_MAGIC.length]).toBe(0x08);
    bad[HOLDER_PRESENTATION_MAGIC.length + 1] = 3;
    expect(readPresentationPart(bad)).toMatchObject({ ok: false, error: expect.stringContaining('part 3 of 1') });
    const a = read(presentationParts(bundleOf(2839), HOLDER_SALT, buildDisclosure(SALTS, ['坐落']), 'BDC:1')[0]!);
    const b = read(presentationParts(bundleOf(2839), HOLDER_SALT, buildDisclosure(SALTS, ['坐落']), 'BDC:2')[1]!);
    expect(joinPresentation([a, b])).toEqual({ error: 'the QR codes are of different presentations' });
    expect(() => presentationParts(bundleOf(2950), HOLDER_SALT, undefined, 'BDC:1')).toThrow(/one QR code holds 2953/);
  });
});
