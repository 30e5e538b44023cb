import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIP, classifyHost, goSplitHostPortError, joinHostPort, parseOtlpUrl, sameIP, splitHostPort } from '../../src/otel/endpoint.ts';

test("goSplitHostPortError answers as Go's net.SplitHostPort (net/ipsock.go and its tests' cases)", () => {
  const ok = ['0.0.0.0:4317', ':4317', 'localhost:4317', '[::]:4317', '[fd00::5]:4317', '[fe80::1%eth0]:4317', '[10.0.0.1]:80', 'host:'];
  for (const s of ok) { assert.equal(goSplitHostPortError(s), null, s); }
  const bad: [string, string][] = [
    ['fd00::5:4317', 'too many colons in address'],
    [':::4317', 'too many colons in address'],
    ['::1', 'too many colons in address'],
    ['http://prometheus:9090', 'too many colons in address'],
    ['[::1]:80:80', 'too many colons in address'],
    ['localhost', 'missing port in address'],
    ['[::1]', 'missing port in address'],
    ['[::1]x:80', 'missing port in address'],
    ['[::1:80', "missing ']' in address"],
    ['a[b]:80', "unexpected '[' in address"],
    ['ab]:80', "unexpected ']' in address"],
  ];
  for (const [s, want] of bad) { assert.equal(goSplitHostPortError(s), want, s); }
});

test('joinHostPort brackets IPv6 hosts only, as net.JoinHostPort does', () => {
  assert.equal(joinHostPort('fd00:10:244:1::5', 4317), '[fd00:10:244:1::5]:4317');
  assert.equal(joinHostPort('10.244.1.5', 4317), '10.244.1.5:4317');
  assert.equal(joinHostPort('otel-collector.observability', '4318'), 'otel-collector.observability:4318');
});

test('IPv6 addresses compare in one spelling; classifyHost finds the pod IP however it is written', () => {
  assert.equal(canonicalIP('FD00:0010:0244:0001:0:0:0:5'), 'fd00:10:244:1::5');
  assert.equal(canonicalIP('::ffff:10.244.1.5'), '10.244.1.5');
  assert.ok(sameIP('[fd00:10:244:1::5]', 'fd00:10:244:1:0::5'));
  assert.ok(!sameIP('fd00:10:244:1::5', 'fd00:10:244:1::6'));
  assert.equal(classifyHost('fd00:10:244:1:0:0:0:5', { podIP: 'fd00:10:244:1::5' }), 'pod-ip');
  assert.equal(classifyHost('::', {}), 'all-interfaces');
  assert.equal(classifyHost('::1', {}), 'loopback');
});

test('bracketed IPv6 endpoints parse to the bare address; an unbracketed one has no port', () => {
  assert.deepEqual(splitHostPort('[fd00:10:96::14]:4317'), { host: 'fd00:10:96::14', port: 4317 });
  const u = parseOtlpUrl('http://[fd00:10:96::14]:4318/v1/traces');
  assert.deepEqual([u.host, u.port, u.path, u.problems], ['fd00:10:96::14', 4318, '/v1/traces', []]);
  assert.deepEqual(splitHostPort('fd00:10:96::14'), { host: 'fd00:10:96::14', port: null });
});

test('an unbracketed IPv6 host with a port is read as host and port, and flagged; the app URL form is a problem', () => {
  assert.deepEqual(splitHostPort('fd00:10:244:2::2:4317'), { host: 'fd00:10:244:2::2', port: 4317, unbracketed: true });
  assert.deepEqual(splitHostPort('fd00:10:244:2::2:13133'), { host: 'fd00:10:244:2::2', port: 13133, unbracketed: true });
  assert.deepEqual(splitHostPort('::1'), { host: '::1', port: null });
  assert.deepEqual(splitHostPort('fe80::1'), { host: 'fe80::1', port: null });
  assert.deepEqual(splitHostPort('2001:db8::10'), { host: '2001:db8::10', port: null });
  const u = parseOtlpUrl('http://fd00:10:96::14:4318/v1/traces');
  assert.equal(u.port, 4318);
  assert.match(u.problems.join('; '), /IPv6 address without brackets \(write \[fd00:10:96::14\]:4318\)/);
});
