/**
 * The canonical-wire reader (the fast path of `decode`, proto/codec.ts) against the reference
 * strict decoder (protobufjs, convert, re-encode and compare): whenever the reader accepts bytes,
 * the reference accepts them too and builds an equal message; `decode` gives the reference's
 * result or error for everything, valid or mutated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeByReencoding, decodeCanonical, encode, encodeCanonical, encodeViaProtobufjs } from '../../proto/codec.js';
import { DEFAULT_LIMITS } from '../../proto/limits.js';
import type { EventBody, MessageName } from '../../proto/schema.generated.js';
import { encodeRecord } from '../../ledger/state-records.js';
import { SAMPLE_BODIES, SAMPLE_MESSAGES } from '../helpers/samples.js';

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    const err = e as { code: string; message: string };
    return { ok: false, code: err.code, message: err.message };
  }
}

/** The reader either gives up or agrees with the reference; `decode` always agrees with it. */
function agree(name: MessageName, bytes: Uint8Array): void {
  const ref = outcome(() => decodeByReencoding(name, bytes, DEFAULT_LIMITS));
  const fast = decodeCanonical(name, bytes, DEFAULT_LIMITS);
  if (fast !== undefined) {
    expect(ref.ok, `${name}: the reader accepted what the reference rejects`).toBe(true);
    if (ref.ok) expect(fast).toStrictEqual(ref.value);
  }
  expect(outcome(() => decode(name, bytes, DEFAULT_LIMITS))).toStrictEqual(ref);
}

const samples: Array<[MessageName, Uint8Array]> = [
  ...Object.values(SAMPLE_BODIES).map((b): [MessageName, Uint8Array] => ['EventBody', encode('EventBody', b)]),
  ...Object.entries(SAMPLE_MESSAGES).map(([n, m]): [MessageName, Uint8Array] => [n as MessageName, encode(n as MessageName, m as never)]),
];

describe('canonical-wire reader', () => {
  it('reads every sample (ASCII and Chinese strings) to the reference result', () => {
    for (const [name, bytes] of samples) {
      expect(decodeCanonical(name, bytes, DEFAULT_LIMITS), name).toBeDefined();
      agree(name, bytes);
    }
  });

  it('agrees with the reference on every single-byte change, deletion, insertion and truncation of the samples', () => {
    for (const [name, bytes] of samples) {
      for (let i = 0; i < bytes.length; i++) {
        for (const v of [0x00, 0x80, 0xff, bytes[i]! ^ 0x08, bytes[i]! + 1]) {
          const c = new Uint8Array(bytes);
          c[i] = v & 0xff;
          agree(name, c);
        }
        agree(name, Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + 1)]));
        agree(name, Uint8Array.from([...bytes.subarray(0, i), 0x00, ...bytes.subarray(i)]));
        agree(name, bytes.subarray(0, i));
      }
    }
  });

  it('agrees on random mutations of random event bodies', () => {
    const str = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('', 'a', '\ufeffx', 'dept.a'));
    const id = fc.oneof(fc.constantFrom('d', 'dept.a', 'C-1', ''), fc.string({ maxLength: 70 }));
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const body = fc.record({
      channel: str,
      departmentId: id,
      keyVersion: fc.nat(),
      sequence: u64,
      clientTimeMs: u64,
      certificateIssued: fc.record({
        certificateId: id,
        certificateTypeId: id,
        holderCommitment: fc.uint8Array({ maxLength: 33 }),
        attributesRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        documentSha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        validUntilMs: u64,
        attributeNames: fc.array(str.filter((x) => x !== ''), { maxLength: 4 }), // (encode cannot write an empty list entry)
      }),
    });
    fc.assert(
      fc.property(body, fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.integer({ min: 0, max: 3 })), { maxLength: 3 }), (b, edits) => {
        let bytes = encode('EventBody', b as EventBody);
        agree('EventBody', bytes);
        for (const [at, v, op] of edits) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (op === 0) (bytes = new Uint8Array(bytes))[i] = v;
          else if (op === 1) bytes = Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + 1)]);
          else if (op === 2) bytes = Uint8Array.from([...bytes.subarray(0, i), v, ...bytes.subarray(i)]);
          else bytes = Uint8Array.from([...bytes, ...bytes.subarray(i)]);
          agree('EventBody', bytes);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('leaves to the reference path: two payloads, invalid UTF-8, explicit defaults, Buffers copied to plain arrays', () => {
    const revoked = encode('EventBody', SAMPLE_BODIES.certificateRevoked!);
    const suspended = encode('DepartmentSuspended', { departmentId: 'x', reason: 'r' });
    // a second payload (department_suspended, field 13) before certificate_revoked (field 53)
    const payloadAt = revoked.indexOf(0xaa); // tag of field 53: (53 << 3 | 2) = 0x1aa -> 0xaa 0x03
    const two = Uint8Array.from([...revoked.subarray(0, payloadAt), 0x6a, suspended.length, ...suspended, ...revoked.subarray(payloadAt)]);
    expect(decodeCanonical('EventBody', two, DEFAULT_LIMITS)).toBeUndefined();
    agree('EventBody', two);
    // a lone surrogate written as UTF-8 (ED A0 80) in a reason
    const lone = Uint8Array.from([0x0a, 0x01, 0x78, 0x12, 0x03, 0xed, 0xa0, 0x80]);
    expect(decodeCanonical('DepartmentSuspended', lone, DEFAULT_LIMITS)).toBeUndefined();
    agree('DepartmentSuspended', lone);
    const bom = Uint8Array.from([0x0a, 0x01, 0x78, 0x12, 0x04, 0xef, 0xbb, 0xbf, 0x41]);
    expect(decodeCanonical('DepartmentSuspended', bom, DEFAULT_LIMITS)).toEqual({ departmentId: 'x', reason: '\ufeffA' });
    agree('DepartmentSuspended', bom);
    const fromBuffer = decode('SignedEvent', Buffer.from(encode('SignedEvent', SAMPLE_MESSAGES.SignedEvent!)));
    expect(Object.getPrototypeOf(fromBuffer.body)).toBe(Uint8Array.prototype);
  });

  it('reads state records as the store writes them', () => {
    const rec = encodeRecord('grant', {
      requestId: 'g.1',
      requesterDepartmentId: 'd.a',
      resourceId: 'r.1',
      purpose: '家庭经济状况核对',
      requestedFields: ['a', 'b'],
      status: 2,
      grantorDepartmentId: 'd.b',
      grantedFields: ['a'],
      validFromMs: 0n,
      validUntilMs: 1n << 62n,
      maxUses: 0n,
      uses: 12n,
      definingEvent: { eventId: new Uint8Array(32).fill(1), height: 3n, logPosition: 40n },
    });
    expect(decodeCanonical('GrantRecord', rec, DEFAULT_LIMITS)).toBeDefined();
    agree('GrantRecord', rec);
  });
});

