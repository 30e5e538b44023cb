import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../../src/engine.ts';
import { HOP_OF_RULE, OFF_PATH_RULES, type Hop } from '../../src/report/hops.ts';
import { RULES } from '../../src/rules/index.ts';
import { collectorSubject } from '../../src/rules/util.ts';
import type { Rule } from '../../src/report/finding.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { envValue, loadSnapshot, variant } from '../rules/helpers.ts';

const hopsOf = (s: Snapshot, pod: string, opts: Parameters<typeof judge>[1] = {}): Hop[] => {
  const a = judge(s, opts).apps.find((x) => x.pod.startsWith(pod));
  assert.ok(a?.hops, `no hops for ${pod}`);
  return a.hops;
};
const brief = (hs: Hop[]): string[] => hs.map((h) => `${h.hop} ${h.status}${h.findings ? ` ${h.findings.join(',')}` : ''}${h.sources ? ` [${h.sources.join(',')}]` : ''}`);

test('seed: the Service is proven from the API, the receiver fails on receiver-bound-to-loopback, the rest says why it is unproven', () => {
  const hs = hopsOf(loadSnapshot('seed'), 'checkout');
  assert.deepEqual(brief(hs), ['app ok [config]', 'service ok [api]', 'receiver failed receiver-bound-to-loopback', 'pipeline unproven', 'exporter unproven', 'backend unproven']);
  assert.equal(hs[1].target, 'Service observability/otel-collector:4317');
  assert.match(hs[2].target, /^otlp\/grpc localhost:4317 \(Deployment observability\/otel-collector\)$/);
  assert.match(hs[2].detail ?? '', /configured localhost:4317; listening .*127\.0\.0\.1:4317 \(ss\)/);
  // the collector has a traces pipeline only; the app's SDK may send metrics and logs too
  assert.equal(hs[3].target, 'otlp -> traces');
  assert.match(hs[3].reason ?? '', /no metrics, logs pipeline takes otlp/);
  assert.match(hs[4].reason ?? '', /metrics were not read/);
  assert.match(hs[5].reason ?? '', /not checked by design: debug/);
  assert.ok(hs.every((h) => h.signals.join() === 'traces,metrics,logs'));
});

test('healthy: sockets read by exec prove the receiver; every signal has its pipeline', () => {
  const hs = hopsOf(loadSnapshot('healthy-helm'), 'payment');
  assert.deepEqual(brief(hs).slice(0, 4), ['app ok [config]', 'service ok [api,exec]', 'receiver ok [config,exec]', 'pipeline ok [config]']);
  assert.equal(hs[3].target, 'otlp -> traces, metrics, logs');
});

test('without exec the receiver stays unproven, and says why; in lint the config is the proof', () => {
  const noExec = variant(loadSnapshot('healthy-helm'), (s) => {
    s.meta.exec = false;
    s.probes = [];
    for (const c of s.collectors) { delete c.listeners; }
  });
  const r = hopsOf(noExec, 'payment')[2];
  assert.equal(r.status, 'unproven');
  assert.match(r.reason ?? '', /--no-exec/);
  const lint = variant(noExec, (s) => { s.meta.mode = 'lint'; });
  assert.deepEqual(brief(hopsOf(lint, 'payment', { mode: 'lint' })).slice(0, 4), ['app ok [config]', 'service ok [config]', 'receiver ok [config]', 'pipeline ok [config]']);
});

