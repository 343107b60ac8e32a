/**
 * @module producers/payloads
 * Payload builders for every family of DESIGN.md section 5, from a JSON-shaped input that the CLI
 * (flags or a JSON file) and programs share. Inputs are validated with zod; an error names the
 * field. Personal data never goes on chain: holders and access subjects become salted commitments
 * (fresh 32-byte salts), certificate attributes become a salted RFC 9162 tree, and the salts go
 * to a file the holder keeps (DESIGN.md section 5, "The holder's salts file").
 */
import { CERTIFICATE_TYPE_NAME_MAX_BYTES } from '../ledger/rules/certificate-types.js';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { attributesRoot, orderAttributes, type Attribute } from '../ledger/attributes.js';
import { toHex, tryFromHex } from '../ledger/bytes.js';
import { SALT_LENGTH, commitment } from '../ledger/commitment.js';
import { consentSubjectCommitment, grantSubjectCommitment } from '../ledger/subject.js';
import type { HolderSalts } from '../ledger/disclosure.js';
import { LedgerError } from '../errors/ledger-error.js';
import { isAcceptablePublicKey } from '../ledger/signature.js';
import { DEFAULT_LIMITS } from '../proto/limits.js';
import { ShareType } from '../proto/schema.generated.js';
import type { Payload } from './department-client.js';

const ID = /^[A-Za-z0-9._:-]+$/;
const U64_MAX = (1n << 64n) - 1n;

const id = z.string().min(1).max(DEFAULT_LIMITS.maxIdBytes).regex(ID, 'only A-Z a-z 0-9 . _ : - are allowed');
const text = z.string().refine((s) => Buffer.byteLength(s, 'utf8') <= DEFAULT_LIMITS.maxStringBytes, `at most ${DEFAULT_LIMITS.maxStringBytes} bytes of UTF-8`);
const list = <T extends z.ZodType>(item: T) => z.array(item).max(DEFAULT_LIMITS.maxListEntries);
const hex32 = z
  .string()
  .transform((s, ctx) => {
    const b = tryFromHex(s.trim());
    if (b === undefined || b.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'expected 64 hex characters' });
      return z.NEVER;
    }
    return b;
  });
const publicKey = hex32.refine((b) => isAcceptablePublicKey(b), 'not an acceptable Ed25519 public key (canonical, not of small order)');
const u64 = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected a non-negative integer')]).transform((v, ctx) => {
  const b = BigInt(v);
  if (b > U64_MAX) {
    ctx.addIssue({ code: 'custom', message: 'beyond 2^64 - 1' });
    return z.NEVER;
  }
  return b;
});
const u32 = z.number().int().min(1).max(0xffffffff);
/** A time: an ISO 8601 date-time with a zone, or milliseconds since the Unix epoch. */
const time = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return BigInt(v);
  if (/^\d+$/.test(v)) return BigInt(v);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time such as 2027-01-01T00:00:00+08:00, or milliseconds' });
    return z.NEVER;
  }
  const ms = Date.parse(v);
  if (!Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'not a valid time' });
    return z.NEVER;
  }
  return BigInt(ms);
});
const shareType = z.enum(['UNCONDITIONAL', 'CONDITIONAL', 'NOT_SHARED']).transform((s) => ShareType[s]);
const attributesInput = z.union([
  z.record(z.string().min(1), z.string()),
  z.array(z.object({ name: z.string().min(1), value: z.string() }).strict()),
]);
/** A document's SHA-256, given directly or as a file to hash. */
const documentDigest = {
  documentSha256: hex32.optional(),
  documentFile: z.string().min(1).optional(),
};

