/** Payload builders for state-machine tests (values fixed, so runs are reproducible). */
import type { CertificateIssued } from '../../proto/schema.generated.js';

export const b32 = (n: number): Uint8Array => new Uint8Array(32).fill(n);

export function certIssued(id: string, type = 'BDC', over: Partial<CertificateIssued> = {}): { certificateIssued: CertificateIssued } {
  return {
    certificateIssued: {
      certificateId: id,
      certificateTypeId: type,
      holderCommitment: b32(1),
      attributesRoot: b32(2),
      documentSha256: b32(3),
      validUntilMs: 0n,
      attributeNames: ['坐落', '面积'],
      certificateTypeName: '',
      ...over,
    },
  };
}

export function resource(id: string, shareType: 1 | 2 | 3, fields: string[]) {
  return { resourceRegistered: { resourceId: id, name: id, shareType, fields, updateCycle: 'daily' } };
}

export function request(id: string, resourceId: string, fields: string[], purpose = '家庭经济状况核对') {
  return { shareRequested: { requestId: id, resourceId, purpose, fields } };
}

export function grant(id: string, fields: string[], from: bigint, until: bigint, maxUses = 0n) {
  return { shareGranted: { requestId: id, fields, purpose: '', validFromMs: from, validUntilMs: until, maxUses } };
}

export function access(resourceId: string, grantId: string, fields: string[], subject = 7) {
  return { accessRecorded: { resourceId, grantId, fields, purpose: 'query', subjectCommitment: b32(subject), recordCount: 1n } };
}
