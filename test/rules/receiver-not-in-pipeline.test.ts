import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-not-in-pipeline.ts';
import { findingsOf, loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('otlp declared, pipeline uses another receiver, apps send to 4317: error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const cfg = s.collectors[0].effectiveConfig as any;
    cfg.receivers.prometheus = { config: {} };
    for (const p of Object.values(cfg.service.pipelines) as any[]) p.receivers = ['prometheus'];
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-not-in-pipeline error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('an unused extra receiver nobody sends to: warning', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    (s.collectors[0].effectiveConfig as any).receivers['otlp/spare'] = { protocols: { grpc: { endpoint: '0.0.0.0:5317' } } };
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-not-in-pipeline warning Deployment observability/otel-collector:opentelemetry-collector']);
});

test('healthy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));

test('an unused scraping receiver (prometheus self-scrape) opens no port: info, not a warning', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    (s.collectors[0].effectiveConfig as any).receivers.prometheus = { config: { scrape_configs: [{ job_name: 'self', static_configs: [{ targets: ['${env:MY_POD_IP}:8888'] }] }] } };
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['receiver-not-in-pipeline info Deployment observability/otel-collector:opentelemetry-collector']);
});

test('an unused otlp receiver on a custom port that an app targets: error, and it explains the missing listener', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    (s.collectors[0].effectiveConfig as any).receivers['otlp/internal'] = { protocols: { grpc: { endpoint: '0.0.0.0:5317' } } };
  });
  const f = findingsOf(rule.check(s));
  assert.equal(f.length, 1);
  assert.ok(f[0].explains?.some((k: string) => k.endsWith(':5317')), `explains ${f[0].explains}`);
});
