import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-default-loopback.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

function unset(version: string | null, image: string) {
  return variant(loadSnapshot('seed'), (s) => {
    const c = s.collectors[0];
    c.version = version;
    c.image = image;
    const cfg = c.effectiveConfig as any;
    cfg.receivers.otlp.protocols = { grpc: {}, http: null };
    delete c.listeners;
    s.logs = s.logs.filter((l) => l.role === 'app');
  });
}

test('no endpoint on 0.111.0: default localhost is an error', () => {
  assert.deepEqual(judged(unset('0.111.0', 'otel/opentelemetry-collector-contrib:0.111.0')), ['receiver-default-loopback error Deployment observability/otel-collector:otel-collector']);
});

test('no endpoint on 0.103.0: default 0.0.0.0, no finding', () => {
  assert.deepEqual(ruleKeys(rule.check, unset('0.103.0', 'otel/opentelemetry-collector-contrib:0.103.0')), []);
});

test('operator-managed (>= 0.110) gets 0.0.0.0 for an empty endpoint', () => {
  const s = unset('0.111.0', 'otel/opentelemetry-collector-contrib:0.111.0');
  s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.113.0', crName: 'otel' };
  assert.deepEqual(ruleKeys(rule.check, s), []);
});

test('operator does not rewrite an explicit localhost', () => {
  const s = variant(loadSnapshot('seed'), (s) => {
    s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.113.0', crName: 'otel' };
  });
  assert.deepEqual(judged(s), ['receiver-bound-to-loopback error Deployment observability/otel-collector:otel-collector']);
});

test('unknown version (latest) without exec evidence is a warning that names the versions', () => {
  const s = unset(null, 'otel/opentelemetry-collector-contrib:latest');
  s.probes = [];
  s.logs = [];
  s.apps = [];
  const r = rule.check(s) as { findings: any[] };
  assert.deepEqual(r.findings.map((f) => f.severity), ['warning']);
  assert.ok(r.findings[0].evidence.some((e: any) => /0\.104\.0 and later/.test(e.detail)));
});
