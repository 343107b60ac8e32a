/**
 * Scenario 5: dataset versions. The source publishes versions (strictly increasing, file
 * SHA-256, record count); a receiver checks a file's SHA-256 against the source's latest version
 * from the state, with a state proof.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../../ledger/bytes.js';
import { decodeRecord } from '../../../ledger/state-records.js';
import { verifyStateRecord } from '../../../ledger/state-tree-verify.js';
import { World } from '../../helpers/world.js';
import { resource } from '../../helpers/payloads.js';

const fileV1 = utf8('产权人,坐落\n张三,北京市\n');
const fileV2 = utf8('产权人,坐落\n张三,北京市\n李四,上海市\n');
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const publish = (version: bigint, file: Uint8Array, count: bigint) => ({ resourceVersionPublished: { resourceId: 'res.property.owner', version, datasetSha256: sha(file), recordCount: count } });

describe('scenario: dataset versions', () => {
  it('only the source publishes, versions strictly increase, and a receiver checks the file digest', async () => {
    const w = await World.create();
    await w.block([w.register('dept.realestate', { resourceIds: ['res.property.owner'] }), w.register('dept.civil')]);
    await w.block([w.event('dept.realestate', resource('res.property.owner', 1, ['产权人', '坐落']))]);
    const r = await w.block([
      w.event('dept.realestate', publish(1n, fileV1, 1n)),
      w.event('dept.civil', publish(2n, fileV2, 2n)),
      w.event('dept.realestate', publish(1n, fileV2, 2n)),
      w.event('dept.realestate', publish(2n, fileV2, 2n)),
      w.event('dept.realestate', { resourceVersionPublished: { resourceId: 'res.property.owner', version: 3n, datasetSha256: new Uint8Array(0), recordCount: 0n } }),
      w.event('dept.realestate', { resourceVersionPublished: { resourceId: 'res.none', version: 3n, datasetSha256: sha(fileV1), recordCount: 0n } }),
    ]);
    expect(r.codes).toEqual(['OK', 'NOT_SOURCE', 'VERSION_NOT_INCREASING', 'OK', 'BAD_PAYLOAD', 'UNKNOWN_RESOURCE']);

    // the receiver: fetch the record with its proof, verify against the header's state root, compare digests
    const p = await w.store.prove('resource', 'res.property.owner');
    expect(verifyStateRecord(r.stateRoot, 'resource', 'res.property.owner', p.recordBytes, p.proof).ok).toBe(true);
    const rec = decodeRecord('resource', p.recordBytes!);
    expect(rec.latestVersion).toBe(2n);
    expect(rec.recordCount).toBe(2n);
    expect(bytesEqual(rec.datasetSha256, sha(fileV2))).toBe(true);
    expect(bytesEqual(rec.datasetSha256, sha(fileV1))).toBe(false); // a stale file is detected
  });
});