export const PAYLOAD_SCHEMAS = {
  'register-department': z.object({ departmentId: id, name: text, publicKey, certificateTypes: list(id).default([]), resources: list(id).default([]), govern: z.boolean().default(false), seize: z.boolean().default(false), audit: z.boolean().default(false) }).strict(),
  'rotate-key': z.object({ departmentId: id, keyVersion: u32, publicKey }).strict(),
  'compromise-key': z.object({ departmentId: id, keyVersion: u32, fromLogPosition: u64, reason: text.default('') }).strict(),
  'suspend-department': z.object({ departmentId: id, reason: text.default('') }).strict(),
  'reinstate-department': z.object({ departmentId: id, reason: text.default('') }).strict(),
  'register-resource': z.object({ resourceId: id, name: text, shareType, fields: list(text).min(1), updateCycle: text.default('') }).strict(),
  'update-resource': z.object({ resourceId: id, name: text, shareType, fields: list(text).min(1), updateCycle: text.default('') }).strict(),
  'publish-version': z.object({ resourceId: id, version: u64, datasetSha256: hex32.optional(), datasetFile: z.string().min(1).optional(), recordCount: u64 }).strict(),
  // subject + subjectSecret (rules version 2): the grant covers that one data subject (ledger/subject.ts)
  'request-share': z.object({ requestId: id, resourceId: id, purpose: text, fields: list(text).min(1), subject: z.string().min(1).optional(), subjectSecret: hex32.optional() }).strict(),
  'grant-share': z.object({ requestId: id, fields: list(text).min(1), purpose: text.default(''), validFrom: time, validUntil: time, maxUses: u64.default(0n) }).strict(),
  'deny-share': z.object({ requestId: id, reason: text.default('') }).strict(),
  'revoke-share': z.object({ requestId: id, reason: text.default('') }).strict(),
  'record-access': z.object({ resourceId: id, grantId: id.optional(), fields: list(text).min(1), purpose: text, subject: z.string().min(1), subjectSalt: hex32.optional(), recordCount: u64.default(1n) }).strict(),
  'record-consent': z.object({ consentId: id, subject: z.string().min(1), subjectSecret: hex32, ...documentDigest, purpose: text.default(''), kind: text.default('') }).strict(),
  // validUntil left out: no expiry (valid_until_ms 0, DESIGN.md section 9), e.g. a 不动产权证书 (issue 17)
  // certificateTypeName: the catalogue's name of the type (register-certificate-type), shown to readers
  'issue-certificate': z.object({ certificateId: id, certificateTypeId: id, certificateTypeName: text.optional(), holder: z.string().min(1), attributes: attributesInput, ...documentDigest, validUntil: time.optional() }).strict(),
  'amend-certificate': z.object({ certificateId: id, attributes: attributesInput, ...documentDigest, validUntil: time, reason: text.default('') }).strict(),
  'transfer-certificate': z.object({ certificateId: id, newHolder: z.string().min(1), ...documentDigest, reason: text.default('') }).strict(),
  'revoke-certificate': z.object({ certificateId: id, reason: text.default('') }).strict(),
  // encumbrances and verification records (rules version 2; ledger/rules/encumbrances.ts)
  'register-mortgage': z.object({ certificateId: id, creditor: id, amountYuan: u64.default(0n) }).strict(),
  'release-mortgage': z.object({ certificateId: id, rank: u32 }).strict(),
  'register-seizure': z.object({ certificateId: id, caseNumber: text.pipe(z.string().min(1)) }).strict(),
  'lift-seizure': z.object({ certificateId: id, rank: u32 }).strict(),
  'record-verification': z.object({ certificateId: id, purpose: text.pipe(z.string().min(1)) }).strict(),
  // the catalogue's certificate type table (rules version 2; ledger/rules/certificate-types.ts)
  'register-certificate-type': z
    .object({
      certificateTypeId: id,
      // the chain's own rule (BAD_PAYLOAD otherwise), refused here before anything is signed
      name: z
        .string()
        .min(1)
        .refine((s) => Buffer.byteLength(s, 'utf8') <= CERTIFICATE_TYPE_NAME_MAX_BYTES, `at most ${CERTIFICATE_TYPE_NAME_MAX_BYTES} bytes of UTF-8`)
        .refine((s) => s.trim() === s, 'no blanks before or after the name'),
    })
    .strict(),
} as const;

export type PayloadType = keyof typeof PAYLOAD_SCHEMAS;
export const PAYLOAD_TYPES = Object.keys(PAYLOAD_SCHEMAS) as PayloadType[];

/** The holder's salts file (DESIGN.md section 5), salts in hex: one type, ledger/disclosure.ts's. */
export type SaltsFile = HolderSalts;

/** What a certificate event changes in the holder's salts file. */
export interface SaltsUpdate {
  certificate: string;
  holder?: { value: string; salt: string };
  attributes?: Array<{ name: string; value: string; salt: string }>;
}

