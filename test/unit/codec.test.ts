import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode, encode, encodeChecked, oneofCase } from '../../proto/codec.js';
import { DEFAULT_LIMITS } from '../../proto/limits.js';
import type { EventBody, MessageName } from '../../proto/schema.generated.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { generate } from '../../scripts/gen-proto.mjs';
import { SAMPLE_BODIES, SAMPLE_MESSAGES } from '../helpers/samples.js';

const code = (c: string) => expect.objectContaining({ code: c });

describe('wire schema', () => {
  it('proto/schema.generated.ts is current with proto/ledger.proto', () => {
    const proto = readFileSync(new URL('../../proto/ledger.proto', import.meta.url), 'utf8');
    const generated = readFileSync(new URL('../../proto/schema.generated.ts', import.meta.url), 'utf8');
    expect(generate(proto) === generated, 'run `npm run gen:proto` and commit the result').toBe(true);
  });

  for (const [family, body] of Object.entries(SAMPLE_BODIES)) {
    it(`EventBody with ${family} round-trips byte for byte`, () => {
      const bytes = encode('EventBody', body);
      const back = decode('EventBody', bytes);
      expect(back).toEqual(body);
      expect(encode('EventBody', back)).toEqual(bytes);
      expect(oneofCase('EventBody', 'payload', back)).toBe(family);
    });
  }
  for (const [name, msg] of Object.entries(SAMPLE_MESSAGES)) {
    it(`${name} round-trips byte for byte`, () => {
      const n = name as MessageName;
      const bytes = encode(n, msg as never);
      expect(encode(n, decode(n, bytes) as never)).toEqual(bytes);
    });
  }
});

describe('strict decoding (DESIGN.md section 4)', () => {
  const body: EventBody = { ...SAMPLE_BODIES.certificateRevoked!, departmentId: 'd' };
  const bytes = encode('EventBody', body);

  it('rejects an unknown field', () => {
    expect(() => decode('EventBody', Uint8Array.from([...bytes, 0xf8, 0x07, 0x01]))).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects a duplicated field', () => {
    // key_version (field 3, varint) written twice
    expect(() => decode('EventBody', Uint8Array.from([0x18, 0x05, ...bytes]))).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects fields out of number order', () => {
    const a = encode('SignedEvent', { body: new Uint8Array([1]), signature: new Uint8Array(64) });
    // swap: signature (field 2) first, then body (field 1)
    const swapped = Uint8Array.from([...a.subarray(3), ...a.subarray(0, 3)]);
    expect(() => decode('SignedEvent', swapped)).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects an explicit default', () => {
    // key_version = 0 (field 3) written explicitly, in its place between fields 2 and 4
    const noVersion = encode('EventBody', { ...body, keyVersion: 0 });
    const at = noVersion.indexOf(0x20); // the tag of field 4 (sequence)
    expect(noVersion[at - 3]).toBe(0x12); // field 2 just before: 0x12, length 1, 'd'
    const withZero = Uint8Array.from([...noVersion.subarray(0, at), 0x18, 0x00, ...noVersion.subarray(at)]);
    expect(() => decode('EventBody', withZero)).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects an explicit empty string and an explicit false', () => {
    const denied = encode('ShareDenied', { requestId: 'r', reason: '' });
    expect(() => decode('ShareDenied', Uint8Array.from([...denied, 0x12, 0x00]))).toThrowError(code('NON_CANONICAL'));
    const ttc = encode('TimeToCut', { height: 1n, heartbeat: false, nodeIndex: 1, signature: new Uint8Array(64) });
    expect(() => decode('TimeToCut', Uint8Array.from([ttc[0]!, ttc[1]!, 0x10, 0x00, ...ttc.subarray(2)]))).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects a padded varint', () => {
    const tc = encode('TimeToCut', { height: 5n, heartbeat: false, nodeIndex: 1, signature: new Uint8Array(64) });
    // height 5 as 0x85 0x00 instead of 0x05
    const padded = Uint8Array.from([0x08, 0x85, 0x00, ...tc.subarray(2)]);
    expect(() => decode('TimeToCut', padded)).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects truncated bytes as MALFORMED', () => {
    expect(() => decode('EventBody', bytes.subarray(0, bytes.length - 3))).toThrowError(code('MALFORMED'));
  });
  it('rejects an event with no payload', () => {
    const none: EventBody = { channel: 'property', departmentId: 'd', keyVersion: 1, sequence: 1n, clientTimeMs: 0n };
    expect(() => decode('EventBody', encode('EventBody', none))).toThrowError(expect.objectContaining({ code: 'MALFORMED', details: { field: 'EventBody.payload' } }));
  });
  it('rejects a topic record with neither event nor marker', () => {
    expect(() => decode('TopicRecord', new Uint8Array(0))).toThrowError(code('MALFORMED'));
  });
  it('rejects two oneof members on the wire', () => {
    const ev = encode('TopicRecord', { event: { body: new Uint8Array([1]), signature: new Uint8Array(64) } });
    const ttc = encode('TopicRecord', { ttc: { height: 1n, heartbeat: false, nodeIndex: 1, signature: new Uint8Array(64) } });
    expect(() => decode('TopicRecord', Uint8Array.from([...ev, ...ttc]))).toThrowError(code('NON_CANONICAL'));
  });
  it('rejects invalid UTF-8 in a string', () => {
    const s = encode('ShareDenied', { requestId: 'r', reason: 'ab' });
    const bad = Uint8Array.from(s);
    bad[bad.length - 1] = 0xff;
    expect(() => decode('ShareDenied', bad)).toThrowError(code('MALFORMED'));
  });
  it('rejects an unknown enum value', () => {
    const r = encode('ResourceUpdated', { resourceId: 'r', name: '', shareType: 1, fields: [], updateCycle: '' });
    const bad = Uint8Array.from(r);
    bad[bad.indexOf(0x18) + 1] = 9;
    expect(() => decode('ResourceUpdated', bad)).toThrowError(code('MALFORMED'));
  });
});

