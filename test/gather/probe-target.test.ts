import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidHost, parseProbeTarget } from '../../src/gather/probe-target.ts';
import { joinHostPort } from '../../src/otel/endpoint.ts';

test('IPv6 probe targets: bracketed in URLs and host:port, bare in the target; unbracketed is malformed', () => {
  const ok = (v: string) => {
    const r = parseProbeTarget(v);
    assert.ok(r.ok, `${v}: ${JSON.stringify(r)}`);
    return r.ok ? [r.target.host, r.target.port, r.defaultedPort] : [];
  };
  assert.deepEqual(ok('http://[fd00:10:96::14]:4318/v1/traces'), ['fd00:10:96::14', 4318, false]);
  assert.deepEqual(ok('https://[fd00:10:96::14]'), ['fd00:10:96::14', 443, true]);
  assert.deepEqual(ok('[fd00:10:96::14]:4317'), ['fd00:10:96::14', 4317, false]);
  // what gather's plan builds for a collector's IPv6 pod IP
  assert.deepEqual(ok(joinHostPort('fd00:10:244:1::5', 4317)), ['fd00:10:244:1::5', 4317, false]);
  for (const bad of ['fd00:10:244:1::5:4317', 'http://fd00::5:4318', '[fd00::zz]:4317', '[10.0.0.1:4317']) {
    const r = parseProbeTarget(bad);
    assert.equal(r.ok, false, bad);
  }
  assert.ok(isValidHost('fd00:10:96::14'));
  assert.ok(!isValidHost('[fd00:10:96::14]'));
});