export interface BuiltPayload {
  type: PayloadType;
  payload: Payload;
  /** For certificates: what the holder must keep (see mergeSalts and writeSaltsFile). */
  salts?: SaltsUpdate;
  /** For access records: the subject salt used (fresh unless given). */
  subjectSalt?: string;
}

/** How a field is named in messages: itself for JSON input, its flag for the CLI. */
export type FieldNamer = (field: string) => string;

/** Turns zod's issues into one BAD_ARGUMENT naming every failing field. */
function validationError(type: string, error: z.ZodError, where: string, name: FieldNamer = (f) => f, input?: unknown): LedgerError {
  const problems = error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.map((k) => name(k)).join(', ')}`;
    const [head, ...rest] = i.path.map(String);
    const missing = head !== undefined && rest.length === 0 && input !== null && typeof input === 'object' && (input as Record<string, unknown>)[head] === undefined;
    return `${head === undefined ? '(payload)' : [name(head), ...rest].join('.')}: ${missing ? 'required' : i.message}`;
  });
  return new LedgerError('BAD_ARGUMENT', `${where}${type}: ${problems.join('; ')}`, { type, problems });
}

function fileSha256(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(createHash('sha256').update(readFileSync(path)).digest());
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `${what} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path });
  }
}

function digestOf(input: { documentSha256?: Uint8Array | undefined; documentFile?: string | undefined }, required: boolean, name: FieldNamer): Uint8Array {
  const either = `${name('documentSha256')} or ${name('documentFile')}`;
  if (input.documentSha256 && input.documentFile) throw new LedgerError('BAD_ARGUMENT', `give ${either}, not both`, {});
  if (input.documentSha256) return input.documentSha256;
  if (input.documentFile) return fileSha256(input.documentFile, 'document file');
  if (required) throw new LedgerError('BAD_ARGUMENT', `${either} is required`, {});
  return new Uint8Array(0);
}

const freshSalt = (): Uint8Array => new Uint8Array(randomBytes(SALT_LENGTH));

function saltedAttributes(input: z.infer<typeof attributesInput>): Attribute[] {
  const list = Array.isArray(input) ? input : Object.entries(input).map(([name, value]) => ({ name, value }));
  if (list.length > DEFAULT_LIMITS.maxListEntries) throw new LedgerError('BAD_ARGUMENT', `at most ${DEFAULT_LIMITS.maxListEntries} attributes`, {});
  return orderAttributes(list.map((a) => ({ name: a.name, value: a.value, salt: freshSalt() })));
}

/**
 * Validates `input` for payload `type` and builds the payload (with fresh salts where personal data
 * is committed to).
 * @throws LedgerError BAD_ARGUMENT naming each failing field; FILE_UNREADABLE for a named file
 */