describe('direct writer (the fast path of encode)', () => {
  const same = (name: MessageName, msg: unknown): void => {
    const ref = outcome(() => encodeViaProtobufjs(name, msg as never));
    const fast = encodeCanonical(name, msg as Record<string, unknown>);
    if (fast !== undefined) {
      expect(ref.ok, `${name}: the writer wrote what the reference refuses`).toBe(true);
      if (ref.ok) expect([...fast]).toEqual([...(ref.value as Uint8Array)]);
    }
    const viaEncode = outcome(() => encode(name, msg as never));
    expect(viaEncode.ok).toBe(ref.ok);
    if (viaEncode.ok && ref.ok) expect([...(viaEncode.value as Uint8Array)]).toEqual([...(ref.value as Uint8Array)]);
    else if (!viaEncode.ok && !ref.ok) expect(viaEncode).toStrictEqual(ref);
  };

  it('writes every sample as protobufjs does', () => {
    for (const b of Object.values(SAMPLE_BODIES)) {
      expect(encodeCanonical('EventBody', b as unknown as Record<string, unknown>)).toBeDefined();
      same('EventBody', b);
    }
    for (const [n, m] of Object.entries(SAMPLE_MESSAGES)) same(n as MessageName, m);
  });

  it('writes random records (long strings, 64-bit values, nested lists) as protobufjs does', () => {
    const str = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('', 'a', '家庭经济状况核对'));
    const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 127n, 128n, (1n << 32n) - 1n, 1n << 32n, (1n << 63n) + 5n));
    const u32 = fc.oneof(fc.nat(), fc.constantFrom(0, 127, 128, 0xffffffff));
    const bytes = fc.uint8Array({ maxLength: 300 });
    const defining = fc.option(fc.record({ eventId: bytes, height: u64, logPosition: u64 }), { nil: undefined });
    const dept = fc.record({
      departmentId: str,
      name: str,
      keys: fc.array(fc.record({ version: u32, publicKey: bytes, activatedAt: u64, retiredAt: u64, compromisedFrom: fc.option(fc.record({ logPosition: u64 }), { nil: undefined }) }), { maxLength: 3 }),
      rights: fc.option(fc.record({ certificateTypeIds: fc.array(str, { maxLength: 3 }), resourceIds: fc.array(str, { maxLength: 3 }), govern: fc.boolean() }), { nil: undefined }),
      suspended: fc.boolean(),
      nextSequence: u64,
      definingEvent: defining,
    });
    const grant = fc.record({
      requestId: str,
      requesterDepartmentId: str,
      resourceId: str,
      purpose: str,
      requestedFields: fc.array(str, { maxLength: 4 }),
      status: fc.constantFrom(0, 1, 2, 3, 4, 7),
      grantorDepartmentId: str,
      grantedFields: fc.array(str, { maxLength: 4 }),
      validFromMs: u64,
      validUntilMs: u64,
      maxUses: u64,
      uses: u64,
      definingEvent: defining,
    });
    fc.assert(
      fc.property(dept, grant, (d, g) => {
        same('DepartmentRecord', d);
        same('GrantRecord', g);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves wrong types and lone surrogates to the reference path', () => {
    same('ShareDenied', { requestId: 'r', reason: 'a\ud800b' });
    expect(encodeCanonical('ShareDenied', { requestId: 'r', reason: 'a\ud800b' })).toBeUndefined();
    same('TimeToCut', { height: 5, heartbeat: false, nodeIndex: 1, signature: new Uint8Array(64) });
    same('TimeToCut', { height: 5n, heartbeat: 1, nodeIndex: 1, signature: new Uint8Array(64) });
    same('Rights', { certificateTypeIds: 'x', resourceIds: [], govern: false, seize: false, audit: false });
    same('Commit', { height: 1n, headerHash: new Uint8Array(32), signatures: [{ nodeIndex: 1 }, { nodeIndex: 2, signature: new Uint8Array(0) }] });
  });
});
