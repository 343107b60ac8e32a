/**
 * @module producers/http-signature
 * HTTP Message Signatures (RFC 9421) as this project uses them, with Ed25519 (RFC 9421 section
 * 3.3.6) and Content-Digest (RFC 9530): building the signature base, signing a request, and
 * parsing the `Signature-Input` / `Signature` fields a server receives. Pure (no server, no
 * chain): the API's authentication (api/request-auth.ts), the CLI's `ledger sign-request` and
 * any other service of the project (the exchange point) share it.
 *
 * The profile, stricter than the RFC so that a server has one form to check:
 * - exactly one signature per request, under any label;
 * - covered components, in this order: `"@method" "@authority" "@path" "@query"`, plus
 *   `"content-digest"` when the request has a body (RFC 9421 section 7.2.8: a signature that
 *   does not cover the body does not protect it);
 * - parameters `created` (integer seconds), `nonce` (a string), `keyid` (a string) and
 *   `alg="ed25519"`, in this order; no others;
 * - the `@signature-params` value is taken from the field exactly as sent (RFC 9421 section
 *   2.3), after checking that it is in this canonical form.
 */
import { createHash } from 'node:crypto';
import { LedgerError } from '../errors/ledger-error.js';

/** The components every signed request covers (RFC 9421 section 2.2). */
export const REQUIRED_COMPONENTS = ['@method', '@authority', '@path', '@query'] as const;
export const BODY_COMPONENT = 'content-digest';
export const SIGNATURE_ALG = 'ed25519';
/** Characters allowed in keyid and nonce (a subset of RFC 8941 sf-string: no quote, no backslash). */
const PARAM_TEXT = /^[A-Za-z0-9._:\/+=-]{1,128}$/;

/** What a request is, as the signature base needs it. */
export interface SignedRequestParts {
  method: string;
  /** host[:port] as the request's Host header (or :authority) gives it. */
  authority: string;
  /** The request target's path, as sent (percent-encoding kept). */
  path: string;
  /** The query string without `?` ('' when none). */
  query: string;
  /** The Content-Digest field value when the request has a body. */
  contentDigest?: string;
}

export interface SignatureParams {
  components: string[];
  created: number;
  nonce: string;
  keyid: string;
}

/** A parsed signature: its label, parameters, the exact `@signature-params` text and the signature bytes. */
export interface ParsedSignature {
  label: string;
  params: SignatureParams;
  signatureParamsText: string;
  signature: Uint8Array;
}