export function buildPayload(type: string, input: unknown, where = '', name: FieldNamer = (f) => f): BuiltPayload {
  if (!(PAYLOAD_TYPES as string[]).includes(type)) {
    throw new LedgerError('BAD_ARGUMENT', `${where}unknown payload type "${type}"; the types are ${PAYLOAD_TYPES.join(', ')}`, { type });
  }
  const t = type as PayloadType;
  const parsed = PAYLOAD_SCHEMAS[t].safeParse(input);
  if (!parsed.success) throw validationError(type, parsed.error, where, name, input);
  const v = parsed.data as Record<string, any>;
  switch (t) {
    case 'register-department':
      return {
        type: t,
        payload: {
          departmentRegistered: { departmentId: v.departmentId, name: v.name, publicKey: v.publicKey, rights: { certificateTypeIds: v.certificateTypes, resourceIds: v.resources, govern: v.govern, seize: v.seize, audit: v.audit } },
        },
      };
    case 'rotate-key':
      return { type: t, payload: { departmentKeyRotated: { departmentId: v.departmentId, keyVersion: v.keyVersion, publicKey: v.publicKey } } };
    case 'compromise-key':
      return { type: t, payload: { keyCompromised: { departmentId: v.departmentId, keyVersion: v.keyVersion, fromLogPosition: v.fromLogPosition, reason: v.reason } } };
    case 'suspend-department':
      return { type: t, payload: { departmentSuspended: { departmentId: v.departmentId, reason: v.reason } } };
    case 'reinstate-department':
      return { type: t, payload: { departmentReinstated: { departmentId: v.departmentId, reason: v.reason } } };
    case 'register-resource':
      return { type: t, payload: { resourceRegistered: { resourceId: v.resourceId, name: v.name, shareType: v.shareType, fields: v.fields, updateCycle: v.updateCycle } } };
    case 'update-resource':
      return { type: t, payload: { resourceUpdated: { resourceId: v.resourceId, name: v.name, shareType: v.shareType, fields: v.fields, updateCycle: v.updateCycle } } };
    case 'publish-version': {
      if (!!v.datasetSha256 === !!v.datasetFile) throw new LedgerError('BAD_ARGUMENT', `${where}publish-version: give ${name('datasetSha256')} or ${name('datasetFile')} (exactly one)`, {});
      const digest = v.datasetSha256 ?? fileSha256(v.datasetFile, 'dataset file');
      return { type: t, payload: { resourceVersionPublished: { resourceId: v.resourceId, version: v.version, datasetSha256: digest, recordCount: v.recordCount } } };
    }
    case 'request-share': {
      if ((v.subject === undefined) !== (v.subjectSecret === undefined)) throw new LedgerError('BAD_ARGUMENT', `${where}request-share: give ${name('subject')} and ${name('subjectSecret')} together (or neither)`, {});
      const subject = v.subject !== undefined ? { subject: { subjectCommitment: grantSubjectCommitment(v.subject, v.subjectSecret!, v.requestId) } } : {};
      return { type: t, payload: { shareRequested: { requestId: v.requestId, resourceId: v.resourceId, purpose: v.purpose, fields: v.fields, ...subject } } };
    }
    case 'record-consent':
      return {
        type: t,
        payload: { consentRecorded: { consentId: v.consentId, subjectCommitment: consentSubjectCommitment(v.subject, v.subjectSecret, v.consentId), documentSha256: digestOf(v, true, name), purpose: v.purpose, kind: v.kind } },
      };
    case 'grant-share':
      if (v.validUntil <= v.validFrom) throw new LedgerError('BAD_ARGUMENT', `${where}grant-share: ${name('validUntil')} must be after ${name('validFrom')}`, {});
      return {
        type: t,
        payload: { shareGranted: { requestId: v.requestId, fields: v.fields, purpose: v.purpose, validFromMs: v.validFrom, validUntilMs: v.validUntil, maxUses: v.maxUses } },
      };
    case 'deny-share':
      return { type: t, payload: { shareDenied: { requestId: v.requestId, reason: v.reason } } };
    case 'revoke-share':
      return { type: t, payload: { shareRevoked: { requestId: v.requestId, reason: v.reason } } };
    case 'record-access': {
      const salt: Uint8Array = v.subjectSalt ?? freshSalt();
      return {
        type: t,
        payload: {
          accessRecorded: { resourceId: v.resourceId, grantId: v.grantId ?? '', fields: v.fields, purpose: v.purpose, subjectCommitment: commitment(v.subject, salt), recordCount: v.recordCount },
        },
        subjectSalt: toHex(salt),
      };
    }
    case 'issue-certificate': {
      const attrs = saltedAttributes(v.attributes);
      const holderSalt = freshSalt();
      return {
        type: t,
        payload: {
          certificateIssued: {
            certificateId: v.certificateId,
            certificateTypeId: v.certificateTypeId,
            holderCommitment: commitment(v.holder, holderSalt),
            attributesRoot: attributesRoot(attrs),
            documentSha256: digestOf(v, true, name),
            validUntilMs: v.validUntil ?? 0n,
            attributeNames: attrs.map((a) => a.name),
            certificateTypeName: v.certificateTypeName ?? '',
          },
        },
        salts: {
          certificate: v.certificateId,
          holder: { value: v.holder, salt: toHex(holderSalt) },
          attributes: attrs.map((a) => ({ name: a.name, value: a.value, salt: toHex(a.salt) })),
        },
      };
    }
    case 'amend-certificate': {
      const attrs = saltedAttributes(v.attributes);
      return {
        type: t,
        payload: {
          certificateAmended: {
            certificateId: v.certificateId,
            attributesRoot: attributesRoot(attrs),
            documentSha256: digestOf(v, true, name),
            validUntilMs: v.validUntil,
            reason: v.reason,
            attributeNames: attrs.map((a) => a.name),
          },
        },
        // the holder is unchanged: merge with the holder's existing file (mergeSalts)
        salts: { certificate: v.certificateId, attributes: attrs.map((a) => ({ name: a.name, value: a.value, salt: toHex(a.salt) })) },
      };
    }
    case 'transfer-certificate': {
      const holderSalt = freshSalt();
      return {
        type: t,
        payload: {
          certificateTransferred: { certificateId: v.certificateId, newHolderCommitment: commitment(v.newHolder, holderSalt), documentSha256: digestOf(v, false, name), reason: v.reason },
        },
        // the attributes are unchanged: merge with the previous holder's file (mergeSalts)
        salts: { certificate: v.certificateId, holder: { value: v.newHolder, salt: toHex(holderSalt) } },
      };
    }
    case 'revoke-certificate':
      return { type: t, payload: { certificateRevoked: { certificateId: v.certificateId, reason: v.reason } } };
    case 'register-mortgage':
      return { type: t, payload: { mortgageRegistered: { certificateId: v.certificateId, creditorDepartmentId: v.creditor, amountYuan: v.amountYuan } } };
    case 'release-mortgage':
      return { type: t, payload: { mortgageReleased: { certificateId: v.certificateId, rank: v.rank } } };
    case 'register-seizure':
      return { type: t, payload: { seizureRegistered: { certificateId: v.certificateId, caseNumber: v.caseNumber } } };
    case 'lift-seizure':
      return { type: t, payload: { seizureLifted: { certificateId: v.certificateId, rank: v.rank } } };
    case 'record-verification':
      return { type: t, payload: { certificateVerified: { certificateId: v.certificateId, purpose: v.purpose } } };
    case 'register-certificate-type':
      return { type: t, payload: { certificateTypeRegistered: { certificateTypeId: v.certificateTypeId, name: v.name } } };
  }
}

