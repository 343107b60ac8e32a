/** Sample messages of every wire type, for codec and hashing tests. */
import type { EventBody, MessageName, MessageTypes } from '../../proto/schema.generated.js';

const b32 = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const b64 = (n: number): Uint8Array => new Uint8Array(64).fill(n);

const base = { channel: 'property', departmentId: 'dept.realestate', keyVersion: 1, sequence: 7n, clientTimeMs: 1_764_000_000_000n };

/** One EventBody per payload family (DESIGN.md section 5). */
export const SAMPLE_BODIES: Record<string, EventBody> = {
  departmentRegistered: {
    ...base,
    departmentRegistered: { departmentId: 'dept.tax', name: '市税务局', publicKey: b32(3), rights: { certificateTypeIds: ['TAX-CERT'], resourceIds: ['res.tax.income'], govern: false, seize: false, audit: false } },
  },
  departmentKeyRotated: { ...base, departmentKeyRotated: { departmentId: 'dept.tax', keyVersion: 2, publicKey: b32(4) } },
  keyCompromised: { ...base, keyCompromised: { departmentId: 'dept.tax', keyVersion: 1, fromLogPosition: 1234n, reason: '密钥泄露' } },
  departmentSuspended: { ...base, departmentSuspended: { departmentId: 'dept.tax', reason: 'audit' } },
  departmentReinstated: { ...base, departmentReinstated: { departmentId: 'dept.tax', reason: '' } },
  resourceRegistered: {
    ...base,
    resourceRegistered: { resourceId: 'res.property.owner', name: '不动产登记信息', shareType: 2, fields: ['产权人', '坐落', '面积'], updateCycle: 'daily' },
  },
  resourceUpdated: { ...base, resourceUpdated: { resourceId: 'res.property.owner', name: '不动产登记信息', shareType: 1, fields: ['坐落'], updateCycle: 'weekly' } },
  resourceVersionPublished: { ...base, resourceVersionPublished: { resourceId: 'res.property.owner', version: 3n, datasetSha256: b32(5), recordCount: 100_000n } },
  shareRequested: { ...base, shareRequested: { requestId: 'req-2026-0001', resourceId: 'res.tax.income', purpose: '家庭经济状况核对', fields: ['年收入'] } },
  shareGranted: {
    ...base,
    shareGranted: { requestId: 'req-2026-0001', fields: ['年收入'], purpose: '家庭经济状况核对', validFromMs: 1n, validUntilMs: 2n ** 63n, maxUses: 10n },
  },
  shareDenied: { ...base, shareDenied: { requestId: 'req-2026-0002', reason: 'no legal basis' } },
  shareRevoked: { ...base, shareRevoked: { requestId: 'req-2026-0001', reason: 'case closed' } },
  accessRecorded: {
    ...base,
    accessRecorded: { resourceId: 'res.tax.income', grantId: 'req-2026-0001', fields: ['年收入'], purpose: '核对', subjectCommitment: b32(6), recordCount: 1n },
  },
  certificateIssued: {
    ...base,
    certificateIssued: {
      certificateId: '11100000MB0000000X:BDC:2026-000123',
      certificateTypeId: 'BDC',
      holderCommitment: b32(7),
      attributesRoot: b32(8),
      documentSha256: b32(9),
      validUntilMs: 4_102_444_800_000n,
      attributeNames: ['坐落', '面积'],
      certificateTypeName: '',
    },
  },
  certificateAmended: { ...base, certificateAmended: { certificateId: 'C1', attributesRoot: b32(10), documentSha256: b32(11), validUntilMs: 5n, reason: '更正', attributeNames: ['面积'] } },
  certificateTransferred: { ...base, certificateTransferred: { certificateId: 'C1', newHolderCommitment: b32(12), documentSha256: b32(13), reason: '买卖' } },
  certificateRevoked: { ...base, certificateRevoked: { certificateId: 'C1', reason: '注销' } },
};

/** One sample of each non-event message type. */
export const SAMPLE_MESSAGES: { [K in MessageName]?: MessageTypes[K] } = {
  SignedEvent: { body: new Uint8Array([1, 2, 3]), signature: b64(1) },
  TimeToCut: { height: 5n, heartbeat: true, nodeIndex: 2, signature: b64(2) },
  TopicRecord: { event: { body: new Uint8Array([1]), signature: b64(3) } },
  Limits: { maxRecordBytes: 8192, maxIdBytes: 64, maxStringBytes: 256, maxListEntries: 64, maxBlockEvents: 1000, maxBlockBytes: 1 << 20 },
  Genesis: {
    channel: 'property',
    authorities: [{ departmentId: 'authority.city', name: '市大数据局', publicKey: b32(1) }],
    nodes: [
      { index: 1, publicKey: b32(2) },
      { index: 2, publicKey: b32(3) },
      { index: 3, publicKey: b32(4) },
    ],
    quorum: 2,
    limits: { maxRecordBytes: 8192, maxIdBytes: 64, maxStringBytes: 256, maxListEntries: 64, maxBlockEvents: 1000, maxBlockBytes: 1 << 20 },
    batchTimeoutMs: 200n,
    heartbeatIntervalMs: 10_000n,
    rulesVersion: 1,
    witnesses: [],
    witnessQuorum: 0,
  },
  BlockHeader: {
    genesisHash: b32(1),
    channel: 'property',
    height: 1n,
    previousHeaderHash: b32(1),
    firstOffset: 0n,
    lastOffset: 9n,
    recordsDigest: b32(2),
    droppedCount: 1n,
    blockTimeMs: 1_764_000_000_000n,
    eventCount: 8n,
    logSize: 8n,
    logRoot: b32(3),
    stateRoot: new Uint8Array(32),
    resultsRoot: b32(4),
    rulesVersion: 1,
  },
  Vote: { genesisHash: b32(1), height: 1n, headerHash: b32(2), nodeIndex: 1, signature: b64(1), noteSignature: b64(2) },
  Commit: { height: 1n, headerHash: b32(2), signatures: [{ nodeIndex: 1, signature: b64(1), noteSignature: b64(2) }] },
};