/** RFC 9530 Content-Digest of a body with SHA-256: `sha-256=:<base64>:`. */
export function contentDigestOf(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/** The `@signature-params` value (RFC 9421 section 2.3) of the profile. */
export function signatureParamsText(p: SignatureParams): string {
  return `(${p.components.map((c) => `"${c}"`).join(' ')});created=${p.created};nonce="${p.nonce}";keyid="${p.keyid}";alg="${SIGNATURE_ALG}"`;
}

function componentValue(parts: SignedRequestParts, name: string): string {
  switch (name) {
    case '@method':
      return parts.method.toUpperCase();
    case '@authority':
      return parts.authority.toLowerCase();
    case '@path':
      return parts.path;
    case '@query':
      // RFC 9421 section 2.2.7: the query with its leading "?"; an absent query is "?"
      return `?${parts.query}`;
    case BODY_COMPONENT:
      if (parts.contentDigest === undefined) throw new LedgerError('UNAUTHENTICATED', 'the signature covers content-digest but the request has no Content-Digest field', {});
      return parts.contentDigest.trim();
    default:
      throw new LedgerError('UNAUTHENTICATED', `the signature covers ${name.slice(0, 40)}, which this profile does not use`, {});
  }
}

/** The signature base (RFC 9421 section 2.5) of `parts` under a `@signature-params` text. */
export function signatureBase(parts: SignedRequestParts, components: readonly string[], paramsText: string): Uint8Array {
  const lines = components.map((c) => `"${c}": ${componentValue(parts, c)}`);
  lines.push(`"@signature-params": ${paramsText}`);
  return new TextEncoder().encode(lines.join('\n'));
}

/**
 * The two fields that sign a request: `Signature-Input` and `Signature` (label `ledger`).
 * `sign` is the key's Ed25519 signing function (a SigningKey's `sign`).
 */
export function signRequest(
  parts: SignedRequestParts,
  key: { keyid: string; sign: (message: Uint8Array) => Uint8Array },
  opts: { created: number; nonce: string },
): { 'signature-input': string; signature: string; 'content-digest'?: string } {
  if (!PARAM_TEXT.test(key.keyid) || !PARAM_TEXT.test(opts.nonce)) throw new LedgerError('BAD_ARGUMENT', 'keyid and nonce: 1 to 128 of A-Z a-z 0-9 . _ : / + = -', {});
  const components: string[] = [...REQUIRED_COMPONENTS, ...(parts.contentDigest !== undefined ? [BODY_COMPONENT] : [])];
  const paramsText = signatureParamsText({ components, created: opts.created, nonce: opts.nonce, keyid: key.keyid });
  const signature = key.sign(signatureBase(parts, components, paramsText));
  return {
    'signature-input': `ledger=${paramsText}`,
    signature: `ledger=:${Buffer.from(signature).toString('base64')}:`,
    ...(parts.contentDigest !== undefined ? { 'content-digest': parts.contentDigest } : {}),
  };
}

const LABEL = '[a-z*][a-z0-9_.*-]{0,63}';
const INPUT_FORM = new RegExp(`^(${LABEL})=(\\((?:"[a-z@-]{1,32}"(?: "[a-z@-]{1,32}")*)?\\);created=(\\d{1,12});nonce="([^"\\\\]{1,128})";keyid="([^"\\\\]{1,128})";alg="${SIGNATURE_ALG}")$`);
const SIGNATURE_FORM = new RegExp(`^(${LABEL})=:([A-Za-z0-9+/]{86}==):$`);

/**
 * Parses the profile's `Signature-Input` and `Signature` fields.
 * @throws LedgerError UNAUTHENTICATED naming what is missing or not in the profile's form
 */
export function parseSignatureFields(input: string | string[] | undefined, signature: string | string[] | undefined): ParsedSignature {
  if (input === undefined || signature === undefined) {
    throw new LedgerError('UNAUTHENTICATED', 'this route needs a signed request: Signature-Input and Signature fields (RFC 9421, Ed25519, keyid "department/<id>/<key version>")', {});
  }
  if (Array.isArray(input) || Array.isArray(signature)) throw new LedgerError('UNAUTHENTICATED', 'give one Signature-Input and one Signature field', {});
  const i = INPUT_FORM.exec(input.trim());
  if (i === null) {
    throw new LedgerError('UNAUTHENTICATED', 'Signature-Input is not in the form label=("@method" "@authority" "@path" "@query" ["content-digest"]);created=<s>;nonce="<n>";keyid="<k>";alg="ed25519"', {});
  }
  const s = SIGNATURE_FORM.exec(signature.trim());
  if (s === null) throw new LedgerError('UNAUTHENTICATED', 'Signature is not label=:<64 bytes of base64>:', {});
  if (s[1] !== i[1]) throw new LedgerError('UNAUTHENTICATED', `Signature's label ${s[1]} is not Signature-Input's ${i[1]}`, {});
  const inner = i[2]!.slice(1, i[2]!.indexOf(')'));
  const components = [...inner.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const nonce = i[4]!;
  const keyid = i[5]!;
  if (!PARAM_TEXT.test(nonce) || !PARAM_TEXT.test(keyid)) throw new LedgerError('UNAUTHENTICATED', 'keyid and nonce: 1 to 128 of A-Z a-z 0-9 . _ : / + = -', {});
  return {
    label: i[1]!,
    params: { components, created: Number(i[3]!), nonce, keyid },
    signatureParamsText: i[2]!,
    signature: new Uint8Array(Buffer.from(s[2]!, 'base64')),
  };
}

/**
 * Checks that a parsed signature covers what the profile requires of this request: the four
 * request components in order, and content-digest exactly when the request has a body.
 * @throws LedgerError UNAUTHENTICATED
 */
export function checkCoverage(params: SignatureParams, hasBody: boolean): void {
  const expected = [...REQUIRED_COMPONENTS, ...(hasBody ? [BODY_COMPONENT] : [])];
  if (params.components.length !== expected.length || params.components.some((c, k) => c !== expected[k])) {
    throw new LedgerError('UNAUTHENTICATED', `the signature must cover (${expected.map((c) => `"${c}"`).join(' ')}) in this order`, { covered: params.components });
  }
}