const saltsFileSchema = z
  .object({
    certificate: id,
    holder: z.object({ value: z.string(), salt: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters') }).strict(),
    attributes: z.array(z.object({ name: z.string().min(1), value: z.string(), salt: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters') }).strict()),
  })
  .strict();

/** Parses and validates a holder's salts file. */
export function parseSaltsFile(text: string, path = 'salts file'): SaltsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LedgerError('BAD_ARGUMENT', `${path} is not JSON`, { path });
  }
  const r = saltsFileSchema.safeParse(json);
  if (!r.success) throw validationError('salts file', r.error, `${path}: `);
  return r.data;
}

/**
 * The holder's new salts file after a certificate event: issue gives a whole file; amend keeps the
 * holder and replaces the attributes; transfer keeps the attributes and replaces the holder.
 * @throws LedgerError BAD_ARGUMENT when the previous file is needed and missing or for another certificate
 */
export function mergeSalts(update: SaltsUpdate, previous?: SaltsFile): SaltsFile {
  if (previous !== undefined && previous.certificate !== update.certificate) {
    throw new LedgerError('BAD_ARGUMENT', `the salts file is for certificate ${previous.certificate}, not ${update.certificate}`, {});
  }
  const holder = update.holder ?? previous?.holder;
  const attributes = update.attributes ?? previous?.attributes;
  if (holder === undefined || attributes === undefined) {
    throw new LedgerError('BAD_ARGUMENT', `the holder's previous salts file for ${update.certificate} is needed to write the new one`, {});
  }
  return { certificate: update.certificate, holder, attributes };
}

/**
 * Writes a holder's salts file, mode 0600 (salts are personal data's only protection): never over
 * an existing file unless `replace` (the demo's holder keeps one file per certificate across
 * amendments and transfers).
 */
export function writeSaltsFile(path: string, salts: SaltsFile, opts: { replace?: boolean } = {}): void {
  if (opts.replace === true) {
    writeFileSync(path, `${JSON.stringify(salts, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    return;
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new LedgerError('FILE_EXISTS', `${path} already exists; refusing to overwrite a salts file`, { path });
    throw new LedgerError('FILE_UNREADABLE', `cannot create the salts file ${path}: ${code ?? (e as Error).message}`, { path });
  }
  try {
    writeSync(fd, `${JSON.stringify(salts, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
}
