/** The server.properties of a broker with credentials (issue 22, kafka/sasl-broker.ts): pure text checks. */
import { describe, expect, it } from 'vitest';
import { renderServerProperties } from '../../kafka/provision.js';
import { newCredentials } from '../../kafka/credentials.js';
import { ADMIN_USER } from '../../kafka/sasl-broker.js';

describe('SASL broker properties', () => {
  const admin = newCredentials(ADMIN_USER);
  const text = renderServerProperties({ port: 21000, controllerPort: 21001, logDirs: '/tmp/x/logs', admin });
  const props = new Map(text.split('\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  it('has no plaintext listener: clients on SCRAM, the controller on PLAIN, each key once', () => {
    expect(props.get('listeners')).toBe('CLIENT://127.0.0.1:21000,CONTROLLER://127.0.0.1:21001');
    expect(props.get('listener.security.protocol.map')).toBe('CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT');
    expect(props.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-256');
    expect(props.get('sasl.mechanism.controller.protocol')).toBe('PLAIN');
    expect(text).not.toMatch(/:PLAINTEXT\b|PLAINTEXT:\/\//);
    const keys = text.split('\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => l.slice(0, l.indexOf('=')));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('denies what no ACL allows and has the admin as the only super user', () => {
    expect(props.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(props.get('super.users')).toBe(`User:${ADMIN_USER}`);
    expect(props.get('listener.name.client.scram-sha-256.sasl.jaas.config')).toContain(`password="${admin.password}"`);
  });

  it('without credentials stays the development broker', () => {
    const dev = renderServerProperties({ port: 21000, controllerPort: 21001, logDirs: '/tmp/x/logs' });
    expect(dev).toContain('listeners=PLAINTEXT://127.0.0.1:21000,CONTROLLER://127.0.0.1:21001');
    expect(dev).not.toContain('sasl');
  });
});
