/**
 * @module verifier/bundle-types
 * The public types of the offline verifier (DESIGN.md section 10; docs/proof-format.md): what a
 * reader passes in and what it gets back. Pure: no imports beyond types.
 */
import type { VerifierKey } from '../ledger/witness-cosignature.js';

/** The reader's witness policy (issue 23; verifier/witness-check.ts). */
export interface WitnessPolicy {
  /** cosigner keys (vkey type 0x04) the reader trusts */
  witnesses: VerifierKey[];
  /** how many distinct witnesses must have cosigned; 1..witnesses.length */
  quorum: number;
}

/** The verdicts of DESIGN.md section 10. */
export type Verdict = 'VALID' | 'INVALID' | 'REVOKED' | 'UNKNOWN' | 'EXPIRED' | 'STALE';

/** What a bundle is about. */
export type BundleKind = 'certificate' | 'grant';

/** A checkpoint the reader already trusts (for the bundle's optional consistency proof). */
export interface TrustedCheckpoint {
  logSize: bigint;
  logRoot: Uint8Array;
}

export interface VerifyOptions {
  /** The reader's time (ms since the Unix epoch, UTC). */
  nowMs: bigint;
  /** Maximum status age: a header whose block time is older than nowMs - maxAgeMs is STALE. */
  maxAgeMs?: bigint;
  /** The id the reader asked about; when given, a bundle about another subject is INVALID. */
  subject?: { kind: BundleKind; id: string };
  /** The holder's id and salt (certificates): checked against the holder commitment. */
  holder?: { id: string; salt: Uint8Array };
  /**
   * A disclosure (the JSON of `ledger disclose`, parsed or as text; ledger/disclosure.ts):
   * checked against the certificate's attributes root and attribute names.
   */
  disclosed?: unknown;
  /** SHA-256 of a document file the reader holds (certificates): checked against the record. */
  documentSha256?: Uint8Array;
  /** Fields the reader must see covered by a grant (grants): else INVALID, FIELDS_NOT_COVERED. */
  fields?: string[];
  /** A checkpoint the reader trusts: the bundle's consistency proof from it is checked. */
  checkpoint?: TrustedCheckpoint;
  /**
   * The reader's witness policy (issue 23; verifier/witness-check.ts): at least `quorum` of these
   * witnesses must have cosigned a checkpoint that covers the header. Absent: not checked.
   */
  witnesses?: WitnessPolicy;
}

/** One reason, with a stable code (docs/proof-format.md lists them) and an English message. */
export interface Reason {
  code: string;
  message: string;
}

export type CheckState = 'passed' | 'failed' | 'not-checked';

/** One current encumbrance (他项权利, rules version 2) as the reader sees it. */
export interface EncumbranceSummary {
  kind: 'MORTGAGE' | 'SEIZURE';
  /** 抵押顺位 / 轮候查封 rank, from 1 per kind. */
  rank: number;
  /** The creditor bank of a mortgage, the court of a seizure. */
  rightHolderDepartmentId: string;
  /** Mortgages: the secured amount in whole yuan ('0' = not stated). Decimal string. */
  amountYuan: string;
  /** Record time of the registering event (ms). Decimal string. */
  sinceMs: string;
  /** Seizures: the court's case number (案号). */
  caseNumber: string;
}

export interface CertificateSummary {
  kind: 'certificate';
  certificateId: string;
  certificateTypeId: string;
  /** The type's name as the catalogue had it at issue (不动产权证书), proved with the record; empty when none. */
  certificateTypeName: string;
  issuerDepartmentId: string;
  issuerName: string;
  issuerSuspended: boolean;
  status: 'ISSUED' | 'REVOKED';
  revocationReason: string;
  /** 0 = no expiry. Decimal string (ms). */
  validUntilMs: string;
  attributeNames: string[];
  documentSha256: string;
  holderCommitment: string;
  definingEvent: { eventId: string; height: string; logPosition: string; kind: string };
  /** Current encumbrances, mortgages first, each kind by rank (empty under rules version 1). */
  encumbrances: EncumbranceSummary[];
  /** Whether a court has seized the property (查封): a lender must not lend on it. */
  seized: boolean;
  /** When the certificate was last transferred (ms; '0' = never, or rules version 1). */
  transferredAtMs: string;
}

export interface GrantSummary {
  kind: 'grant';
  grantId: string;
  /** The requester: the department the grant is for. */
  granteeDepartmentId: string;
  /** Its name, proved (the signer's or the bundle's grantee record); '' in a bundle older than the grantee record (issue 17). */
  granteeName: string;
  grantorDepartmentId: string;
  grantorName: string;
  grantorSuspended: boolean;
  resourceId: string;
  purpose: string;
  status: 'REQUESTED' | 'GRANTED' | 'DENIED' | 'REVOKED';
  requestedFields: string[];
  grantedFields: string[];
  validFromMs: string;
  validUntilMs: string;
  /** 0 = no limit. */
  maxUses: string;
  uses: string;
  /** null = no limit. */
  usesLeft: string | null;
  definingEvent: { eventId: string; height: string; logPosition: string; kind: string };
}

export interface HeaderSummary {
  height: string;
  blockTimeMs: string;
  headerHash: string;
  logSize: string;
  stateRoot: string;
  /** Node indexes whose vote signatures verified. */
  signers: number[];
}

export interface VerifyResult {
  verdict: Verdict;
  /** Why the verdict is what it is, the deciding one first; empty exactly when the verdict is VALID. */
  reasons: Reason[];
  /** Notes that never change the verdict (ISSUER_SUSPENDED, HEADER_IN_FUTURE). */
  notes: Reason[];
  subject: { kind: BundleKind; id: string };
  summary?: CertificateSummary | GrantSummary;
  header?: HeaderSummary;
  /** What was and was not checked beyond the chain (DESIGN.md section 10, step 9). */
  checks: {
    holder: CheckState;
    attributes: CheckState;
    document: CheckState;
    fields: CheckState;
    consistency: CheckState;
    /** the witness policy (issue 23): not-checked without one */
    witnesses: CheckState;
  };
  /** The policy witnesses whose cosignatures verified (when a policy was given). */
  witnesses?: string[];
  /** The verified attribute values, when a disclosure passed. */
  disclosed?: Record<string, string>;
}