test('the app\'s own protocol answered proves the receiver where no socket was read; a probe to another host does not', () => {
  const answered = (host: string) => variant(loadSnapshot('healthy-helm'), (s) => {
    for (const c of s.collectors) { delete c.listeners; }
    const p = s.probes.find((x) => x.from.pod.startsWith('payment'));
    assert.ok(p);
    p.target.host = host;
    p.otlp = { sent: 'h2-preface', result: 'grpc-ok', answeredBy: 'http/2', detail: 'SETTINGS frame' };
  });
  const r = hopsOf(answered('otel-collector.observability'), 'payment')[2];
  assert.deepEqual([r.status, r.sources], ['ok', ['config', 'exec']]);
  assert.match(r.detail ?? '', /the app's h2-preface was answered grpc-ok/);
  assert.equal(hopsOf(answered('elsewhere.example.com'), 'payment')[2].status, 'unproven');
});

test('a Service without the port: the hops behind it name the break instead of guessing a receiver', () => {
  const hs = hopsOf(loadSnapshot('app-port-not-exposed'), 'legacy');
  assert.deepEqual(brief(hs), ['app ok [config]', 'service failed app-port-not-exposed', 'receiver unproven', 'pipeline unproven', 'exporter unproven', 'backend unproven']);
  assert.match(hs[2].reason ?? '', /declares no port 55680/);
});

test('an app exporting to two places has two paths; an app exporting nothing has one unproven hop', () => {
  const two = variant(loadSnapshot('seed'), (s) => {
    s.apps[0].exporter.signals = { metrics: { endpoint: envValue('http://metrics.example.com:4317', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') } };
  });
  const hs = hopsOf(two, 'checkout');
  assert.equal(hs.length, 12);
  assert.deepEqual(hs.filter((h) => h.hop === 'service').map((h) => `${h.signals.join(',')} ${h.status}`), ['traces,logs ok', 'metrics unproven']);
  assert.match(hs[7].reason ?? '', /outside the cluster/);
  const none = variant(loadSnapshot('seed'), (s) => { s.apps[0].exporter.sdkDisabled = true; });
  assert.deepEqual(brief(hopsOf(none, 'checkout')), ['app unproven']);
});

test('a network exporter: the backend names its endpoint and stays unproven until metrics or logs prove it', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const cfg = s.collectors[0].effectiveConfig as { exporters: Record<string, unknown>; service: { pipelines: Record<string, { exporters: string[] }> } };
    cfg.exporters['otlp/backend'] = { endpoint: 'backend.vendor.example:4317' };
    cfg.service.pipelines.traces.exporters = ['otlp/backend'];
  });
  const hs = hopsOf(s, 'payment');
  assert.equal(hs[4].target, 'otlp/backend, debug');
  assert.equal(hs[5].target, 'otlp/backend -> backend.vendor.example:4317, debug (no network backend)');
  assert.match(hs[5].reason ?? '', /delivery is proven by the collector's metrics: the collector's own metrics were not read/);
});

test('the collector\'s own metrics prove the exporter and the backend, or say what they show', () => {
  const withMetrics = (samples: { name: string; labels: Record<string, string>; value: number }[]) => variant(loadSnapshot('healthy-helm'), (s) => {
    const cfg = s.collectors[0].effectiveConfig as { exporters: Record<string, unknown>; service: { pipelines: Record<string, { exporters: string[] }> } };
    cfg.exporters['otlp/backend'] = { endpoint: 'backend.vendor.example:4317' };
    for (const p of Object.values(cfg.service.pipelines)) { p.exporters = ['otlp/backend']; }
    s.collectors[0].metrics = { endpoint: '10.244.1.5:8888', samples };
  });
  const e = { exporter: 'otlp/backend' };
  const healthy = hopsOf(withMetrics([
    { name: 'otelcol_exporter_sent_spans_total', labels: e, value: 120 },
    { name: 'otelcol_exporter_send_failed_spans_total', labels: e, value: 0 },
    { name: 'otelcol_exporter_queue_size', labels: e, value: 0 },
    { name: 'otelcol_exporter_queue_capacity', labels: e, value: 1000 },
  ]), 'payment');
  assert.deepEqual(brief(healthy).slice(4), ['exporter ok [metrics]', 'backend ok [metrics]']);
  assert.equal(healthy[4].detail, 'otlp/backend: queue 0/1000, 0 refused');
  assert.equal(healthy[5].detail, 'otlp/backend: 120 sent, 0 failed');
  // no rules: what the metrics alone say (exporter-failing, where the catalogue has it, makes the hop failed)
  const failing = hopsOf(withMetrics([
    { name: 'otelcol_exporter_sent_spans', labels: e, value: 0 },
    { name: 'otelcol_exporter_send_failed_spans', labels: e, value: 7 },
  ]), 'payment', { rules: [] });
  assert.equal(failing[5].status, 'unproven');
  assert.equal(failing[5].reason, 'otlp/backend: 7 item(s) failed to send, 0 sent');
  const full = hopsOf(withMetrics([
    { name: 'otelcol_exporter_sent_spans', labels: e, value: 3 },
    { name: 'otelcol_exporter_queue_size', labels: e, value: 1000 },
    { name: 'otelcol_exporter_queue_capacity', labels: e, value: 1000 },
  ]), 'payment', { rules: [] });
  assert.match(full[4].reason ?? '', /full queue \(queue 1000\/1000\)/);
  const unread = variant(withMetrics([]), (s) => { s.collectors[0].metrics = { notRun: { reason: 'loopback', detail: 'localhost:8888' } }; });
  assert.equal(hopsOf(unread, 'payment')[4].reason, 'the collector\'s own metrics were not read: loopback (localhost:8888)');
});

test('a collector-side finding breaks the hop its rule names, for the apps it affects only', () => {
  const s = loadSnapshot('healthy-helm');
  const failing = (affects?: string): Rule => ({
    id: 'exporter-failing', severity: 'error', title: 't', description: 'd', evidence: ['log'], fix: 'f', modes: ['diagnose'],
    check: (snap) => [{
      subject: collectorSubject(snap.collectors[0]), summary: 's', rootCause: 'r', evidence: [{ source: 'log', detail: 'x' }], fix: { summary: 'f' },
      ...(affects ? { affected: snap.apps.filter((a) => a.pod.startsWith(affects)).map((a) => ({ namespace: a.namespace, pod: a.pod, container: a.container, symptoms: [] })) } : {}),
    }],
  });
  const all = { catalogue: [...RULES, failing()] };
  for (const pod of ['payment', 'cart']) {
    const b = hopsOf(s, pod, all)[5];
    assert.deepEqual([b.status, b.findings], ['failed', ['exporter-failing']]);
    assert.equal(b.reason, undefined);
  }
  const onlyCart = { catalogue: [...RULES, failing('cart')] };
  assert.equal(hopsOf(s, 'cart', onlyCart)[5].status, 'failed');
  assert.equal(hopsOf(s, 'payment', onlyCart)[5].status, 'unproven');
});

test('every rule of the catalogue names the hop it breaks, or is off the path on purpose', () => {
  const unmapped = RULES.map((r) => r.id).filter((id) => !HOP_OF_RULE[id] && !OFF_PATH_RULES.has(id));
  assert.deepEqual(unmapped, []);
});
