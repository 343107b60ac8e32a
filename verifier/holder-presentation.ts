/**
 * @module verifier/holder-presentation
 * The holder's presentation (issue 24; proto/ledger.proto HolderPresentation): the proof bundle,
 * the holder's salt and the attributes the holder chose to disclose, in one QR code or, when they
 * do not fit, two. The clerk scans them and types only the identity number on the holder's ID
 * card: the holder check (DESIGN.md section 10, step 9) then needs nothing else, and nothing of
 * the salts file leaves the holder beyond what the holder chose (the holder's salt, the chosen
 * attributes with their salts and proofs).
 *
 * Each QR code's bytes: the magic "LHP1" (so a reader tells a presentation from a bare bundle,
 * which starts 0x08) then one canonical HolderPresentation. Pure: the page and the CLI share it.
 */
import { bytesEqual, toHex, utf8 } from '../ledger/bytes.js';
import type { Disclosure, DisclosureJson } from '../ledger/disclosure.js';
import { decode, encode } from '../proto/codec.js';
import type { HolderPresentation } from '../proto/schema.generated.js';
import { joinPath, splitPath } from './bundle-compact.js';

/** The first bytes of every presentation QR code. */
export const HOLDER_PRESENTATION_MAGIC: Uint8Array = utf8('LHP1');
/** The most one QR code holds (version 40, level L, byte mode). */
export const PRESENTATION_QR_BYTES = 2953;

/** Whether scanned bytes are a presentation part (else: a bare bundle). */
export function isPresentation(bytes: Uint8Array): boolean {
  return bytes.length > HOLDER_PRESENTATION_MAGIC.length && bytesEqual(bytes.subarray(0, HOLDER_PRESENTATION_MAGIC.length), HOLDER_PRESENTATION_MAGIC);
}

function withMagic(p: HolderPresentation): Uint8Array {
  const body = encode('HolderPresentation', p);
  const out = new Uint8Array(HOLDER_PRESENTATION_MAGIC.length + body.length);
  out.set(HOLDER_PRESENTATION_MAGIC, 0);
  out.set(body, HOLDER_PRESENTATION_MAGIC.length);
  return out;
}

/**
 * The QR payloads of a presentation: one when everything fits in PRESENTATION_QR_BYTES, else two
 * (part 1: bundle and holder salt; part 2: the attributes).
 * @throws Error when the bundle and salt alone do not fit one QR code, or the attributes another
 */
export function presentationParts(bundle: Uint8Array, holderSalt: Uint8Array, disclosure: Disclosure | undefined, certificateId: string): Uint8Array[] {
  const attrs = (disclosure?.attributes ?? []).map((a) => ({ name: a.name, value: a.value, salt: a.salt, index: a.index, proof: joinPath(a.proof) }));
  const common = { certificateId, attributesRoot: disclosure?.attributesRoot ?? new Uint8Array(0), leafCount: disclosure?.leafCount ?? 0 };
  const one = withMagic({ part: 1, parts: 1, bundle, holderSalt, attributes: attrs, ...common });
  if (one.length <= PRESENTATION_QR_BYTES) return [one];
  const first = withMagic({ part: 1, parts: 2, bundle, holderSalt, attributes: [], certificateId, attributesRoot: new Uint8Array(0), leafCount: 0 });
  const second = withMagic({ part: 2, parts: 2, bundle: new Uint8Array(0), holderSalt: new Uint8Array(0), attributes: attrs, ...common });
  if (first.length > PRESENTATION_QR_BYTES) throw new Error(`the bundle and the holder's salt take ${first.length} bytes; one QR code holds ${PRESENTATION_QR_BYTES}`);
  if (second.length > PRESENTATION_QR_BYTES) throw new Error(`the chosen attributes take ${second.length} bytes; one QR code holds ${PRESENTATION_QR_BYTES}: choose fewer`);
  return [first, second];
}

/** One scanned part, decoded; or why it is not one. */
export type PresentationPart = { ok: true; part: HolderPresentation } | { ok: false; error: string };

/** Decodes one scanned presentation part strictly (canonical bytes, sizes). Never throws. */
export function readPresentationPart(bytes: Uint8Array): PresentationPart {
  if (!isPresentation(bytes)) return { ok: false, error: 'not a holder presentation (no LHP1 magic)' };
  let p: HolderPresentation;
  try {
    p = decode('HolderPresentation', bytes.subarray(HOLDER_PRESENTATION_MAGIC.length));
  } catch (e) {
    return { ok: false, error: `the presentation does not decode: ${(e as Error).message}` };
  }
  if (!(p.parts === 1 || p.parts === 2) || p.part < 1 || p.part > p.parts) return { ok: false, error: `part ${p.part} of ${p.parts}: a presentation has one or two parts` };
  if (p.part === 1 && (p.bundle.length === 0 || p.holderSalt.length !== 32)) return { ok: false, error: "part 1 carries the bundle and the holder's 32-byte salt" };
  if (p.part === 2 && (p.bundle.length > 0 || p.holderSalt.length > 0)) return { ok: false, error: 'part 2 carries only the attributes' };
  if (p.certificateId === '') return { ok: false, error: 'no certificate id' };
  return { ok: true, part: p };
}

/** What the reader gets from a complete presentation: the bundle, the holder's salt, the disclosure (JSON view) if any. */
export interface Presentation {
  certificateId: string;
  bundle: Uint8Array;
  holderSalt: Uint8Array;
  disclosure?: DisclosureJson;
}

/**
 * Joins the parts scanned so far: the presentation when complete, `missing` (the part numbers
 * still to scan) otherwise, or an error when the parts do not belong together.
 */
export function joinPresentation(parts: HolderPresentation[]): { complete: Presentation } | { missing: number[] } | { error: string } {
  if (parts.length === 0) return { missing: [1] };
  const total = parts[0]!.parts;
  const id = parts[0]!.certificateId;
  if (parts.some((p) => p.parts !== total || p.certificateId !== id)) return { error: 'the QR codes are of different presentations' };
  const byNumber = new Map(parts.map((p) => [p.part, p] as const));
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !byNumber.has(n));
  if (missing.length > 0) return { missing };
  const first = byNumber.get(1)!;
  const withAttrs = total === 2 ? byNumber.get(2)! : first;
  const out: Presentation = { certificateId: id, bundle: first.bundle, holderSalt: first.holderSalt };
  if (withAttrs.attributes.length > 0) {
    const proofs = withAttrs.attributes.map((a) => splitPath(a.proof));
    if (proofs.some((p) => p === undefined)) return { error: 'an attribute proof is not a whole number of 32-byte hashes' };
    out.disclosure = {
      certificateId: id,
      attributesRoot: toHex(withAttrs.attributesRoot),
      leafCount: withAttrs.leafCount,
      attributes: withAttrs.attributes.map((a, i) => ({ name: a.name, value: a.value, salt: toHex(a.salt), index: a.index, proof: proofs[i]!.map(toHex) })),
    };
  }
  return { complete: out };
}
