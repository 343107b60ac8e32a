/**
 * Who may write a channel (issue 22, kafka/channel-acls.ts, kafka/acls.ts), as pure functions: the
 * writers the ACL entries give and the violations against the principals a node knows; and the ACL
 * entries of a node principal (its channel only, its own consumer groups).
 */
import kafkajs from 'kafkajs';
import type { Acl } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { writerViolations } from '../../kafka/channel-acls.js';
import { departmentProducerAcls, nodeAcls, nodeGroupPrefix } from '../../kafka/acls.js';
import { departmentPrincipal, nodePrincipal } from '../../stack/kafka-users.js';

const { AclOperationTypes: Op, AclPermissionTypes: Perm, AclResourceTypes: Res, ResourcePatternTypes: Pattern } = kafkajs;
const TOPIC = 'ledger.property';

function acl(principal: string, operation: number, permissionType: number = Perm.ALLOW, host = '*'): Acl {
  return { principal, host, operation, permissionType } as Acl;
}

describe('writerViolations', () => {
  const known = ['ledger-node-1', 'dept.realestate'];

  it('passes when only known principals may write; reads and describes are not writes', () => {
    const r = writerViolations(TOPIC, [acl('User:ledger-node-1', Op.WRITE), acl('User:dept.realestate', Op.WRITE), acl('User:auditor', Op.READ), acl('User:*', Op.DESCRIBE)], known);
    expect(r).toEqual({ topic: TOPIC, writers: ['User:dept.realestate', 'User:ledger-node-1'], violations: [] });
  });

  it('names an unknown principal, every principal (User:*), and clients without credentials (ALL counts as WRITE)', () => {
    const r = writerViolations(TOPIC, [acl('User:ledger-node-1', Op.WRITE), acl('User:dept.intruder', Op.ALL), acl('User:*', Op.WRITE), acl('User:ANONYMOUS', Op.WRITE)], known);
    expect(r.violations).toEqual([
      'an ACL lets every authenticated principal (User:*) write ledger.property',
      'an ACL lets clients without credentials (User:ANONYMOUS) write ledger.property',
      'an ACL lets User:dept.intruder write ledger.property, a principal this node does not know (not in its kafkaWriters)',
    ]);
  });

  it('a DENY for every host takes a principal out; a DENY for one host does not', () => {
    const denied = writerViolations(TOPIC, [acl('User:ledger-node-1', Op.WRITE), acl('User:x', Op.WRITE), acl('User:x', Op.WRITE, Perm.DENY)], known);
    expect(denied.violations).toEqual([]);
    const oneHost = writerViolations(TOPIC, [acl('User:ledger-node-1', Op.WRITE), acl('User:x', Op.WRITE), acl('User:x', Op.WRITE, Perm.DENY, '10.0.0.9')], known);
    expect(oneHost.violations).toHaveLength(1);
  });

  it('refuses a topic no ACL lets anyone write', () => {
    expect(writerViolations(TOPIC, [acl('User:ledger-node-1', Op.READ)], known).violations[0]).toMatch(/^no ACL lets anyone write ledger\.property/);
  });
});

describe('ACL entries of the stack principals', () => {
  it('a node reads, writes and describes its channel only, uses only its own groups, and may describe the cluster', () => {
    const entries = nodeAcls(nodePrincipal(1), { channel: 'property', nodeIndex: 1 });
    expect(entries.every((e) => e.principal === 'User:ledger-node-1' && e.permissionType === Perm.ALLOW)).toBe(true);
    const topics = entries.filter((e) => e.resourceType === Res.TOPIC);
    expect(new Set(topics.map((e) => `${e.resourceName}/${e.resourcePatternType}`))).toEqual(new Set([`${TOPIC}/${Pattern.LITERAL}`]));
    expect(topics.map((e) => e.operation).sort()).toEqual([Op.READ, Op.WRITE, Op.DESCRIBE, Op.DESCRIBE_CONFIGS].sort());
    expect(entries.filter((e) => e.resourceType === Res.GROUP).map((e) => [e.resourceName, e.resourcePatternType, e.operation])).toEqual([['ledger-node-1-', Pattern.PREFIXED, Op.READ]]);
    expect(entries.filter((e) => e.resourceType === Res.CLUSTER).map((e) => e.operation)).toEqual([Op.DESCRIBE]);
    expect(nodeGroupPrefix(10)).toBe('ledger-node-10-');
    expect(() => nodeGroupPrefix(0)).toThrow(/node index/);
  });

  it('a department writes and describes its channel topic, literally, and nothing else', () => {
    const entries = departmentProducerAcls(departmentPrincipal('dept.tax'), ['property']);
    expect(entries.map((e) => [e.principal, e.resourceType, e.resourceName, e.resourcePatternType, e.operation])).toEqual([
      ['User:dept.tax', Res.TOPIC, TOPIC, Pattern.LITERAL, Op.WRITE],
      ['User:dept.tax', Res.TOPIC, TOPIC, Pattern.LITERAL, Op.DESCRIBE],
    ]);
  });

  it('department principals cannot take the stack\'s reserved names or characters Kafka user names cannot hold', () => {
    expect(() => departmentPrincipal('ledger-node-1')).toThrow(/reserved|ledger-/);
    expect(() => departmentPrincipal('dept:tax')).toThrow(/Kafka user name/);
  });
});