describe('limits (DESIGN.md section 5)', () => {
  const withPayload = (p: Partial<EventBody>): EventBody => ({ ...SAMPLE_BODIES.certificateRevoked!, certificateRevoked: undefined, ...p });

  it('an identifier of 64 bytes passes, of 65 fails naming the field', () => {
    const ok = withPayload({ shareDenied: { requestId: 'a'.repeat(64), reason: '' } });
    expect(() => encodeChecked('EventBody', ok)).not.toThrow();
    const long = withPayload({ shareDenied: { requestId: 'a'.repeat(65), reason: '' } });
    expect(() => encodeChecked('EventBody', long)).toThrowError(expect.objectContaining({ code: 'LIMIT_EXCEEDED', details: expect.objectContaining({ field: 'EventBody.share_denied.request_id' }) }));
  });
  it('an identifier with a space or Chinese character fails with BAD_ID', () => {
    for (const id of ['a b', '证照', 'a/b', 'a\u0000']) {
      const msg = withPayload({ certificateRevoked: { certificateId: 'x', reason: '' }, departmentId: id });
      expect(() => encodeChecked('EventBody', msg), JSON.stringify(id)).toThrow();
    }
    expect(() => encodeChecked('EventBody', withPayload({ certificateRevoked: { certificateId: '证照', reason: '' } }))).toThrowError(code('BAD_ID'));
  });
  it('a string is measured in UTF-8 bytes: 85 Chinese characters pass, 86 fail', () => {
    expect(() => encodeChecked('EventBody', withPayload({ shareDenied: { requestId: 'r', reason: '证'.repeat(85) } }))).not.toThrow();
    expect(() => encodeChecked('EventBody', withPayload({ shareDenied: { requestId: 'r', reason: '证'.repeat(86) } }))).toThrowError(code('LIMIT_EXCEEDED'));
  });
  it('a list of 64 entries passes, of 65 fails', () => {
    const req = (n: number) => withPayload({ shareRequested: { requestId: 'r', resourceId: 'x', purpose: '', fields: Array.from({ length: n }, (_, i) => `f${i}`) } });
    expect(() => encodeChecked('EventBody', req(64))).not.toThrow();
    expect(() => encodeChecked('EventBody', req(65))).toThrowError(code('LIMIT_EXCEEDED'));
  });
  it('fixed-size bytes fields are checked', () => {
    const bad = withPayload({ certificateTransferred: { certificateId: 'c', newHolderCommitment: new Uint8Array(31), documentSha256: new Uint8Array(0), reason: '' } });
    expect(() => encodeChecked('EventBody', bad)).toThrowError(expect.objectContaining({ code: 'BAD_LENGTH', details: expect.objectContaining({ field: 'EventBody.certificate_transferred.new_holder_commitment' }) }));
    expect(() => encodeChecked('Vote', { ...SAMPLE_MESSAGES.Vote!, signature: new Uint8Array(63) })).toThrowError(code('BAD_LENGTH'));
  });
  it('a signed event body is at most max_record_bytes', () => {
    expect(() => encodeChecked('SignedEvent', { body: new Uint8Array(DEFAULT_LIMITS.maxRecordBytes + 1), signature: new Uint8Array(64) })).toThrowError(code('LIMIT_EXCEEDED'));
  });
  it('encode refuses wrong types naming the field', () => {
    expect(() => encode('EventBody', { ...withPayload({}), sequence: 5 as unknown as bigint })).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT', details: { field: 'EventBody.sequence' } }));
    expect(() => encode('EventBody', { ...withPayload({}), sequence: -1n })).toThrowError(code('BAD_ARGUMENT'));
  });
});

describe('properties', () => {
  it('random bytes never decode into something that re-encodes differently (decode is a gate)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        let decoded: EventBody | undefined;
        try {
          decoded = decode('EventBody', bytes);
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^(MALFORMED|NON_CANONICAL|LIMIT_EXCEEDED|BAD_ID|BAD_LENGTH)$/);
        }
        if (decoded !== undefined) expect(encode('EventBody', decoded)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
  it('random valid bodies round-trip', () => {
    const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
    fc.assert(
      fc.property(idArb, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.string({ maxLength: 80 }), (id, seq, reason) => {
        const body: EventBody = { channel: 'c', departmentId: id, keyVersion: 1, sequence: seq, clientTimeMs: 0n, shareDenied: { requestId: id, reason } };
        const bytes = encodeChecked('EventBody', body);
        expect(decode('EventBody', bytes)).toEqual(body);
      }),
      { numRuns: 300 },
    );
  });
});

describe('empty entries of repeated strings (docs/proof-format.md section 2)', () => {
  it('an empty entry of a non-identifier list decodes and encodes back to the same bytes (it threw before)', () => {
    // CertificateRecord: certificate_id "A", attribute_names ["a", ""]
    const bytes = Uint8Array.of(0x0a, 1, 0x41, 0x32, 1, 0x61, 0x32, 0);
    const record = decode('CertificateRecord', bytes);
    expect(record.attributeNames).toEqual(['a', '']);
    expect(encode('CertificateRecord', record)).toEqual(bytes);
  });
  it('an empty entry of an identifier list is refused', () => {
    // Rights: certificate_type_ids ["BDC", ""]
    expect(() => decode('Rights', Uint8Array.of(0x0a, 3, 0x42, 0x44, 0x43, 0x0a, 0))).toThrow(/certificate_type_ids\[1\]/);
  });
});
